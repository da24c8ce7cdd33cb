package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Patroni's standby cluster on real processes: cluster A (one node) is a normal cluster; cluster B
 * (two nodes, its own etcd) has {@code standby_cluster} pointing at A's primary through the
 * permanent slot {@code standby_b}. B bootstraps by cloning A; B's key holder is the standby
 * leader ({@code /standby-leader} 200, {@code /primary} 503 everywhere in B, role
 * {@code standby_leader}, {@code on_role_change standby_leader}); A's rows reach both members of
 * B; a switchover inside B moves the standby leader and the old one streams from the new; after a
 * kill -9 of B's standby leader the other member becomes standby leader and still receives A's rows; removing the section ({@code PATCH /config {"standby_cluster": null}})
 * promotes B's leader to a writable primary.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class StandbyClusterIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster a;
    private LocalCluster b;

    @AfterEach
    void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    @Test
    void aStandbyClusterFollowsTheRemoteFailsOverInsideAndIsPromotedByRemovingTheSection() {
        long t0 = System.nanoTime();
        a = E2e.patroniDefaults("standby-a").nodes(1)
                .dcs("slots", Map.of("standby_b", Map.of("type", "physical"))).start();
        logs.watch(a);
        ClusterNode primaryA = a.awaitConverged(E2e.BOOT);
        primaryA.execute("CREATE TABLE t (id int PRIMARY KEY)");
        primaryA.execute("INSERT INTO t VALUES (1)");

        b = E2e.patroniDefaults("standby-b").nodes(2)
                .dcs("standby_cluster", Map.of("host", "127.0.0.1", "port", primaryA.pgPort(),
                        "primary_slot_name", "standby_b"))
                .callback("on_role_change", "/bin/true")
                .start();
        logs.watch(b);
        ClusterNode leaderB = awaitStandbyLeader(b.nodes(), E2e.BOOT);
        ClusterNode replicaB = b.nodes().stream().filter(n -> n != leaderB).findFirst().orElseThrow();
        report("standby cluster B up: standby leader " + leaderB.name() + " after " + millisSince(t0) + " ms");

        primaryA.execute("INSERT INTO t VALUES (2)");
        awaitRow(leaderB, 2);
        awaitRow(replicaB, 2);
        assertThat(slotActive(primaryA)).as("B streams through A's permanent slot standby_b").isTrue();
        for (ClusterNode n : b.nodes()) {
            for (String path : List.of("/primary", "/read-write", "/master")) {
                assertThat(n.status(path)).as("%s on %s", path, n.name()).isEqualTo(503);
            }
        }
        assertThat(leaderB.status("/standby-leader")).isEqualTo(200);
        assertThat(leaderB.status("/standby_leader")).isEqualTo(200);
        assertThat(leaderB.status("/leader")).isEqualTo(200);
        assertThat(replicaB.status("/standby-leader")).isEqualTo(503);
        // Health answers come from the last loop: the replica's may predate its start by a loop.
        E2e.awaitTrue("/replica 200 on " + replicaB.name(), E2e.CONVERGE, () -> replicaB.status("/replica") == 200);
        assertThat(leaderB.get("/patroni").body()).contains("\"role\":\"standby_leader\"");
        assertThat(leaderB.get("/cluster").body()).contains("\"role\":\"standby_leader\"");
        E2e.awaitTrue("on_role_change standby_leader on " + leaderB.name(), E2e.CONVERGE,
                () -> E2e.logSince(leaderB, 0).contains("on_role_change standby_leader standby-b"));

        // A switchover inside the standby cluster: the candidate follows the remote, the old leader it.
        long asked = System.nanoTime();
        ClusterNode.Response sw = leaderB.switchover(replicaB.name());
        assertThat(sw.status()).as(sw.body()).isEqualTo(200);
        ClusterNode switched = awaitStandbyLeader(List.of(replicaB), E2e.CONVERGE);
        long moved = millisSince(asked);
        E2e.awaitTrue(leaderB.name() + " streaming from " + switched.name(), E2e.CONVERGE,
                () -> leaderB.status("/replica?replication_state=streaming") == 200);
        primaryA.execute("INSERT INTO t VALUES (3)");
        awaitRow(switched, 3);
        awaitRow(leaderB, 3);
        report("switchover " + leaderB.name() + " -> " + switched.name() + " inside B: new standby leader after "
                + moved + " ms, both members streaming with A's new row after " + millisSince(asked)
                + " ms");

        long killed = System.nanoTime();
        switched.killNode();
        ClusterNode next = awaitStandbyLeader(List.of(leaderB), E2e.FAILOVER.multipliedBy(3));
        long failover = millisSince(killed);
        primaryA.execute("INSERT INTO t VALUES (4)");
        awaitRow(next, 4);
        long received = millisSince(killed);
        assertThat(next.status("/primary")).isEqualTo(503);
        report("kill -9 of standby leader " + switched.name() + ": " + next.name() + " standby leader after "
                + failover + " ms, A's new row there after " + received + " ms (" + E2e.timings() + ")");

        long patched = System.nanoTime();
        ClusterNode.Response r = next.request("PATCH", "/config", "{\"standby_cluster\": null}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        E2e.awaitTrue("/primary 200 on " + next.name(), E2e.CONVERGE, () -> next.status("/primary") == 200);
        long promoted = millisSince(patched);
        next.execute("INSERT INTO t VALUES (100)");
        assertThat(next.query("SELECT count(*) FROM t")).containsExactly("5");
        assertThat(next.status("/standby-leader")).isEqualTo(503);
        report("standby_cluster removed: " + next.name() + " a writable primary after " + promoted + " ms; whole test "
                + millisSince(t0) + " ms");
    }

    /** The first of {@code nodes} to answer 200 on {@code /standby-leader}. */
    private static ClusterNode awaitStandbyLeader(List<ClusterNode> nodes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (ClusterNode n : nodes) {
                assertThat(n.isAgentRunning()).as("the agent of %s runs (see its log)", n.name()).isTrue();
            }
            Optional<ClusterNode> leader = nodes.stream().filter(n -> n.status("/standby-leader") == 200).findFirst();
            if (leader.isPresent()) {
                return leader.get();
            }
            assertThat(System.nanoTime() - deadline).as("a standby leader among %s within %s", nodes, timeout)
                    .isNegative();
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    private static void awaitRow(ClusterNode node, int id) {
        E2e.awaitTrue("row " + id + " on " + node.name(), E2e.CONVERGE, () -> {
            try {
                return node.query("SELECT count(*) FROM t WHERE id = " + id).equals(List.of("1"));
            } catch (IllegalStateException e) {
                return false; // starting, or the table not replicated yet
            }
        });
    }

    private static boolean slotActive(ClusterNode primary) {
        return primary.query("SELECT active FROM pg_catalog.pg_replication_slots WHERE slot_name = 'standby_b'")
                .equals(List.of("t"));
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
