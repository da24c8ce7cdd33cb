package io.hapg.postgres;

import static io.hapg.postgres.TestNodes.awaitCaughtUp;
import static io.hapg.postgres.TestNodes.member;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.ClusterPgFiles;
import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.process.PgInstallation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Patroni's {@code create_replica_methods} on real servers: the methods are tried in order, a
 * failing one is skipped, a user-defined one gets Patroni's arguments and its copy is used; when
 * every method fails the clone fails with the last error and leaves no half-made data directory.
 */
@Timeout(180)
class ReplicaMethodsIT {
    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private final TestNodes nodes = logs.watch(new TestNodes());

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void aFailingMethodIsSkippedAndTheNextOnesCopyBecomesTheReplica() throws IOException {
        PostgresNode n1 = nodes.node("n1");
        n1.bootstrap();
        TestNodes.execute(n1, "CREATE TABLE t AS SELECT 1 AS id");
        Path calls = nodes.base().resolve("calls.txt");
        Path basebackup = PgInstallation.findBinDir(Optional.empty()).orElseThrow().resolve("pg_basebackup");
        ReplicaMethod broken = new ReplicaMethod("broken", List.of(nodes.shellScript("broken.sh",
                "echo \"broken $*\" >> " + calls + "\nexit 1\n").toString()), List.of("--scope=demo",
                "--role=replica"), false, false);
        ReplicaMethod copy = new ReplicaMethod("copy", List.of(nodes.shellScript("copy.sh", "echo \"copy $*\" >> " + calls
                + "\nfor a in \"$@\"; do case \"$a\" in --datadir=*) d=${a#--datadir=} ;; --connstring=*)"
                + " c=${a#--connstring=} ;; esac; done\nexec \"" + basebackup + "\" -D \"$d\" -d \"$c\" -X stream"
                + " -c fast\n").toString()), List.of("--stanza=main", "--scope=demo", "--role=replica"), false,
                false);
        PostgresNode n2 = nodes.node(nodes.config("n2").replicaMethods(List.of(broken, copy,
                ReplicaMethod.BASEBACKUP)).build());

        n2.cloneFrom(member(n1));

        TestNodes.execute(n1, "INSERT INTO t VALUES (2)");
        awaitCaughtUp(n2, n1);
        assertThat(TestNodes.value(n2, "SELECT count(*) FROM t")).isEqualTo("2");
        assertThat(n2.probe().inRecovery()).isTrue();
        Path data = n2.config().dataDir();
        assertThat(Files.readAllLines(calls)).containsExactly(
                "broken --scope=demo --role=replica --datadir=" + data + " --connstring=dbname=postgres"
                        + " user=replicator host=127.0.0.1 port=" + n1.config().port(),
                "copy --stanza=main --scope=demo --role=replica --datadir=" + data + " --connstring=dbname=postgres"
                        + " user=replicator host=127.0.0.1 port=" + n1.config().port());
    }

    /** Patroni's {@code postgresql.basebackup}: the options reach pg_basebackup (its label is in the copy). */
    @Test
    void basebackupOptionsArePassedToPgBasebackup() throws IOException {
        PostgresNode n1 = nodes.node("n1");
        n1.bootstrap();
        PostgresNode n2 = nodes.node(nodes.config("n2").basebackupOptions(List.of("--label=hapg-it-label",
                "--max-rate=64M")).build());

        n2.cloneFrom(member(n1));

        Path data = n2.config().dataDir();
        Path label = Files.exists(data.resolve("backup_label")) ? data.resolve("backup_label")
                : data.resolve("backup_label.old");
        assertThat(Files.readString(label)).contains("LABEL: hapg-it-label");
    }

