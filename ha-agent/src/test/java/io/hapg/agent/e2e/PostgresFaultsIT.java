package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.testkit.Pids;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.WriteHistory;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
 * Faults of PostgreSQL itself (and of its replication) while every agent and etcd stay healthy,
 * on one three-node asynchronous cluster under continuous writes: a replica's WAL stream broken
 * (no failover, it catches up), PostgreSQL stopped cleanly on the primary (restart in place), the
 * primary's whole PostgreSQL frozen by SIGSTOP (hand-over after primary_start_timeout, the hung
 * server killed first), and kill -9 of the primary under heavy write load (a replica is still
 * promoted although the published optime lags). Every scenario ends with the invariants: never
 * two writable primaries, one primary with both others streaming from it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class PostgresFaultsIT {
    /** Short enough to test, long enough that one slow probe on a busy machine hands nothing over. */
    private static final int FROZEN_START_TIMEOUT = 10;

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster cluster;
    private WriteHistory writes;

    @BeforeAll
    void startCluster() {
        cluster = E2e.cluster("e2e-pgfaults").etcdProxies(true).start();
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

    /** After a failed scenario: stop its writes, thaw PostgreSQL, restart stopped agents. */
    @AfterEach
    void restoreCluster() {
        if (writes != null) {
            writes.close();
            writes = null;
        }
        for (ClusterNode n : cluster.nodes()) {
            n.thawPostgres();
            n.healEtcd();
            if (!n.isAgentRunning()) {
                n.startAgent();
            }
        }
    }

    /**
     * A replica whose walsender on the primary is terminated again and again for twice the ttl: it
     * is cut from the primary, not from etcd. Nothing may fail over and no write may fail; once the
     * cut ends it streams again and replays up to the primary's position.
     */
    @Test
    @Order(1)
    void replicaCutFromThePrimaryCausesNoFailoverAndCatchesUp() throws SQLException {
        ClusterNode primary = startWrites();
        ClusterNode replica = cluster.nodes().stream().filter(n -> n != primary).findFirst().orElseThrow();
        long failures = writes.failures();
        Instant t0 = Instant.now();
        int terminated = 0;
        long cutUntil = System.nanoTime() + Duration.ofSeconds(2L * E2e.TTL).toNanos();
        while (System.nanoTime() - cutUntil < 0) {
            terminated += terminateWalsenders(primary, replica);
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        long cutMs = E2e.millisSince(t0, Instant.now());
        long behind = walBytes(primary, "pg_catalog.pg_current_wal_lsn()")
                - walBytes(replica, "pg_catalog.pg_last_wal_replay_lsn()");
        assertThat(terminated).as("walsenders of %s terminated", replica.name()).isPositive();
        assertThat(cluster.primary()).as("the primary after %s was cut from it", replica.name()).contains(primary);
        assertThat(writes.failures()).as("failed writes while %s was cut", replica.name()).isEqualTo(failures);
        Instant healed = Instant.now();
        long target = walBytes(primary, "pg_catalog.pg_current_wal_lsn()");
        long deadline = System.nanoTime() + E2e.CONVERGE.toNanos();
        while (walBytes(replica, "pg_catalog.pg_last_wal_replay_lsn()") < target) {
            assertThat(System.nanoTime() - deadline).as("%s replays up to %s within %s", replica.name(),
                    Long.toHexString(target), E2e.CONVERGE).isNegative();
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        report("[async] " + replica.name() + "'s WAL stream cut for " + cutMs + " ms (" + terminated
                + " walsenders terminated, " + behind + " bytes behind at the end): " + primary.name()
                + " still primary, no failed write; caught up " + E2e.millisSince(healed, Instant.now())
                + " ms after the cut ended");
        assertThat(finish(null, null)).isEqualTo(primary);
    }

    /**
     * {@code pg_ctl stop -m fast} on the primary behind its agent's back: as Patroni
     * ({@code recover()}), the agent still holding the key restarts it in place (read-only, then
     * promoted: the next timeline), well within primary_start_timeout.
     */
    @Test
    @Order(2)
    void cleanlyStoppedPostgresOnThePrimaryRestartsInPlace() {
        ClusterNode primary = startWrites();
        long timeline = timeline(primary);
        Instant t0 = Instant.now();
        primary.stopPostgres("fast");
        Instant stopped = Instant.now();
        WriteHistory.Commit first = writes.awaitAcknowledged(n -> true, stopped, E2e.FAILOVER);
        report("[async] pg_ctl stop -m fast on " + primary.name() + " (agent alive; stop took "
                + E2e.millisSince(t0, stopped) + " ms) -> first commit on " + first.node() + " after "
                + E2e.millisSince(t0, first.ackedAt()) + " ms, timeline " + timeline + " -> " + first.timeline());
        assertThat(first.node()).as("restarted in place within primary_start_timeout").isEqualTo(primary.name());
        assertThat(first.timeline()).as("promoted after a read-only restart: the next timeline")
                .isEqualTo(timeline + 1);
        assertThat(finish(null, null)).as("still the primary").isEqualTo(primary);
    }

    /**
     * The primary's whole PostgreSQL frozen (SIGSTOP of the postmaster and every child: a hung
     * server whose connections hang too), its agent alive. The probes time out; the agent keeps
     * the key for primary_start_timeout, as for a crash, then hands over. It must first kill the
     * hung server: released while merely frozen, it would resume as a second writable primary.
     * Patroni keeps the key as long as the postmaster process exists (patroni#1371, open).
     */
    @Test
    @Order(3)
    void frozenPostgresOnThePrimaryIsKilledAndHandedOverAfterPrimaryStartTimeout() {
        ClusterNode old = startWrites();
        setPrimaryStartTimeout(old, FROZEN_START_TIMEOUT);
        try {
            long postmaster = old.freezePostgres().get(0);
            Instant t0 = Instant.now();
            ClusterNode next = cluster.awaitPrimary(n -> n != old,
                    E2e.FAILOVER.plusSeconds(FROZEN_START_TIMEOUT));
            WriteHistory.Commit first = writes.awaitAcknowledged(n -> !n.equals(old.name()), t0,
                    E2e.FAILOVER.plusSeconds(FROZEN_START_TIMEOUT));
            boolean hungServerLeft = Pids.isAlive(postmaster);
            Instant lastOnOld = writes.lastAcknowledgedAt(old.name()).orElse(t0);
            report("[async] PostgreSQL frozen (SIGSTOP) on " + old.name() + " with primary_start_timeout "
                    + FROZEN_START_TIMEOUT + " s -> last commit there " + E2e.millisSince(t0, lastOnOld)
                    + " ms after, first commit on " + next.name() + " after " + E2e.millisSince(t0, first.ackedAt())
                    + " ms; frozen postmaster still there: " + hungServerLeft);
            assertThat(first.node()).isEqualTo(next.name());
            assertThat(hungServerLeft).as("the frozen postmaster %d of %s was killed before the hand-over",
                    postmaster, old.name()).isFalse();
            long offset = E2e.logSize(old);
            old.thawPostgres();
            finish(old, "rejoined after its PostgreSQL was frozen");
            report(old.name() + " rejoin used pg_rewind: " + E2e.logSince(old, offset).contains("rewind"));
        } finally {
            old.thawPostgres();
            cluster.primary().ifPresent(p -> p.request("PATCH", "/config", "{\"primary_start_timeout\": null}"));
        }
    }

    /**
     * kill -9 of the primary node while eight extra writers insert 32 KiB rows as fast as they can,
     * so the optime it last published lags its real WAL position by megabytes: the replicas are
     * ahead of that frozen optime, and one of them must still win the race within the usual time.
     */
    @Test
    @Order(4)
    void killOfThePrimaryUnderHeavyWriteLoadStillPromotesAReplica() throws Exception {
        ClusterNode old = startWrites();
        try (Connection c = connect(old); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS hapg_heavy (id bigserial PRIMARY KEY, payload text)");
            st.execute("ALTER TABLE hapg_heavy ALTER COLUMN payload SET STORAGE EXTERNAL"); // no compression
        }
        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicLong rows = new AtomicLong();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> heavyWriter(old, loading, rows), "heavy-writer-" + i);
            t.setDaemon(true);
            t.start();
            load.add(t);
        }
        try {
            long loadUntil = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            long published = publishedXlog(old, 0);
            long maxGap = 0;
            while (System.nanoTime() - loadUntil < 0) {
                published = publishedXlog(old, published);
                maxGap = Math.max(maxGap, walBytes(old, "pg_catalog.pg_current_wal_lsn()") - published);
                LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            }
            long gap = walBytes(old, "pg_catalog.pg_current_wal_lsn()") - publishedXlog(old, published);
            Instant t0 = Instant.now();
            old.killNode();
            ClusterNode next = cluster.awaitPrimary(n -> n != old, E2e.FAILOVER);
            WriteHistory.Commit first = writes.awaitAcknowledged(n -> !n.equals(old.name()), t0, E2e.FAILOVER);
            report("[async] kill -9 of " + old.name() + " under heavy write load (" + rows.get() + " rows of 32 KiB,"
                    + " real WAL position ahead of the published one by " + gap + " bytes at the kill, up to "
                    + maxGap + ") -> first commit on " + first.node() + " after " + E2e.millisSince(t0, first.ackedAt())
                    + " ms (" + E2e.timings() + ")");
            assertThat(first.node()).isEqualTo(next.name());
        } finally {
            loading.set(false);
            for (Thread t : load) {
                t.join(TimeUnit.SECONDS.toMillis(15));
            }
        }
        old.startAgent();
        finish(old, "rejoined after kill -9 under heavy write load");
    }

    /** pg_terminate_backend of {@code replica}'s walsenders on {@code primary}; how many there were. */
    private static int terminateWalsenders(ClusterNode primary, ClusterNode replica) throws SQLException {
        try (Connection c = connect(primary);
             PreparedStatement kill = c.prepareStatement("SELECT count(pg_catalog.pg_terminate_backend(pid))"
                     + " FROM pg_catalog.pg_stat_replication WHERE application_name = ?")) {
            kill.setString(1, replica.name());
            try (ResultSet rs = kill.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static void heavyWriter(ClusterNode node, AtomicBoolean loading, AtomicLong rows) {
        try (Connection c = connect(node);
             PreparedStatement insert = c.prepareStatement("INSERT INTO hapg_heavy (payload) SELECT"
                     + " string_agg(md5(random()::text), '') FROM generate_series(1, 1024)")) {
            while (loading.get()) {
                insert.executeUpdate();
                rows.incrementAndGet();
            }
        } catch (SQLException e) {
            // The node was killed: this load is over.
        }
    }

    /**
     * The WAL position the node publishes (its /patroni {@code xlog.location}), or {@code previous}
     * while it publishes none (its probe timed out: the machine is busy, which is the point here).
     */
    private static long publishedXlog(ClusterNode node, long previous) {
        String body = node.get("/patroni").body().replace(" ", "");
        int i = body.indexOf("\"location\":");
        return i < 0 ? previous : Long.parseLong(body.substring(i + 11).split("[,}]")[0].trim());
    }

    private void setPrimaryStartTimeout(ClusterNode primary, int seconds) {
        assertThat(primary.request("PATCH", "/config", "{\"primary_start_timeout\": " + seconds + "}").status())
                .isEqualTo(200);
        // GET /config answers from the primary's last loop: once it shows the value, the loops that
        // see the fault decide with it.
        long seen = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!primary.get("/config").body().replace(" ", "").contains("\"primary_start_timeout\":" + seconds)
                && System.nanoTime() - seen < 0) {
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    /** Waits for a converged cluster, starts a fresh write history and returns the primary. */
    private ClusterNode startWrites() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        writes = E2e.writes(cluster);
        writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), Duration.ofSeconds(20));
        return primary;
    }

    /** Stops the writes, checks the invariants and waits until {@code rejoined} (if any) streams again. */
    private ClusterNode finish(ClusterNode rejoined, String what) {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        if (rejoined != null) {
            assertThat(primary).as(rejoined.name() + " " + what + " as a replica").isNotEqualTo(rejoined);
        }
        writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), Duration.ofSeconds(20));
        writes.stop();
        report(writes.summary());
        writes.assertAtMostOnePrimaryAtATime();
        assertThat(writes.awaitConverged(Duration.ofSeconds(30))).isEqualTo(primary.name());
        writes = null;
        return primary;
    }

    private static Connection connect(ClusterNode node) throws SQLException {
        return DriverManager.getConnection(node.jdbcUrl());
    }

    /** {@code expression} (an LSN) evaluated on {@code node}, as a byte position. */
    private static long walBytes(ClusterNode node, String expression) throws SQLException {
        try (Connection c = connect(node); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT (" + expression + " - '0/0'::pg_lsn)::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long timeline(ClusterNode node) {
        String body = node.get("/patroni").body();
        int i = body.indexOf("\"timeline\":");
        assertThat(i).as("timeline in /patroni: %s", body).isPositive();
        return Long.parseLong(body.substring(i + 11).split("[,}]")[0].trim());
    }
}
