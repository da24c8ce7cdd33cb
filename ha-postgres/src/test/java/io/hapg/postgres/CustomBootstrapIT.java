package io.hapg.postgres;

import static io.hapg.postgres.TestNodes.awaitCaughtUp;
import static io.hapg.postgres.TestNodes.member;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.process.Commands;
import io.hapg.process.OsUser;
import io.hapg.process.PgInstallation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Patroni's custom {@code bootstrap.method} on real servers, from one base backup (pg_basebackup)
 * of a source with an archive: the method's command restores it (as the OS user, with
 * {@code --scope}, {@code --datadir} and the section's other options), the new cluster runs as a primary with the backup's
 * rows, post_bootstrap runs, and a replica clones from it; with {@code recovery_conf} it replays the archive up to a
 * restore point and promotes; a failing command, or one that leaves nothing, fails the bootstrap
 * with an empty data directory.
 */
@Timeout(180)
class CustomBootstrapIT {
    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private final TestNodes nodes = logs.watch(new TestNodes());
    private Path backup;
    private Path archive;
    private Path restore;

    /** The source: rows 1-3 in the backup; 4-5 archived before the restore point, 6 after it. */
    @BeforeEach
    void backupOfASourceWithAnArchive() throws IOException {
        archive = Files.createDirectories(nodes.base().resolve("archive"));
        OsUser.unprivileged().chown(archive);
        PostgresNode source = nodes.node(nodes.config("source").parameters(Map.of("fsync", "off",
                "shared_buffers", "16MB", "max_connections", "30", "archive_mode", "on",
                "archive_command", "cp %p " + archive + "/%f"))
                .build());
        source.bootstrap();
        TestNodes.execute(source, "CREATE TABLE t AS SELECT generate_series(1, 3) AS id");
        backup = nodes.base().resolve("backup");
        Path basebackup = PgInstallation.findBinDir(Optional.empty()).orElseThrow().resolve("pg_basebackup");
        Commands.Result made = Commands.run(List.of("env", "PGPASSWORD=" + TestNodes.SUPERUSER.password()
                .orElseThrow().reveal(), basebackup.toString(), "-D", backup.toString(), "-X", "stream", "-c", "fast",
                "-d", "host=127.0.0.1 port=" + source.config().port() + " user=" + TestNodes.SUPERUSER.username()),
                Duration.ofSeconds(60));
        assertThat(made.exitCode()).as("pg_basebackup: %s", made.output()).isZero();
        OsUser.unprivileged().chownRecursively(backup);
        TestNodes.execute(source, "INSERT INTO t VALUES (4), (5)");
        TestNodes.execute(source, "SELECT pg_create_restore_point('before_6')");
        TestNodes.execute(source, "INSERT INTO t VALUES (6)");
        String last = TestNodes.value(source, "SELECT pg_walfile_name(pg_switch_wal())");
        TestNodes.await(last + " archived", Duration.ofSeconds(30), () -> Files.exists(archive.resolve(last)));
        source.stop(io.hapg.core.spi.DatabaseNode.StopMode.FAST);
        restore = nodes.shellScript("restore.sh", "echo \"$@\" > \"$(dirname \"$0\")/restore.args\"\n"
                + "for a in \"$@\"; do case \"$a\" in --datadir=*) d=${a#--datadir=} ;; esac; done\n"
                + "cp -R \"" + backup + "\"/. \"$d\"\n");
    }

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void theRestoredBackupRunsAsPrimaryWithItsRowsAndAReplicaClonesFromIt() throws IOException {
        Path psql = PgInstallation.findBinDir(Optional.empty()).orElseThrow().resolve("psql");
        Path post = nodes.shellScript("post.sh", "\"" + psql + "\" \"$1\" -v ON_ERROR_STOP=1 -c \"CREATE TABLE"
                + " counted_after_restore AS SELECT count(*) AS n FROM t\"\n");
        PostgresNode restored = nodes.node(nodes.config("restored").bootstrapMethod(method(restore, Map.of(),
                false)).postBootstrap(List.of(post.toString())).build());

        restored.bootstrap();

        assertThat(TestNodes.value(restored, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t")).isEqualTo("1,2,3");
        assertThat(TestNodes.value(restored, "SELECT n FROM counted_after_restore")).as("post_bootstrap ran")
                .isEqualTo("3");
        assertThat(restored.probe().inRecovery()).as("in recovery").isFalse();
        assertThat(Files.readString(nodes.base().resolve("restore.args")).strip())
                .isEqualTo("--scope=demo --datadir=" + restored.config().dataDir() + " --stanza=main");
        PostgresNode replica = nodes.node("replica");
        replica.cloneFrom(member(restored));
        TestNodes.execute(restored, "INSERT INTO t VALUES (7)");
        awaitCaughtUp(replica, restored);
        assertThat(TestNodes.value(replica, "SELECT count(*) FROM t")).isEqualTo("4");
    }

    @Test
    void recoveryConfReplaysTheArchiveToItsTargetThenPromotes() {
        PostgresNode restored = nodes.node(nodes.config("pitr").bootstrapMethod(method(restore, Map.of(
                "restore_command", "cp " + archive + "/%f %p", "recovery_target_name", "before_6",
                "recovery_target_action", "promote"), false)).build());

        restored.bootstrap();

        assertThat(TestNodes.value(restored, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"))
                .isEqualTo("1,2,3,4,5");
        assertThat(restored.probe().inRecovery()).as("in recovery").isFalse();
        assertThat(TestNodes.value(restored, "SHOW restore_command")).as("recovery settings after the promotion")
                .isEmpty();
        TestNodes.execute(restored, "INSERT INTO t VALUES (8)");
    }

    @Test
    void theBackupsOwnRecoverySettingsAreUsedOnlyWithKeepExistingRecoveryConf() {
        // As pgBackRest restores: recovery.signal and restore_command in postgresql.auto.conf.
        Path withSignal = nodes.shellScript("restore-with-signal.sh", "for a in \"$@\"; do case \"$a\" in"
                + " --datadir=*) d=${a#--datadir=} ;; esac; done\ncp -R \"" + backup + "\"/. \"$d\"\n"
                + "touch \"$d/recovery.signal\"\necho \"restore_command = 'cp " + archive + "/%f %p'\" >>"
                + " \"$d/postgresql.auto.conf\"\n");
        PostgresNode kept = nodes.node(nodes.config("kept").bootstrapMethod(new BootstrapMethod("restore",
                List.of(withSignal.toString()), List.of(), "demo", false, true, Map.of())).build());
        kept.bootstrap();
        assertThat(TestNodes.value(kept, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"))
                .as("the whole archive replayed").isEqualTo("1,2,3,4,5,6");
        assertThat(kept.probe().inRecovery()).as("in recovery").isFalse();
        kept.stop(io.hapg.core.spi.DatabaseNode.StopMode.FAST);

        PostgresNode removed = nodes.node(nodes.config("removed").bootstrapMethod(new BootstrapMethod("restore",
                List.of(withSignal.toString()), List.of(), "demo", false, false, Map.of())).build());
        removed.bootstrap();
        assertThat(TestNodes.value(removed, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"))
                .as("recovery.signal removed: only the backup").isEqualTo("1,2,3");
    }

    @Test
    void aFailingCommandOrOneThatLeavesNothingFailsTheBootstrapWithAnEmptyDataDirectory() throws IOException {
        Path failing = nodes.shellScript("fail.sh", "cp -R \"" + backup + "\"/. \"${2#--datadir=}\"\n"
                + "echo 'no such backup' >&2\nexit 3\n");
        PostgresConfig failed = nodes.config("failed").bootstrapMethod(method(failing, Map.of(), false)).build();
        assertThatThrownBy(nodes.node(failed)::bootstrap).isInstanceOf(DatabaseUnavailableException.class)
                .hasMessageContaining("bootstrap-method-restore failed with exit code 3")
                .hasMessageContaining("no such backup");
        assertEmpty(failed.dataDir());

        PostgresConfig nothing = nodes.config("nothing").bootstrapMethod(method(nodes.shellScript("nothing.sh",
                "exit 0\n"), Map.of(), true)).build();
        assertThatThrownBy(nodes.node(nothing)::bootstrap).isInstanceOf(DatabaseUnavailableException.class)
                .hasMessageContaining("bootstrap method restore exited 0 but left no PostgreSQL data directory");
        assertEmpty(nothing.dataDir());
    }

    private static BootstrapMethod method(Path script, Map<String, String> recoveryConf, boolean noParams) {
        return new BootstrapMethod("restore", List.of(script.toString()), List.of("--stanza=main"), "demo", noParams,
                false, recoveryConf);
    }

    private static void assertEmpty(Path dir) throws IOException {
        List<Path> left = new ArrayList<>();
        try (var content = Files.list(dir)) {
            content.forEach(left::add);
        }
        assertThat(left).as("left in %s", dir).isEmpty();
    }
}
