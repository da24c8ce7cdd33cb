package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The running agent rewrites a hand-set {@code synchronous_standby_names}: {@code ANY 1 (a, b)}
 * names the right standbys but lets a commit through with one of them, so with
 * {@code synchronous_node_count: 2} the primary's agent puts back {@code FIRST 2 (a, b)}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SyncStandbyNamesRewriteIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void handSetQuorumFormIsRewrittenByThePrimarysAgent() throws SQLException {
        cluster = E2e.cluster("sync-names").synchronousMode(true).dcs("synchronous_node_count", 2).start();
        logs.watch(cluster);
        ClusterNode primary = cluster.awaitConverged(E2e.BOOT);
        List<String> standbys = cluster.nodes().stream().filter(n -> n != primary).map(ClusterNode::name).sorted()
                .collect(Collectors.toList());
        String ours = "FIRST 2 (\"" + standbys.get(0) + "\", \"" + standbys.get(1) + "\")";
        awaitSetting(primary, ours, E2e.CONVERGE);

        String handSet = "ANY 1 (" + standbys.get(0) + ", " + standbys.get(1) + ")";
        try (Connection c = DriverManager.getConnection(primary.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET synchronous_standby_names = '" + handSet + "'");
            s.execute("SELECT pg_catalog.pg_reload_conf()");
        }
        long t0 = System.nanoTime();
        awaitSetting(primary, ours, Duration.ofSeconds(E2e.LOOP_WAIT * 20L));
        report("hand-set '" + handSet + "' rewritten to '" + ours + "' after "
                + (System.nanoTime() - t0) / 1_000_000 + " ms (" + E2e.timings() + ")");
    }

    private static void awaitSetting(ClusterNode node, String expected, Duration timeout) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String seen = "";
        while (System.nanoTime() - deadline < 0) {
            try (Connection c = DriverManager.getConnection(node.jdbcUrl()); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW synchronous_standby_names")) {
                rs.next();
                seen = rs.getString(1);
            }
            if (seen.equals(expected)) {
                return;
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        assertThat(seen).as("synchronous_standby_names on %s after %s", node.name(), timeout).isEqualTo(expected);
    }
}
