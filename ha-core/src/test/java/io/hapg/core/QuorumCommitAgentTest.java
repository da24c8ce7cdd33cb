package io.hapg.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.SyncState;
import io.hapg.core.testing.FakeDatabaseNode;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Quorum commit ({@code synchronous_mode: quorum}) through the HA loop, on the in-memory fakes and
 * a manual clock: the leader sets {@code ANY n} before it publishes the voters, a voter with the
 * quorum takes over, and strict mode waits on the placeholder when no standby is left.
 */
@Timeout(60)
class QuorumCommitAgentTest {
    private static final Duration LOOP = Duration.ofSeconds(10);

    /** n0, n1, n2 in quorum commit, started (the caller closes it). */
    private static AgentCluster quorumCluster(boolean strict) {
        AgentCluster cluster = new AgentCluster(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10,
                "synchronous_mode", "quorum", "synchronous_mode_strict", strict));
        for (String name : new String[] {"n0", "n1", "n2"}) {
            cluster.add(name);
        }
        cluster.startAll();
        return cluster;
    }

    /** Runs {@code scenario} on a quorum cluster once the voters are published, with its leader. */
    private static void run(boolean strict, java.util.function.BiConsumer<AgentCluster, String> scenario) {
        try (AgentCluster cluster = quorumCluster(strict)) {
            scenario.accept(cluster, votersPublished(cluster));
        }
    }

    /** Waits until {@code cluster} converged with both replicas published as voters; returns the leader. */
    private static String votersPublished(AgentCluster cluster) {
        cluster.advanceUntil("one primary, the others streaming", LOOP, Duration.ofMinutes(3), cluster::converged);
        String leader = cluster.healthyPrimary().orElseThrow();
        cluster.advanceUntil("both replicas voters with quorum 1", LOOP, Duration.ofMinutes(2), () -> {
            SyncState sync = cluster.store.member("reader").read().sync();
            return sync.syncStandbys().size() == 2 && sync.quorum() == 1 && sync.leader().equals(Optional.of(leader));
        });
        return leader;
    }

    @Test
    void theSettingComesBeforeTheVotersAndAVoterWithTheQuorumTakesOver() {
        run(false, QuorumCommitAgentTest::takeover);
    }

    private static void takeover(AgentCluster cluster, String old) {
        FakeDatabaseNode db = cluster.databases.get(old);
        assertThat(db.calls()).as("ANY 1 of both replicas, set before the key named them")
                .anyMatch(c -> c.startsWith("setQuorumStandbys(1, [") && c.chars().filter(ch -> ch == ',').count() == 2);
        assertThat(db.probe().synchronousSetting().count()).isEqualTo(1);

        cluster.consensus.get(old).setBlocked(Duration.ofMinutes(5));
        db.crash();
        cluster.unreachable.add(old);
        cluster.advanceUntil("a voter promoted", LOOP, Duration.ofMinutes(2),
                () -> cluster.healthyPrimary().filter(n -> !n.equals(old)).isPresent(), old);
    }

    @Test
    void strictQuorumWithNoStandbyLeftWaitsOnThePlaceholder() {
        run(true, QuorumCommitAgentTest::placeholder);
    }

    private static void placeholder(AgentCluster cluster, String leader) {
        FakeDatabaseNode db = cluster.databases.get(leader);
        String[] replicas = cluster.agents.keySet().stream().filter(n -> !n.equals(leader)).toArray(String[]::new);
        for (String replica : replicas) {
            cluster.databases.get(replica).pauseReplication(true); // neither streams any more
        }
        long before = db.calls().stream().filter("setSynchronousStandbys([], true)"::equals).count();
        cluster.advanceUntil("the placeholder is set", LOOP, Duration.ofMinutes(2),
                () -> db.calls().stream().filter("setSynchronousStandbys([], true)"::equals).count() > before, replicas);
        assertThat(cluster.store.member("reader").read().sync().syncStandbys()).as("voters removed first").isEmpty();
    }
}
