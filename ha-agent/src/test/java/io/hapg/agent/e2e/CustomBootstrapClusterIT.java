package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.process.Commands;
import io.hapg.process.OsUser;
import io.hapg.process.PgInstallation;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A custom {@code bootstrap.method} through real agents and etcd: a two-node cluster is created
 * from a pg_basebackup of another hapg cluster by a restore script. Its first attempt fails after
 * copying the backup: the agent empties the data directory and releases the {@code initialize}
 * key, so a bootstrap runs again (the script refuses a data directory that is not empty); the
 * second attempt makes the primary, with the backup's rows, and the other node clones from it.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CustomBootstrapClusterIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @TempDir
    Path dir;

    private LocalCluster source;
    private LocalCluster cluster;

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aFailedRestoreIsRetriedOnAnEmptyDataDirectoryThenTheBackupRunsAsTheNewCluster() throws IOException {
        long t0 = System.nanoTime();
        source = E2e.patroniDefaults("boot-source").nodes(1).start();
        logs.watch(source);
        ClusterNode origin = source.awaitConverged(E2e.BOOT);
        origin.execute("CREATE TABLE t AS SELECT generate_series(1, 42) AS id");
        Path work = Files.createDirectories(dir.resolve("work"));
        Path backup = work.resolve("backup");
        Path basebackup = PgInstallation.findBinDir(Optional.empty()).orElseThrow().resolve("pg_basebackup");
        Commands.Result made = Commands.run(List.of("env", "PGPASSWORD=" + source.superuser().password(),
                basebackup.toString(), "-D", backup.toString(), "-X", "stream", "-c", "fast", "-d",
                "host=127.0.0.1 port=" + origin.pgPort() + " user=" + source.superuser().username()),
                Duration.ofSeconds(60));
        assertThat(made.exitCode()).as("pg_basebackup: %s", made.output()).isZero();
        source.close();
        source = null;
        Path script = work.resolve("restore.sh");
        Files.writeString(script, "#!/bin/sh\n"
                + "for a in \"$@\"; do case \"$a\" in --datadir=*) d=${a#--datadir=} ;; esac; done\n"
                + "echo \"$@\" >> " + work + "/attempts\n"
                + "if [ -n \"$(ls -A \"$d\")\" ]; then echo \"$d is not empty\" >&2; exit 9; fi\n"
                + "cp -R " + backup + "/. \"$d\"\n"
                + "if [ ! -e " + work + "/failed-once ]; then touch " + work + "/failed-once;"
                + " echo 'simulated restore failure' >&2; exit 3; fi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        OsUser.unprivileged().chownRecursively(dir);

        long started = System.nanoTime();
        cluster = E2e.patroniDefaults("boot-restored").nodes(2).bootstrap("method", "restore")
                .bootstrap("restore", Map.of("command", script.toString())).start();
        logs.watch(cluster);
        ClusterNode primary = cluster.awaitConverged(E2e.BOOT);
        long converged = System.nanoTime();

        List<String> attempts = Files.readAllLines(work.resolve("attempts"));
        assertThat(attempts).as("a failed attempt, then one on an emptied data directory").hasSize(2)
                .allMatch(a -> a.startsWith("--scope=boot-restored --datadir="));
        assertThat(primary.query("SELECT count(*) FROM t")).containsExactly("42");
        assertThat(primary.query("SELECT pg_is_in_recovery()")).containsExactly("f");
        ClusterNode replica = cluster.nodes().stream().filter(n -> n != primary).findFirst().orElseThrow();
        primary.execute("INSERT INTO t VALUES (43)");
        E2e.awaitReplayed(replica, primary);
        assertThat(replica.query("SELECT count(*) FROM t")).containsExactly("43");
        report("[bootstrap] custom method: restore failed once, retried, 2-node cluster from the backup converged "
                + (converged - started) / 1_000_000 + " ms after start; whole test " + (System.nanoTime() - t0)
                / 1_000_000 + " ms (" + E2e.timings() + ")");
    }
}
