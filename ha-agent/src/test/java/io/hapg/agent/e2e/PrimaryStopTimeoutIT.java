package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.testkit.Await;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.cluster.LocalClusterExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Patroni's {@code primary_stop_timeout} (issue #15) on real agents, synchronous mode: a switchover
 * whose PostgreSQL cannot finish its shutdown (its walsenders are frozen, so the shutdown
 * checkpoint is never sent and the postmaster waits for them) is SIGKILLed after the key's 2 s,
 * not after the agent's own stop bound (60 s), and the synchronous standby takes over.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PrimaryStopTimeoutIT {
    private static final int STOP_TIMEOUT = 2;

    @RegisterExtension
    static final LocalClusterExtension HAPG = LocalClusterExtension.of(E2e.patroniDefaults("e2e-stop-timeout")
            .synchronousMode(true).dcs("primary_stop_timeout", STOP_TIMEOUT), E2e.BOOT);

    @AfterEach
    void thaw() {
        HAPG.cluster().nodes().forEach(ClusterNode::thawPostgres);
    }

    @Test
    void aDemotionThatCannotStopIsKilledAfterPrimaryStopTimeout() {
        LocalCluster cluster = HAPG.cluster();
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        ClusterNode standby = E2e.syncStandby(cluster);
        long offset = E2e.logSize(primary);
        primary.freezeWalSenders();

        Instant t0 = Instant.now();
        ClusterNode.Response r = primary.switchover(standby.name());
        report("[stop-timeout] switchover " + primary.name() + " -> " + standby.name() + ": " + r.status() + " "
                + r.body());
        ClusterNode next = cluster.awaitPrimary(n -> n != primary, E2e.FAILOVER);
        long ms = E2e.millisSince(t0, Instant.now());
        String killed = "did not stop (FAST) within PT" + STOP_TIMEOUT + "S; killing it";
        Await.until(primary.name() + "'s log shows the kill", Duration.ofSeconds(10),
                () -> E2e.logSince(primary, offset).contains(killed));
        String log = E2e.logSince(primary, offset);
        report("[stop-timeout] " + next.name() + " primary " + ms + " ms after the switchover request; "
                + primary.name() + ": " + log.lines().filter(l -> l.contains(killed)).findFirst().orElse("?"));
        assertThat(log).contains("stopping PostgreSQL (FAST) within primary_stop_timeout " + STOP_TIMEOUT
                + " s, then SIGKILL");
        assertThat(next).isEqualTo(standby);
    }
}
