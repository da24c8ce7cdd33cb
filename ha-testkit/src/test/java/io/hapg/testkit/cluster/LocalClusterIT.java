package io.hapg.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the harness tells when an agent cannot even start. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalClusterIT {

    @Test
    void anAgentThatExitsFailsTheWaitAtOnceWithTheEndOfItsLog() {
        try (LocalCluster cluster = LocalCluster.builder().nodes(1).etcdMembers(1)
                .javaOptions(List.of("-XX:+HapgNoSuchVmOption")).start()) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> cluster.awaitConverged(Duration.ofSeconds(600)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the agent of n0 exited")
                    .hasMessageContaining(cluster.nodes().get(0).agentLog().toString())
                    .hasMessageContaining("HapgNoSuchVmOption");
            // Not a timing target: "at once" only means long before the 600 s the caller allowed.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
        }
    }
}
