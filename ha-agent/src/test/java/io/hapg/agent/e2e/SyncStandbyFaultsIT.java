package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.WriteHistory;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
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
 * The synchronous standby's faults on one three-node cluster with {@code synchronous_mode: true},
 * under continuous writes: the synchronous standby dies (non-strict: the primary keeps committing,
 * on the other standby, then alone), strict mode end to end (no standby: commits wait, the
 * primary stays primary, and resume when a standby returns), and the primary dies right after
 * the synchronous standby changed (the new synchronous standby must win). Each scenario ends with
 * the invariants: never two writable primaries, no acknowledged commit lost, one primary with
 * both others streaming from it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 720, unit = TimeUnit.SECONDS)
class SyncStandbyFaultsIT {
    /** What Patroni (PR #3435) and hapg write in strict mode when no standby is left to name. */
    private static final String PLACEHOLDER = "__patroni_strict_sync_replica_placeholder__";

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster cluster;
    private WriteHistory writes;

    @BeforeAll
    void startCluster() {
        cluster = E2e.cluster("sync-faults").synchronousMode(true).start();
        logs.watch(cluster);
        cluster.awaitConverged(E2e.BOOT);
    }

    @AfterAll
    void stopCluster() {
        if (writes != null) {
            writes.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** After a failed scenario: stop its writes, bring every node back, switch strict mode off. */
    @AfterEach
    void restoreCluster() {
        if (writes != null) {
            writes.close();
            writes = null;
        }
        for (ClusterNode n : cluster.nodes()) {
            if (!n.isAgentRunning()) {
                n.startAgent();
            }
        }
        cluster.primary().ifPresent(p -> p.request("PATCH", "/config", "{\"synchronous_mode_strict\": null}"));
    }

    /**
     * Non-strict: kill -9 of the synchronous standby's node. The primary names the other,
     * streaming standby (setting, then, once caught up, the sync key) and keeps committing; then
     * that one dies too and the primary runs alone ({@code synchronous_standby_names} emptied).
     * Then {@code synchronous_mode_strict} is switched on: its commits must wait (the placeholder),
     * until the standbys return.
     */
    @Test
    @Order(1)
    void syncStandbyDiesThePrimaryCommitsOnTheOtherStandbyThenAloneUntilStrictModeMakesItWait() throws SQLException {
        ClusterNode primary = startWrites();
        ClusterNode sync = syncStandby();
        ClusterNode other = third(primary, sync);

        Instant t0 = Instant.now();
        Instant moved = killAndAwaitSyncSwitch(sync, other);
        assertThat(setting(primary)).as("synchronous_standby_names once %s is in the key", other.name())
                .contains(other.name()).doesNotContain(sync.name());
        WriteHistory.Commit after = writes.awaitAcknowledged(n -> n.equals(primary.name()), moved, E2e.FAILOVER);
        report("[sync] kill -9 of the sync standby " + sync.name() + " -> " + other.name() + " in the sync key after "
                + E2e.millisSince(t0, moved) + " ms; longest commit gap on " + primary.name() + " "
                + longestGap(primary, t0, after.ackedAt()) + " ms (" + E2e.timings() + ")");

        Instant t1 = Instant.now();
        other.killNode();
        awaitTrue(() -> settingOrMarker(primary).isEmpty(), E2e.FAILOVER,
                "synchronous_standby_names emptied on " + primary.name() + " with no standby left");
        Instant alone = Instant.now();
        WriteHistory.Commit standalone = writes.awaitAcknowledged(n -> n.equals(primary.name()), alone, E2e.FAILOVER);
        report("[sync] then kill -9 of " + other.name() + " too -> " + primary.name() + " standalone after "
                + E2e.millisSince(t1, alone) + " ms; longest commit gap " + longestGap(primary, t1,
                standalone.ackedAt()) + " ms");
        assertThat(cluster.primary()).as("the primary throughout").contains(primary);

        // Strict mode switched on while the primary runs alone: from then on its commits wait,
        // as after Patroni's placeholder, instead of staying standalone.
        setStrict(primary, true);
        try {
            Instant strict = Instant.now();
            awaitTrue(() -> settingOrMarker(primary).contains(PLACEHOLDER), E2e.FAILOVER,
                    "the strict placeholder on " + primary.name() + " running alone");
            Instant waiting = Instant.now();
            assertNoCommitAcknowledgedFor(primary, Duration.ofSeconds(E2e.TTL), sync, other);
            report("[sync] strict switched on while " + primary.name() + " runs alone -> placeholder after "
                    + E2e.millisSince(strict, waiting) + " ms, then no commit acknowledged for " + E2e.TTL + " s");
            Instant back = Instant.now();
            sync.startAgent();
            other.startAgent();
            WriteHistory.Commit resumed = writes.awaitAcknowledged(n -> n.equals(primary.name()), back, E2e.CONVERGE);
            report("[sync] strict: standbys restarted -> first commit acknowledged after "
                    + E2e.millisSince(back, resumed.ackedAt()) + " ms");
        } finally {
            setStrict(primary, false);
        }
        finish();
        syncStandby();
    }

    /**
     * For {@code window} (after a moment for commits already confirmed): {@code primary} stays the
     * primary, its {@code synchronous_standby_names} names a standby or the placeholder, and no
     * commit is acknowledged while commits keep being tried (they time out as local-only).
     */
    private void assertNoCommitAcknowledgedFor(ClusterNode primary, Duration window, ClusterNode... standbys)
            throws SQLException {
        LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        assertNoCommitAcknowledgedFor(primary, Instant.now(), window, standbys);
    }

    /** The same, counting every commit acknowledged since {@code from}. */
    private void assertNoCommitAcknowledgedFor(ClusterNode primary, Instant from, Duration window,
            ClusterNode... standbys) throws SQLException {
        long tried = writes.failures() + writes.localOnly();
        Instant start = Instant.now();
        while (Duration.between(start, Instant.now()).compareTo(window) < 0) {
            assertThat(cluster.primary()).as("the primary in strict mode with no standby").contains(primary);
            assertThat(setting(primary)).as("synchronous_standby_names in strict mode with no standby").isNotEmpty()
                    .containsAnyOf(PLACEHOLDER, standbys[0].name(), standbys[1].name());
            LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        }
        assertThat(writes.firstAcknowledged(n -> n.equals(primary.name()), from))
                .as("a commit acknowledged with no standby").isEmpty();
        assertThat(writes.failures() + writes.localOnly()).as("commits that waited and were cancelled")
                .isGreaterThan(tried);
    }

    /**
     * {@code synchronous_mode_strict: true} switched on at runtime (PATCH /config, as Patroni
     * users do): with both standbys' nodes killed no commit is acknowledged (they wait, and the
     * writers' query timeout cancels them), the primary stays primary and its
     * {@code synchronous_standby_names} still names a standby (the last known ones, or Patroni's
     * placeholder), never empty; once one standby returns commits are acknowledged again.
     */
    @Test
    @Order(2)
    void strictModeBlocksCommitsWithNoStandbyAndResumesWhenOneReturns() throws SQLException {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        setStrict(primary, true);
        try {
            primary = startWrites();
            ClusterNode p = primary;
            ClusterNode sync = syncStandby();
            ClusterNode other = third(primary, sync);

            Instant t0 = Instant.now();
            sync.killNode();
            other.killNode();
            assertNoCommitAcknowledgedFor(primary, Duration.ofSeconds(2L * E2e.TTL), sync, other);
            report("[sync] strict: both standbys killed -> " + primary.name() + " stays primary, no commit acknowledged"
                    + " for " + E2e.millisSince(t0, Instant.now()) + " ms (synchronous_standby_names '"
                    + setting(primary) + "'; " + writes.summary() + ")");

            Instant back = Instant.now();
            other.startAgent();
            WriteHistory.Commit resumed = writes.awaitAcknowledged(n -> n.equals(p.name()), back, E2e.CONVERGE);
            report("[sync] strict: " + other.name() + " restarted -> first commit acknowledged on " + primary.name()
                    + " after " + E2e.millisSince(back, resumed.ackedAt()) + " ms; commit gap "
                    + E2e.millisSince(t0, resumed.ackedAt()) + " ms");
            sync.startAgent();
            finish();
        } finally {
            cluster.primary().ifPresent(n -> setStrict(n, false));
        }
    }

    /**
     * kill -9 of the synchronous standby's node; as soon as the other standby holds the sync key
     * (its /sync answers 200), kill -9 of the primary's node: that standby, the only one with
     * every acknowledged commit, must be the one promoted.
     */
    @Test
    @Order(3)
    void primaryDiesRightAfterASyncSwitchAndTheNewSyncStandbyWins() {
        ClusterNode primary = startWrites();
        ClusterNode sync = syncStandby();
        ClusterNode other = third(primary, sync);

        Instant t0 = Instant.now();
        Instant switched = killAndAwaitSyncSwitch(sync, other);
        primary.killNode();
        Instant killed = Instant.now();
        sync.startAgent();
        ClusterNode next = cluster.awaitPrimary(n -> n != primary, E2e.FAILOVER);
        WriteHistory.Commit first = writes.awaitAcknowledged(n -> !n.equals(primary.name()), killed, E2e.FAILOVER);
        report("[sync] kill -9 of the sync standby " + sync.name() + ", " + other.name() + " in the sync key after "
                + E2e.millisSince(t0, switched) + " ms, then kill -9 of the primary " + primary.name() + " "
                + E2e.millisSince(switched, killed) + " ms later -> " + next.name() + " promoted, first commit after "
                + E2e.millisSince(killed, first.ackedAt()) + " ms (" + E2e.timings() + ")");
        assertThat(next).as("the new primary is the standby holding the sync key").isEqualTo(other);
        assertThat(first.node()).isEqualTo(other.name());
        primary.startAgent();
        finish();
    }

    /**
     * Strict mode, the other standby's node killed, then the primary's: the synchronous standby
     * is promoted with no standby left, and its commits must wait from the start (Patroni sets
     * its placeholder before promoting), until a standby returns.
     */
    @Test
    @Order(4)
    void strictModeSyncStandbyPromotedAloneMakesCommitsWait() throws SQLException {
        setStrict(cluster.awaitConverged(E2e.CONVERGE), true);
        try {
            ClusterNode primary = startWrites();
            ClusterNode sync = syncStandby();
            ClusterNode other = third(primary, sync);
            other.killNode();
            Instant t0 = Instant.now();
            primary.killNode();
            ClusterNode next = cluster.awaitPrimary(n -> n != primary, E2e.FAILOVER);
            Instant promoted = Instant.now();
            assertThat(next).as("the promoted node is the synchronous standby").isEqualTo(sync);
            assertNoCommitAcknowledgedFor(next, t0, Duration.ofSeconds(E2e.TTL), primary, other);
            report("[sync] strict: " + other.name() + " then the primary " + primary.name() + " killed -> "
                    + next.name() + " promoted after " + E2e.millisSince(t0, promoted) + " ms, no commit acknowledged"
                    + " alone for " + E2e.TTL + " s (synchronous_standby_names '" + setting(next) + "')");
            Instant back = Instant.now();
            other.startAgent();
            WriteHistory.Commit resumed = writes.awaitAcknowledged(n -> n.equals(next.name()), back, E2e.CONVERGE);
            report("[sync] strict: " + other.name() + " restarted -> first commit acknowledged on " + next.name()
                    + " after " + E2e.millisSince(back, resumed.ackedAt()) + " ms");
            primary.startAgent();
            finish();
        } finally {
            cluster.primary().ifPresent(n -> setStrict(n, false));
        }
    }

    /** Waits for a converged cluster with a synchronous standby, starts a fresh write history, returns the primary. */
    private ClusterNode startWrites() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        syncStandby();
        writes = E2e.writes(cluster);
        writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), Duration.ofSeconds(20));
        return primary;
    }

    /**
     * Waits for convergence, stops the writes and checks the invariants; returns the primary.
     * Which node leads by then is not asserted: on a loaded machine a primary whose PostgreSQL
     * misses a probe hands over to its synchronous standby (Decider section 7a), which is safe.
     */
    private ClusterNode finish() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), Duration.ofSeconds(20));
        writes.stop();
        report(writes.summary());
        writes.assertAtMostOnePrimaryAtATime();
        assertThat(writes.awaitConverged(Duration.ofSeconds(30))).isEqualTo(primary.name());
        writes.assertNoAcknowledgedCommitLost();
        writes = null;
        return primary;
    }

    /** kill -9 of the synchronous standby's node; returns when {@code next} answers 200 on /sync. */
    private static Instant killAndAwaitSyncSwitch(ClusterNode sync, ClusterNode next) {
        sync.killNode();
        awaitTrue(() -> next.status("/sync") == 200, E2e.FAILOVER, next.name() + " /sync 200 (in the sync key)");
        return Instant.now();
    }

    private ClusterNode syncStandby() {
        return E2e.syncStandby(cluster);
    }

    private ClusterNode third(ClusterNode a, ClusterNode b) {
        return cluster.nodes().stream().filter(n -> n != a && n != b).findFirst().orElseThrow();
    }

    /**
     * PATCHes {@code synchronous_mode_strict} and waits until the primary's GET /config shows it:
     * that answers from its last loop, so the next loop decides with it.
     */
    private static void setStrict(ClusterNode primary, boolean on) {
        ClusterNode.Response r = primary.request("PATCH", "/config",
                "{\"synchronous_mode_strict\": " + (on ? "true" : "null") + "}");
        assertThat(r.status()).as("PATCH /config synchronous_mode_strict on %s: %s", primary.name(), r.body())
                .isEqualTo(200);
        awaitTrue(() -> primary.get("/config").body().replace(" ", "").contains("\"synchronous_mode_strict\":true")
                == on, Duration.ofSeconds(10), "GET /config on " + primary.name() + " with strict " + on);
    }

    /** The longest interval without an acknowledgement from {@code node} between {@code from} and {@code to}. */
    private long longestGap(ClusterNode node, Instant from, Instant to) {
        List<Instant> acks = writes.acknowledged().stream().filter(c -> c.node().equals(node.name()))
                .map(WriteHistory.Commit::ackedAt).filter(t -> !t.isBefore(from) && !t.isAfter(to)).sorted()
                .collect(Collectors.toList());
        long longest = 0;
        Instant previous = from;
        for (Instant t : acks) {
            longest = Math.max(longest, E2e.millisSince(previous, t));
            previous = t;
        }
        return Math.max(longest, E2e.millisSince(previous, to));
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("%s within %s", what, timeout).isNegative();
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    private static String setting(ClusterNode node) throws SQLException {
        try (Connection c = DriverManager.getConnection(node.jdbcUrl()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW synchronous_standby_names")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** {@link #setting}, or a non-empty marker when the node cannot be asked right now. */
    private static String settingOrMarker(ClusterNode node) {
        try {
            return setting(node);
        } catch (SQLException e) {
            return "(unreachable: " + e.getMessage() + ")";
        }
    }
}
