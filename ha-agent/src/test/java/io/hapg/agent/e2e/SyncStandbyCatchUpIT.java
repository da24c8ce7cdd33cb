package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.testkit.Pids;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The synchronous standby dies and the only other standby is behind (its walreceiver frozen: still
 * connected and "streaming", flushing nothing) while the primary acknowledged commits through the
 * dead one. The primary makes it synchronous at once (commits wait for it), but publishes it in
 * the sync key, which would let it promote, only once it has flushed what the primary had
 * flushed at the change.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SyncStandbyCatchUpIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Long enough for several loops (loop_wait 1 s) to publish a standby that is not held back. */
    private static final Duration HELD_BACK = Duration.ofSeconds(6);

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster cluster;
    private final List<Long> frozen = new ArrayList<>();

    @AfterEach
    void stop() {
        frozen.forEach(pid -> Pids.signal(pid, "CONT"));
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void standbyBehindTheAcknowledgedCommitsEntersTheSyncKeyOnlyOnceCaughtUp() throws SQLException {
        cluster = E2e.cluster("sync-catch-up").synchronousMode(true).start();
        logs.watch(cluster);
        ClusterNode primary = cluster.awaitConverged(E2e.BOOT);
        ClusterNode sync = awaitSyncStandby(primary);
        ClusterNode behind = cluster.nodes().stream().filter(n -> n != primary && n != sync).findFirst().orElseThrow();
        execute(primary, "CREATE TABLE t (v int)");

        long walReceiver = Long.parseLong(value(behind, "SELECT pid FROM pg_catalog.pg_stat_wal_receiver"));
        Pids.signal(walReceiver, "STOP");
        frozen.add(walReceiver);
        execute(primary, "INSERT INTO t SELECT generate_series(1, 10000)"); // acknowledged through sync only
        sync.killNode();

        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < HELD_BACK.toNanos()) {
            assertThat(syncStandbys(primary)).as("the sync key while %s lacks acknowledged commits", behind.name())
                    .doesNotContain(behind.name());
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        assertThat(value(primary, "SHOW synchronous_standby_names"))
                .as("commits already wait for it").contains(behind.name());

        Pids.signal(walReceiver, "CONT");
        frozen.remove(walReceiver);
        long thawed = System.nanoTime();
        long deadline = thawed + E2e.CONVERGE.toNanos();
        while (!syncStandbys(primary).contains(behind.name())) {
            assertThat(System.nanoTime() - deadline).as("%s published once caught up", behind.name()).isNegative();
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        report("[sync] sync standby killed, the other one frozen behind: held out of the sync key for "
                + HELD_BACK.toSeconds() + " s, published " + (System.nanoTime() - thawed) / 1_000_000
                + " ms after it resumed (" + E2e.timings() + ")");
    }

    /** The members the primary's {@code GET /cluster} shows as sync_standby (from the sync key). */
    private static List<String> syncStandbys(ClusterNode primary) {
        ClusterNode.Response r = primary.get("/cluster");
        assertThat(r.status()).as("GET /cluster on %s: %s", primary.name(), r.body()).isEqualTo(200);
        try {
            List<String> names = new ArrayList<>();
            for (JsonNode m : JSON.readTree(r.body()).path("members")) {
                if ("sync_standby".equals(m.path("role").asText())) {
                    names.add(m.path("name").asText());
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ClusterNode awaitSyncStandby(ClusterNode primary) {
        long deadline = System.nanoTime() + E2e.CONVERGE.toNanos();
        while (true) {
            List<String> names = syncStandbys(primary);
            if (!names.isEmpty()) {
                return cluster.node(names.get(0));
            }
            assertThat(System.nanoTime() - deadline).as("a synchronous standby within %s", E2e.CONVERGE).isNegative();
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
    }

    private static void execute(ClusterNode node, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(node.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String value(ClusterNode node, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(node.jdbcUrl()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