    /**
     * Patroni's {@code postgresql.pg_ident} and {@code postgresql.recovery_conf}: each member's own
     * ident lines replace the file (the clone's copy of the primary's included), the recovery
     * settings are in force on a replica, and the cluster's (dynamic) ones reach a running replica
     * by a reload, unless the member's own are set.
     */
    @Test
    void pgIdentLinesAndRecoveryConfSettingsAreInEffect() {
        PostgresNode n1 = nodes.node(nodes.config("n1").pgIdent(List.of("hapgmap alice postgres",
                "hapgmap bob postgres")).build());
        n1.bootstrap();
        String mappings = "SELECT map_name, sys_name, pg_username, coalesce(error, '') FROM pg_ident_file_mappings"
                + " ORDER BY line_number";
        assertThat(TestNodes.query(n1, mappings)).containsExactly(List.of("hapgmap", "alice", "postgres", ""),
                List.of("hapgmap", "bob", "postgres", ""));

        PostgresNode n2 = nodes.node(nodes.config("n2").pgIdent(List.of("othermap carol postgres"))
                .recoveryConf(Map.of("recovery_min_apply_delay", "1min")).build());
        n2.cloneFrom(member(n1));
        assertThat(TestNodes.value(n2, "SHOW recovery_min_apply_delay")).isEqualTo("1min");
        assertThat(TestNodes.query(n2, mappings)).containsExactly(List.of("othermap", "carol", "postgres", ""));

        ClusterPgFiles cluster = new ClusterPgFiles(List.of("clustermap dave postgres"),
                Map.of("recovery_min_apply_delay", "2min"));
        PostgresNode n3 = nodes.node("n3");
        n3.cloneFrom(member(n1));
        assertThat(TestNodes.value(n3, "SHOW recovery_min_apply_delay")).isEqualTo("0");
        String started = TestNodes.value(n3, "SELECT pg_postmaster_start_time()");
        for (PostgresNode replica : List.of(n2, n3)) {
            assertThat(replica.configureFiles(cluster)).isTrue();
        }
        TestNodes.await("n3 reloaded", Duration.ofSeconds(10),
                () -> TestNodes.value(n3, "SHOW recovery_min_apply_delay").equals("2min"));
        assertThat(TestNodes.query(n3, mappings)).containsExactly(List.of("clustermap", "dave", "postgres", ""));
        assertThat(TestNodes.value(n3, "SELECT pg_postmaster_start_time()")).as("no restart").isEqualTo(started);
        assertThat(TestNodes.value(n2, "SHOW recovery_min_apply_delay")).as("the node's own win").isEqualTo("1min");
        assertThat(TestNodes.query(n2, mappings)).containsExactly(List.of("othermap", "carol", "postgres", ""));
    }

    /**
     * Patroni's {@code clonefrom} tag: the source of a copy may be a replica. It keeps no slot of the
     * new member (pg_basebackup would fail with {@code --slot}), so the copy uses a temporary one and
     * the new replica streams from the source without a slot until the agent follows the leader.
     */
    @Test
    void aReplicaCanBeTheSourceOfAClone() {
        PostgresNode n1 = nodes.node("n1");
        n1.bootstrap();
        TestNodes.execute(n1, "CREATE TABLE t AS SELECT 1 AS id");
        PostgresNode n2 = nodes.node("n2");
        n2.cloneFrom(member(n1));
        awaitCaughtUp(n2, n1);
        PostgresNode n3 = nodes.node("n3");

        n3.cloneFrom(member(n2));

        TestNodes.execute(n1, "INSERT INTO t VALUES (2)");
        awaitCaughtUp(n3, n1);
        assertThat(TestNodes.value(n3, "SELECT count(*) FROM t")).isEqualTo("2");
        assertThat(n3.probe().inRecovery()).isTrue();
        assertThat(n2.probe().replication()).as("n3 cascades from n2, the copy's source")
                .anySatisfy(peer -> assertThat(peer.applicationName()).isEqualTo("n3"));
        assertThat(TestNodes.value(n2, "SELECT count(*) FROM pg_catalog.pg_replication_slots")).isEqualTo("0");

        n3.follow(member(n1));
        TestNodes.await("n3 streams from n1", java.time.Duration.ofSeconds(30), () -> n1.probe().replication()
                .stream().anyMatch(peer -> peer.applicationName().equals("n3") && peer.isStreaming()));
    }

