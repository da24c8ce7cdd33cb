package io.hapg.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {
    @Test
    void neverHandsOutTheSamePortTwice() {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            assertThat(ports.add(FreePorts.next())).as("call %d returned a port given before", i).isTrue();
        }
        assertThat(ports).allSatisfy(port -> assertThat(port).isBetween(1, 65535));
    }

    /** Outgoing connections and other JVMs' bind(0) take ephemeral ports: a test's server port stays out of them. */
    @Test
    void portsAreOutsideTheKernelsEphemeralRange() {
        int[] range = FreePorts.ephemeralRange();
        for (int i = 0; i < 100; i++) {
            int port = FreePorts.next();
            assertThat(port < range[0] || port > range[1]).as("port %d outside %d-%d", port, range[0], range[1]).isTrue();
        }
    }
}
