package io.hapg.agent.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.WriteHistory;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
    private static final ObjectMapper JSON = new ObjectMapper();

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
                // The key itself must have dropped it (/cluster's roles come from it): until then
                // the last voter needs the dead one's vote, rightly, and cannot take over.
                while (gone.status("/quorum") == 200 || last.status("/quorum") != 200
                        || "quorum_standby".equals(role(old, gone.name())) || writes.acknowledged().size() < 300) {
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

    /**
     * Live changes on one cluster under continuous writes, as Patroni's quorum_commit.feature:
     * {@code synchronous_mode} switched to {@code on} and back ({@code FIRST 1} with a /sync
     * standby, then {@code ANY 1} of both voters); a switchover to a voter (the old primary rejoins
     * as a voter); the {@code nosync} tag on a voter takes it out of the key and the {@code ANY}
     * list and removing it brings it back; no acknowledged commit lost throughout. Then
     * {@code synchronous_mode_strict}: with both standbys' nodes killed commits wait, and resume
     * once one standby returns.
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void liveModeSwitchSwitchoverNosyncAndStrictOnOneCluster() {
        try (LocalCluster cluster = started("e2e-quorum3")) {
            ClusterNode primary = primaryWithVoters(cluster);
            try (WriteHistory writes = E2e.startWrites(cluster, primary)) {
                // 1. quorum -> on -> quorum, live
                switchMode(cluster, primary, "{\"synchronous_mode\": \"on\"}", "FIRST 1 ", 1, 0);
                switchMode(cluster, primary, "{\"synchronous_mode\": \"quorum\"}", "ANY 1 ", 0, 2);
                // replication factor 2 of 2 voters (quorum 0), then back to the default 1
                switchMode(cluster, primary, "{\"synchronous_node_count\": 2}", "ANY 2 ", 0, 2);
                switchMode(cluster, primary, "{\"synchronous_node_count\": null}", "ANY 1 ", 0, 2);
                writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), Duration.ofSeconds(20));

                // 3. switchover to a voter
                ClusterNode candidate = cluster.nodes().stream().filter(n -> n != primary).findFirst().orElseThrow();
                Instant t2 = Instant.now();
                ClusterNode.Response r = E2e.postManual(primary, "/switchover",
                        "{\"leader\": \"" + primary.name() + "\", \"candidate\": \"" + candidate.name() + "\"}");
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                assertThat(cluster.awaitConverged(E2e.CONVERGE)).isEqualTo(candidate);
                WriteHistory.Commit first = writes.awaitAcknowledged(n -> n.equals(candidate.name()), t2,
                        Duration.ofSeconds(30));
                Instant lastOnOld = writes.lastAcknowledgedAt(primary.name()).orElse(t2);
                E2e.report("[quorum] switchover " + primary.name() + " -> " + candidate.name() + ": first commit on "
                        + candidate.name() + " after " + E2e.millisSince(t2, first.ackedAt()) + " ms (write gap "
                        + E2e.millisSince(lastOnOld, first.ackedAt()) + " ms)");
                awaitQuorumStandbys(cluster, candidate);
                assertThat(primary.status("/quorum")).as("the old primary rejoined as a voter").isEqualTo(200);

                // 2. nosync on a voter, then removed
                ClusterNode voter = primary;
                ClusterNode other = third(cluster, candidate, voter);
                Instant t3 = Instant.now();
                restartWithTags(voter, Map.of("nosync", true));
                E2e.awaitTrue("nosync " + voter.name() + " out of the key and the ANY list", E2e.CONVERGE, candidate,
                        () -> voter.status("/quorum") == 503 && voter.status("/async") == 200
                                && other.status("/quorum") == 200 && !guc(candidate).contains(voter.name())
                                && guc(candidate).contains(other.name()));
                E2e.report("[quorum] nosync on " + voter.name() + " -> '" + guc(candidate) + "' after "
                        + E2e.millisSince(t3, Instant.now()) + " ms");
                restartWithTags(voter, Map.of());
                awaitQuorumStandbys(cluster, candidate);
                // voters are added to the key first (higher quorum), then to the GUC
                E2e.awaitTrue(voter.name() + " back in the ANY list", E2e.CONVERGE, candidate,
                        () -> guc(candidate).startsWith("ANY 1 ") && guc(candidate).contains(voter.name())
                                && guc(candidate).contains(other.name()));
                E2e.finishWrites(writes, candidate);
                writes.assertNoAcknowledgedCommitLost();
            }

            // 4. strict: no standby left, commits wait; one returns, they resume
            ClusterNode leader = cluster.awaitConverged(E2e.CONVERGE);
            patchConfig(leader, "{\"synchronous_mode_strict\": true}");
            try (WriteHistory writes = E2e.startWrites(cluster, leader)) {
                List<ClusterNode> standbys = cluster.nodes().stream().filter(n -> n != leader).toList();
                Instant t4 = Instant.now();
                standbys.forEach(ClusterNode::killNode);
                LockSupport.parkNanos(Duration.ofSeconds(1).toNanos()); // commits already confirmed
                Instant from = Instant.now();
                long tried = writes.failures() + writes.localOnly();
                LockSupport.parkNanos(Duration.ofSeconds(2L * E2e.TTL).toNanos());
                assertThat(cluster.primary()).as("the primary in strict mode with no standby").contains(leader);
                assertThat(guc(leader)).as("synchronous_standby_names with no standby").isNotEmpty();
                assertThat(writes.firstAcknowledged(n -> n.equals(leader.name()), from))
                        .as("a commit acknowledged with no standby").isEmpty();
                assertThat(writes.failures() + writes.localOnly()).as("commits that waited and were cancelled")
                        .isGreaterThan(tried);
                Instant back = Instant.now();
                standbys.get(0).startAgent();
                WriteHistory.Commit resumed = writes.awaitAcknowledged(n -> n.equals(leader.name()), back,
                        E2e.CONVERGE);
                E2e.report("[quorum] strict: both standbys killed -> no commit for " + E2e.millisSince(t4, back)
                        + " ms ('" + guc(leader) + "'); " + standbys.get(0).name() + " restarted -> commits after "
                        + E2e.millisSince(back, resumed.ackedAt()) + " ms");
                standbys.get(1).startAgent();
                awaitQuorumStandbys(cluster, leader);
                E2e.finishWrites(writes, leader);
                writes.assertNoAcknowledgedCommitLost();
            }
        }
    }

    /**
     * PATCHes {@code json} into /config and waits until the primary's GUC starts with {@code form}
     * and {@code sync} nodes answer 200 on /sync, {@code voters} on /quorum (the sync key's form).
     */
    private static void switchMode(LocalCluster cluster, ClusterNode primary, String json, String form, int sync,
                                   int voters) {
        Instant t0 = Instant.now();
        patchConfig(primary, json);
        E2e.awaitTrue(json + ": '" + form + "...', " + sync + " /sync, " + voters + " /quorum",
                E2e.CONVERGE, primary, () -> guc(primary).startsWith(form) && count(cluster, "/sync") == sync
                        && count(cluster, "/quorum") == voters);
        E2e.report("[quorum] PATCH " + json + " -> '" + guc(primary) + "', " + sync + " /sync, "
                + voters + " /quorum after " + E2e.millisSince(t0, Instant.now()) + " ms");
    }

    /** {@code member}'s role in {@code asked}'s GET /cluster (from the sync key), "" when not listed. */
    private static String role(ClusterNode asked, String member) {
        try {
            for (JsonNode m : JSON.readTree(asked.get("/cluster").body()).path("members")) {
                if (m.path("name").asText().equals(member)) {
                    return m.path("role").asText();
                }
            }
            return "";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("GET /cluster on " + asked.name() + ": " + e, e);
        }
    }

    private static void patchConfig(ClusterNode node, String json) {
        ClusterNode.Response r = node.request("PATCH", "/config", json);
        assertThat(r.status()).as("PATCH /config %s on %s: %s", json, node.name(), r.body()).isEqualTo(200);
    }

    /** The node's {@code synchronous_standby_names}, or a marker when it cannot be asked. */
    private static String guc(ClusterNode node) {
        try {
            return node.query("SHOW synchronous_standby_names").get(0);
        } catch (RuntimeException e) {
            return "(unreachable: " + e.getMessage() + ")";
        }
    }

    private static long count(LocalCluster cluster, String path) {
        return cluster.nodes().stream().filter(n -> n.status(path) == 200).count();
    }

    private static ClusterNode third(LocalCluster cluster, ClusterNode a, ClusterNode b) {
        return cluster.nodes().stream().filter(n -> n != a && n != b).findFirst().orElseThrow();
    }

    /** Rewrites the node's tags and restarts its agent (which reads them at start). */
    private static void restartWithTags(ClusterNode node, Map<String, ?> tags) {
        node.rewriteTags(tags);
        node.terminateAgent();
        assertThat(node.awaitAgentExit(Duration.ofSeconds(60))).as("%s's agent exits", node.name()).isTrue();
        node.startAgent();
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
