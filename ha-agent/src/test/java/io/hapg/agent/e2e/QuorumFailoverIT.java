package io.hapg.agent.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.WriteHistory;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Quorum commit end to end ({@code synchronous_mode: quorum}, QUORUM.md): three real agents,
 * PostgreSQL and etcd. The primary sets {@code ANY 1 (...)} over both replicas and publishes them
 * as voters with quorum 1; kill -9 of the primary's node (agent and postmaster) under write load
 * promotes a replica that saw the other voter, no acknowledged commit is lost, and the old primary
 * rejoins as a voter.
 */
@Timeout(value = 360, unit = TimeUnit.SECONDS)
class QuorumFailoverIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void killOfThePrimaryNodeLosesNoAcknowledgedCommit() {
        try (LocalCluster cluster = started("e2e-quorum")) {
            ClusterNode old = primaryWithVoters(cluster);
            assertThat(old.get("/patroni").body()).doesNotContain("sync_standby");
            try (WriteHistory writes = E2e.writes(cluster)) {
                long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (writes.acknowledged().size() < 500) { // enough commits in flight for a loss to show
                    assertThat(System.nanoTime()).as("500 commits on %s within 30 s", old.name()).isLessThan(until);
                    LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                }
                Instant t0 = Instant.now();
                old.killNode();
                ClusterNode next = cluster.awaitPrimary(n -> n != old, E2e.FAILOVER);
                WriteHistory.Commit first = writes.awaitAcknowledged(n -> !n.equals(old.name()), t0, E2e.FAILOVER);
                E2e.report("[quorum] kill -9 of " + old.name() + " -> first commit on " + first.node() + " after "
                        + E2e.millisSince(t0, first.ackedAt()) + " ms (" + E2e.timings() + ")");
                assertThat(first.node()).isEqualTo(next.name());

                old.startAgent();
                ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
                assertThat(primary).as("the old primary rejoined as a replica").isNotEqualTo(old);
                awaitQuorumStandbys(cluster, primary);
                writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), Duration.ofSeconds(20));
                writes.stop();
                E2e.report(writes.summary());
                writes.assertAtMostOnePrimaryAtATime();
                assertThat(writes.awaitConverged(Duration.ofSeconds(30))).isEqualTo(primary.name());
                writes.assertNoAcknowledgedCommitLost();
            }
        }
    }

    /**
     * A voter's node dies: commits go on (ANY 1 of the other), the primary drops it from the key
     * (quorum 0 of the survivor); then the primary's node dies and the survivor, the only voter,
     * takes over with no acknowledged commit lost.
     */
    @Test
    void aDeadVoterLeavesTheKeyAndTheLastVoterTakesOver() {
        try (LocalCluster cluster = started("e2e-quorum2")) {
            ClusterNode old = primaryWithVoters(cluster);
            ClusterNode gone = cluster.nodes().stream().filter(n -> n != old).findFirst().orElseThrow();
            ClusterNode last = cluster.nodes().stream().filter(n -> n != old && n != gone).findFirst().orElseThrow();
            try (WriteHistory writes = E2e.writes(cluster)) {
                gone.killNode();
                long deadline = System.nanoTime() + E2e.CONVERGE.toNanos();
                while (gone.status("/quorum") == 200 || last.status("/quorum") != 200
                        || writes.acknowledged().size() < 300) {
                    assertThat(System.nanoTime() - deadline).as("%s dropped, commits going on", gone.name())
                            .isNegative();
                    LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
                }
                Instant t0 = Instant.now();
                old.killNode();
                ClusterNode next = cluster.awaitPrimary(n -> n != old && n != gone, E2e.FAILOVER);
                assertThat(next).isEqualTo(last);
                writes.awaitAcknowledged(n -> n.equals(last.name()), t0, E2e.FAILOVER);
                writes.stop();
                E2e.report("[quorum] voter " + gone.name() + " then primary " + old.name() + " killed: "
                        + writes.summary());
                writes.assertAtMostOnePrimaryAtATime();
                writes.assertNoAcknowledgedCommitLost();
            }
        }
    }

    /** A three-node cluster in quorum commit, its processes' logs watched. */
    private LocalCluster started(String scope) {
        LocalCluster cluster = E2e.cluster(scope).dcs("synchronous_mode", "quorum").start();
        logs.watch(cluster);
        return cluster;
    }

    /** The primary once the cluster converged and both replicas are voters. */
    private static ClusterNode primaryWithVoters(LocalCluster cluster) {
        ClusterNode primary = cluster.awaitConverged(E2e.BOOT);
        awaitQuorumStandbys(cluster, primary);
        return primary;
    }

    /** Waits until both replicas answer 200 on /quorum (voters in the key) and the primary on /read-only-quorum. */
    private static void awaitQuorumStandbys(LocalCluster cluster, ClusterNode primary) {
        long deadline = System.nanoTime() + E2e.CONVERGE.toNanos();
        while (cluster.nodes().stream().filter(n -> n.status("/quorum") == 200).count() < 2
                || primary.status("/read-only-quorum") != 200) {
            assertThat(System.nanoTime() - deadline).as("2 quorum standbys within %s", E2e.CONVERGE).isNegative();
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
    }
}
