package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.agent.ListeningAgentMain;
import io.hapg.testkit.Await;
import io.hapg.testkit.WriteHistory;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.cluster.LocalClusterExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The old primary returns with diverged WAL (issue #12, fault suite), asynchronous replication,
 * under continuous writes: the primary's walsenders are frozen (SIGSTOP), so it keeps committing
 * WAL its replicas never receive; then kill -9 of the primary node; a replica is promoted and
 * commits; then the old primary's agent starts again. It must rejoin as a replica of the new
 * primary within {@link E2e#CONVERGE} (pg_rewind with hapg's default {@code use_pg_rewind: true},
 * a re-clone with it off), never stuck and never writable, and its diverged commits must be gone:
 * its copy of the table equals the new primary's.
 *
 * <p>The agents run as an application embedding hapg with a typed {@code RoleChangeListener}
 * ({@link ListeningAgentMain}); after a planned switchover the last scenario checks what each
 * node's listener was told: each change once, in order, with the old and the new leader.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DivergedReturnIT {
    /** Long enough for a few hundred commits only the old primary has. */
    private static final Duration DIVERGE_FOR = Duration.ofMillis(1500);

    @RegisterExtension
    static final LocalClusterExtension HAPG = LocalClusterExtension.of(E2e.cluster("e2e-diverged")
            // The diverged WAL is far below the default maximum_lag_on_failover (1 MiB); the bound
            // here only keeps a busy machine's replay lag from vetoing the failover tested here.
            .dcs("maximum_lag_on_failover", 64 * 1024 * 1024).mainClass(ListeningAgentMain.class.getName()),
            E2e.BOOT);

    private LocalCluster cluster;
    private WriteHistory writes;
    /** The cluster's leaders in order, as the scenarios made them. */
    private final List<String> leaders = new ArrayList<>();

    @BeforeAll
    void firstLeader() {
        cluster = HAPG.cluster();
        leaders.add(cluster.awaitConverged(E2e.CONVERGE).name());
    }

    /** After a failed scenario: stop its writes, thaw what it froze, restart stopped agents. */
    @AfterEach
    void restoreCluster() {
        Optional.ofNullable(writes).ifPresent(WriteHistory::close);
        writes = null;
        cluster.nodes().forEach(ClusterNode::thawPostgres);
        cluster.nodes().stream().filter(n -> !n.isAgentRunning()).forEach(ClusterNode::startAgent);
    }

    @Test
    @Order(1)
    void divergedOldPrimaryIsRewoundAndRejoinsAsAReplica() {
        divergedReturn("rewinding from");
    }

    @Test
    @Order(2)
    void divergedOldPrimaryIsReclonedWhenUsePgRewindIsOff() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        assertThat(primary.request("PATCH", "/config", "{\"postgresql\": {\"use_pg_rewind\": false}}").status())
                .isEqualTo(200);
        try {
            // Every node decides with the dynamic config it read; wait until all show it.
            Await.until("every node sees use_pg_rewind false", Duration.ofSeconds(20), () -> cluster.nodes().stream()
                    .allMatch(n -> n.get("/config").body().replace(" ", "").contains("\"use_pg_rewind\":false")));
            divergedReturn("re-cloning from");
        } finally {
            cluster.primary().ifPresent(p -> p.request("PATCH", "/config", "{\"postgresql\": {\"use_pg_rewind\": null}}"));
        }
    }

    /**
     * After a planned switchover, each node's typed listener (in its agent process) was told of
     * every change exactly once and in order: its leader changes chain (each one's old leader is
     * the previous one's new leader) through the cluster's real leaders, its role changes chain,
     * and its promotion names itself as the new leader.
     */
    @Test
    @Order(3)
    void typedListenersInTheAgentProcessSeeEachChangeOnceInOrderWithOldAndNewLeader() throws IOException {
        ClusterNode from = cluster.awaitConverged(E2e.CONVERGE);
        assertThat(leaders).as("leaders so far").endsWith(from.name());
        ClusterNode to = cluster.nodes().stream().filter(n -> n != from).findFirst().orElseThrow();
        ClusterNode.Response r = from.switchover(to.name());
        assertThat(r.status()).as("switchover %s -> %s: %s", from.name(), to.name(), r.body()).isEqualTo(200);
        leaders.add(to.name());
        cluster.awaitConverged(E2e.CONVERGE);
        // Listeners run off the loop: wait until every node's listener heard of the last leader.
        Await.until("every listener told of leader " + to.name(), Duration.ofSeconds(20), () -> cluster.nodes()
                .stream().allMatch(n -> lastLeaderHeard(n).equals(to.name())));
        for (ClusterNode n : cluster.nodes()) {
            List<List<String[]>> lives = recorded(n);
            List<String[]> events = lives.get(lives.size() - 1);
            List<String[]> leaderChanges = events.stream().filter(e -> e[0].equals("leaderChanged"))
                    .collect(Collectors.toList());
            List<String[]> roleChanges = events.stream().filter(e -> e[0].equals("roleChanged"))
                    .collect(Collectors.toList());
            report("[async] " + n.name() + "'s listener (" + lives.size() + " process(es)), last process: "
                    + events.stream().map(e -> String.join(" ", e)).collect(Collectors.joining("; ")));
            String previous = "-";
            List<String> heard = new ArrayList<>();
            for (String[] e : leaderChanges) {
                assertThat(e[3]).as("%s: leaderChanged's old leader is the previous new leader", n.name())
                        .isEqualTo(previous);
                assertThat(e[4]).as("%s: a leader change changes the leader", n.name()).isNotEqualTo(e[3]);
                assertThat(e[5]).as("%s: the new leader's member record", n.name()).isEqualTo(e[4]);
                previous = e[4];
                if (!e[4].equals("-") && (heard.isEmpty() || !heard.get(heard.size() - 1).equals(e[4]))) {
                    heard.add(e[4]);
                }
            }
            assertThat(heard).as("%s: the leaders its listener heard of", n.name()).isNotEmpty()
                    .isEqualTo(leaders.subList(leaders.size() - heard.size(), leaders.size()));
            if (lives.size() == 1) {
                assertThat(heard).as("%s ran throughout: every leader", n.name()).isEqualTo(leaders);
            }
            for (int i = 1; i < roleChanges.size(); i++) {
                assertThat(roleChanges.get(i)[1]).as("%s: roleChanged's old role is the previous new role", n.name())
                        .isEqualTo(roleChanges.get(i - 1)[2]);
            }
            List<String[]> promotions = roleChanges.stream().filter(e -> e[2].equals("PRIMARY"))
                    .collect(Collectors.toList());
            assertThat(promotions).as("%s: one promotion per term it led", n.name())
                    .hasSize((int) heard.stream().filter(n.name()::equals).count());
            assertThat(promotions).allSatisfy(e -> assertThat(e[4]).as("%s promoted: the new leader", n.name())
                    .isEqualTo(n.name()));
        }
    }

    private static String lastLeaderHeard(ClusterNode n) {
        try {
            List<List<String[]>> lives = recorded(n);
            List<String[]> events = lives.get(lives.size() - 1);
            return events.stream().filter(e -> e[0].equals("leaderChanged")).reduce((a, b) -> b).map(e -> e[4])
                    .orElse("-");
        } catch (IOException e) {
            return "-";
        }
    }

    /** The node's listener calls, one list per process start ({@link ListeningAgentMain}'s file). */
    private static List<List<String[]>> recorded(ClusterNode n) throws IOException {
        Path file = n.agentLog().resolveSibling(ListeningAgentMain.FILE);
        List<List<String[]>> lives = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.equals(ListeningAgentMain.STARTED)) {
                lives.add(new ArrayList<>());
            } else if (!line.isBlank()) {
                lives.get(lives.size() - 1).add(line.split(" "));
            }
        }
        return lives;
    }

    /** @param decision what the old primary's agent log must say it decided after its restart */
    private void divergedReturn(String decision) {
        ClusterNode old = cluster.awaitConverged(E2e.CONVERGE);
        writes = E2e.writes(cluster);
        writes.awaitAcknowledged(n -> n.equals(old.name()), Instant.now(), Duration.ofSeconds(20));

        List<Long> senders = old.freezeWalSenders();
        assertThat(senders).as("walsenders of %s, one per replica", old.name()).hasSize(2);
        Instant cut = Instant.now();
        LockSupport.parkNanos(DIVERGE_FOR.toNanos());
        Set<Long> diverged = writes.acknowledged().stream()
                .filter(c -> c.node().equals(old.name()) && c.serverTime().isAfter(cut)).map(WriteHistory.Commit::id)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(diverged).as("commits on %s its replicas never received", old.name()).isNotEmpty();

        Instant t0 = Instant.now();
        old.killNode();
        ClusterNode next = cluster.awaitPrimary(n -> n != old, E2e.FAILOVER);
        leaders.add(next.name());
        WriteHistory.Commit first = writes.awaitAcknowledged(n -> !n.equals(old.name()), t0, E2e.FAILOVER);
        report("[async] " + old.name() + " committed " + diverged.size() + " rows its replicas never received, "
                + "then kill -9 -> first commit on " + first.node() + " after " + E2e.millisSince(t0, first.ackedAt())
                + " ms (" + E2e.timings() + ")");
        assertThat(first.node()).isEqualTo(next.name());

        long offset = E2e.logSize(old);
        Instant restarted = Instant.now();
        old.startAgent();
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        long rejoinMs = E2e.millisSince(restarted, Instant.now());
        String rejoin = E2e.logSince(old, offset);
        String took = rejoin.contains("pg_rewind failed") ? "pg_rewind, which failed, then a re-clone"
                : rejoin.contains("rewinding from") ? "pg_rewind" : rejoin.contains("re-cloning from") ? "a re-clone"
                : "neither pg_rewind nor a re-clone";
        report("[async] " + old.name() + " returned with diverged WAL -> streaming from " + primary.name() + " "
                + rejoinMs + " ms after its agent started, by " + took);
        assertThat(primary).as("%s rejoined as a replica", old.name()).isNotEqualTo(old);
        assertThat(rejoin).as("%s's agent log after its restart", old.name()).contains(decision);

        writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), Duration.ofSeconds(20));
        writes.stop();
        report(writes.summary());
        writes.assertAtMostOnePrimaryAtATime();
        assertThat(writes.awaitConverged(Duration.ofSeconds(30))).isEqualTo(primary.name());
        assertThat(writes.lastAcknowledgedAt(old.name()).orElseThrow())
                .as("%s's last commit: it was never writable after its restart", old.name()).isBefore(restarted);

        Set<Long> onPrimary = ids(primary, writes.table());
        E2e.awaitReplayed(old, primary);
        Set<Long> onOld = ids(old, writes.table());
        assertThat(onPrimary).as("the diverged commits on the new primary").doesNotContainAnyElementsOf(diverged);
        assertThat(onOld).as("%s's rows after it rejoined", old.name()).doesNotContainAnyElementsOf(diverged)
                .isEqualTo(onPrimary);
        writes = null;
    }

    private static Set<Long> ids(ClusterNode node, String table) {
        return node.query("SELECT id FROM " + table).stream().map(Long::parseLong)
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
