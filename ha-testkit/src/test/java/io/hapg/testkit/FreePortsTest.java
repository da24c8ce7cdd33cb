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
}