    /**
     * Patroni's {@code postgresql.config_dir} and {@code custom_conf}: PostgreSQL runs on the
     * configuration directory's files ({@code config_file}, {@code hba_file}, {@code ident_file}),
     * the custom file is included, and a clone streams on its own configuration directory, where
     * an existing {@code postgresql.conf} (Debian's) becomes the base file. The primary's files that
     * pg_basebackup copies into the clone's data directory are never read.
     */
    @Test
    void configDirHoldsTheConfigurationAndCustomConfIsIncluded() throws IOException {
        Path custom = Files.writeString(nodes.base().resolve("custom.conf"),
                "log_min_duration_statement = 12345\nhapg.marker = 'from-custom-conf'\n");
        Path etc1 = nodes.base().resolve("etc1/main");
        PostgresNode n1 = nodes.node(nodes.config("n1").configDir(etc1).customConf(custom).build());
        n1.bootstrap();
        assertThat(TestNodes.value(n1, "SHOW config_file")).isEqualTo(etc1.resolve("postgresql.conf").toString());
        assertThat(TestNodes.value(n1, "SHOW hba_file")).isEqualTo(etc1.resolve("pg_hba.conf").toString());
        assertThat(TestNodes.value(n1, "SHOW ident_file")).isEqualTo(etc1.resolve("pg_ident.conf").toString());
        assertThat(TestNodes.value(n1, "SHOW log_min_duration_statement")).isEqualTo("12345ms");
        assertThat(TestNodes.value(n1, "SHOW hapg.marker")).isEqualTo("from-custom-conf");
        assertThat(etc1.resolve("postgresql.base.conf")).as("initdb's settings, kept but not included")
                .exists();
        TestNodes.execute(n1, "CREATE TABLE t AS SELECT 1 AS id");

        Path etc2 = Files.createDirectories(nodes.base().resolve("etc2/main"));
        Files.writeString(etc2.resolve("postgresql.conf"), "work_mem = '7MB'\ndata_directory = '/nonexistent'\n");
        PostgresNode n2 = nodes.node(nodes.config("n2").configDir(etc2).build());
        n2.cloneFrom(member(n1));

        TestNodes.execute(n1, "INSERT INTO t VALUES (2)");
        awaitCaughtUp(n2, n1);
        assertThat(TestNodes.value(n2, "SELECT count(*) FROM t")).isEqualTo("2");
        assertThat(n2.probe().inRecovery()).isTrue();
        assertThat(TestNodes.value(n2, "SHOW config_file")).isEqualTo(etc2.resolve("postgresql.conf").toString());
        assertThat(TestNodes.value(n2, "SHOW hba_file")).isEqualTo(etc2.resolve("pg_hba.conf").toString());
        assertThat(TestNodes.value(n2, "SHOW work_mem")).as("the directory's own postgresql.conf, as the base")
                .isEqualTo("7MB");
        assertThat(TestNodes.value(n2, "SHOW log_min_duration_statement")).as("n1's custom_conf is n1's")
                .isEqualTo("-1");
        assertThat(TestNodes.value(n2, "SELECT count(*) FROM pg_catalog.pg_file_settings WHERE sourcefile LIKE "
                + "'" + n2.config().dataDir() + "/%' AND sourcefile <> '" + n2.config().dataDir()
                + "/postgresql.auto.conf'")).as("nothing read from the data directory's copies").isEqualTo("0");
        assertThat(n2.config().dataDir().resolve("postgresql.conf")).as("the copy of n1's, left alone").exists();
    }

    @Test
    void whenEveryMethodFailsTheCloneFailsAndTheDataDirectoryIsEmpty() throws IOException {
        PostgresNode n1 = nodes.node("n1");
        n1.bootstrap();
        ReplicaMethod empty = new ReplicaMethod("empty", List.of(nodes.shellScript("empty.sh", "exit 0\n").toString()),
                List.of(), false, true);
        ReplicaMethod broken = new ReplicaMethod("broken", List.of(nodes.shellScript("broken.sh",
                "echo 'no backup in the repository' >&2\nexit 4\n").toString()), List.of(), false, true);
        PostgresNode n2 = nodes.node(nodes.config("n2").replicaMethods(List.of(empty, broken)).build());

        assertThatThrownBy(() -> n2.cloneFrom(member(n1))).isInstanceOf(DatabaseUnavailableException.class)
                .hasMessageContaining("replica-method-broken failed with exit code 4")
                .hasMessageContaining("no backup in the repository");

        assertThat(n2.probe().hasData()).isFalse();
        try (var content = Files.list(n2.config().dataDir())) {
            assertThat(content).isEmpty();
        }
    }
}
