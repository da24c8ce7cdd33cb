package io.hapg.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.http.NodeControl.RestartRequest;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.spi.DatabaseNode.StopMode;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the probe tells of the running server besides its position: the version
 * ({@code server_version} in {@code /patroni}) and whether a changed setting waits for a restart
 * ({@code pending_restart}), which {@code POST /restart {"restart_pending": true}} and
 * {@code hactl restart --pending} act on; and the cluster's dynamic settings
 * ({@code edit-config -p}) reaching a running server.
 */
@Timeout(90)
class ServerFactsIT {
    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private final TestNodes nodes = logs.watch(new TestNodes());

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void clusterSettingsAreReloadedUnderTheLocalOnesAndRestartOnesWaitForARestart() {
        PostgresNode n1 = nodes.node("n1"); // local parameters: max_connections 30, shared_buffers 16MB, ...
        n1.bootstrap();
        assertThat(n1.configure(java.util.Map.of("work_mem", "7MB", "shared_buffers", "32MB", "port", "1"))).isTrue();
        // pg_reload_conf() signals the postmaster: new sessions see the value once it has read the files.
        TestNodes.await("work_mem reloaded", java.time.Duration.ofSeconds(10),
                () -> TestNodes.value(n1, "SHOW work_mem").equals("7MB"));
        assertThat(TestNodes.value(n1, "SHOW shared_buffers")).as("the local value wins").isEqualTo("16MB");
        assertThat(n1.probe().pendingRestart()).isFalse();

        assertThat(n1.configure(java.util.Map.of("work_mem", "7MB", "max_prepared_transactions", "5"))).isTrue();
        TestNodes.await("a restart-only setting is pending", java.time.Duration.ofSeconds(10),
                () -> n1.probe().pendingRestart());
        n1.stop(StopMode.FAST);
        n1.start(Optional.empty());
        assertThat(TestNodes.value(n1, "SHOW max_prepared_transactions")).isEqualTo("5");
        assertThat(n1.probe().pendingRestart()).isFalse();

        assertThat(n1.configure(java.util.Map.of())).isTrue();
        TestNodes.await("work_mem removed: back to the default", java.time.Duration.ofSeconds(10),
                () -> TestNodes.value(n1, "SHOW work_mem").equals("4MB"));
    }

    /** A promoted replica's configuration loses the replica-only settings: none may need a restart. */
    @Test
    void aPromotedReplicaHasNoPendingRestartAfterAReload() {
        PrimaryAndReplica pair = primaryAndReplica();
        PostgresNode n1 = pair.primary();
        PostgresNode n2 = pair.replica();
        n1.stop(StopMode.FAST);
        n2.promote();
        n2.reload();
        TestNodes.await("the reload is done", java.time.Duration.ofSeconds(10),
                () -> TestNodes.value(n2, "SELECT pg_catalog.pg_conf_load_time() > pg_catalog.pg_postmaster_start_time()")
                        .equals("t"));
        assertThat(TestNodes.value(n2, "SELECT string_agg(name, ',') FROM pg_catalog.pg_settings WHERE pending_restart"))
                .isNull();
        assertThat(n2.probe().pendingRestart()).isFalse();
    }

    /**
     * The probe's two queries go in one round trip on its kept connection, and pgjdbc prepares
     * them on the server after five runs: the answers stay whole past that point, on a primary
     * (its standbys) and on a replica (its position).
     */
    @Test
    void theProbeAnswersWholeRunAfterRunOnItsKeptConnection() {
        PrimaryAndReplica pair = primaryAndReplica();
        PostgresNode n1 = pair.primary();
        PostgresNode n2 = pair.replica();
        TestNodes.await("n2 streams from n1", java.time.Duration.ofSeconds(30), () -> n1.probe().replication()
                .stream().anyMatch(p -> p.applicationName().equals("n2") && p.flushLsn().isPresent()));
        for (int run = 1; run <= 12; run++) {
            DatabaseState primary = n1.probe();
            assertThat(primary.inRecovery()).as("run %d", run).isFalse();
            assertThat(primary.writeLsn()).as("run %d", run).isPresent();
            assertThat(primary.replication()).as("run %d", run).extracting(p -> p.applicationName())
                    .containsExactly("n2");
            assertThat(primary.replication().get(0).flushLsn()).as("run %d", run).isPresent();
            DatabaseState replica = n2.probe();
            assertThat(replica.inRecovery()).as("run %d", run).isTrue();
            assertThat(replica.receiveLsn()).as("run %d", run).isPresent();
            assertThat(replica.replication()).as("run %d", run).isEmpty();
        }
    }

    @Test
    void versionAndPendingRestartFollowTheServer() {
        PostgresNode n1 = nodes.node("n1");
        n1.bootstrap();
        DatabaseState fresh = n1.probe();
        int expected = Integer.parseInt(TestNodes.value(n1, "SHOW server_version_num"));
        assertThat(fresh.serverVersion()).isEqualTo(expected).isBetween(130000, 179999);
        assertThat(fresh.pendingRestart()).isFalse();
        RestartRequest pending = new RestartRequest(Optional.empty(), Optional.empty(), Optional.empty(), true,
                Optional.empty());
        assertThat(pending.unmetCondition("primary", fresh)).contains("pending restart flag is not set");

        int connections = Integer.parseInt(TestNodes.value(n1, "SHOW max_connections"));
        TestNodes.execute(n1, "ALTER SYSTEM SET max_connections = " + (connections + 1));
        n1.reload();
        TestNodes.await("pg_settings shows the pending restart", java.time.Duration.ofSeconds(10),
                () -> n1.probe().pendingRestart());
        assertThat(pending.unmetCondition("primary", n1.probe())).isEmpty();
        RestartRequest older = new RestartRequest(Optional.empty(), Optional.of("13.0"), Optional.empty(), false,
                Optional.empty());
        assertThat(older.unmetCondition("primary", n1.probe())).as("the server is not older than 13.0")
                .contains("postgres version mismatch");

        n1.stop(StopMode.FAST);
        n1.start(Optional.empty());
        DatabaseState restarted = n1.probe();
        assertThat(restarted.pendingRestart()).isFalse();
        assertThat(TestNodes.value(n1, "SHOW max_connections")).isEqualTo(Integer.toString(connections + 1));
    }

    private record PrimaryAndReplica(PostgresNode primary, PostgresNode replica) {
    }

    /** n1 bootstrapped, n2 cloned from it and streaming. */
    private PrimaryAndReplica primaryAndReplica() {
        PostgresNode n1 = nodes.node("n1");
        n1.bootstrap();
        PostgresNode n2 = nodes.node("n2");
        n2.cloneFrom(TestNodes.member(n1));
        return new PrimaryAndReplica(n1, n2);
    }
}
