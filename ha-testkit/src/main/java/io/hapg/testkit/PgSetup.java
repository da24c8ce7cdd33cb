package io.hapg.testkit;

import io.hapg.process.OsUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Creates and configures data directories: initdb, pg_basebackup, the config files. */
final class PgSetup {
    /** Included last from postgresql.conf; holds what differs between a primary and its clones. */
    static final String INSTANCE_CONF = "hapg.instance.conf";
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(120);

    private static final String COMMON_CONF = String.join("\n",
            "",
            "# added by the hapg testkit",
            "wal_level = replica",
            "max_wal_senders = 10",
            "max_replication_slots = 10",
            "wal_keep_size = '128MB'",
            "hot_standby = on",
            "wal_retrieve_retry_interval = '1s'",
            "wal_log_hints = on",
            "fsync = off",
            "shared_buffers = '16MB'",
            "max_connections = 40",
            "log_line_prefix = '%m [%p] '",
            "");

    private static final String HBA = String.join("\n",
            "# written by the hapg testkit: loopback only, no passwords",
            "local all all trust",
            "local replication all trust",
            "host all all 127.0.0.1/32 trust",
            "host replication all 127.0.0.1/32 trust",
            "");

    private final PgBinaries binaries;
    private final OsUser user;
    private final Path baseDir;
    private final List<ManagedProcess> toolRuns;

    PgSetup(PgBinaries binaries, OsUser user, Path baseDir, List<ManagedProcess> toolRuns) {
        this.binaries = binaries;
        this.user = user;
        this.baseDir = baseDir;
        this.toolRuns = toolRuns;
    }

    /** Runs initdb into {@code dataDir} and writes the replication-ready configuration. */
    void initdb(Path dataDir, Map<String, String> settings) {
        runTool("initdb", List.of(binaries.tool("initdb").toString(), "-D", dataDir.toString(), "-U", "postgres",
                "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"));
        StringBuilder conf = new StringBuilder(COMMON_CONF);
        settings.forEach((key, value) -> conf.append(key).append(" = '").append(value.replace("'", "''"))
                .append("'\n"));
        conf.append("include_if_exists = '").append(INSTANCE_CONF).append("'\n");
        append(dataDir.resolve("postgresql.conf"), conf.toString());
        write(dataDir.resolve("pg_hba.conf"), HBA);
    }

    /**
     * Clones the running {@code source} into {@code dataDir} with pg_basebackup (WAL streamed,
     * standby.signal and primary_conninfo written), creating {@code slot} on the source if given.
     */
    void basebackup(LocalPostgres source, Path dataDir, String slot) {
        List<String> command = new ArrayList<>(List.of(binaries.tool("pg_basebackup").toString(),
                "-h", source.host(), "-p", Integer.toString(source.port()), "-U", "postgres",
                "-D", dataDir.toString(), "-X", "stream", "-R", "-c", "fast", "--no-sync"));
        if (slot != null) {
            command.addAll(List.of("-C", "-S", slot));
        }
        runTool("pg_basebackup", command);
    }

    /** (Re)writes the per-instance settings; every file under the base dir goes to the user. */
    void writeInstanceConf(Path dataDir, int port, Path socketDir) {
        write(dataDir.resolve(INSTANCE_CONF), "# written by the hapg testkit for this instance\n"
                + "listen_addresses = '127.0.0.1'\n"
                + "port = " + port + "\n"
                + "unix_socket_directories = '" + socketDir + "'\n");
        user.chownRecursively(baseDir);
    }

    private void runTool(String tool, List<String> command) {
        ManagedProcess run = ManagedProcess.start(tool, user.wrap(command), baseDir.resolve(tool + ".log"),
                Map.of(), baseDir);
        toolRuns.add(run);
        try {
            if (!run.waitForExit(TOOL_TIMEOUT)) {
                run.kill();
                throw new IllegalStateException(tool + " did not finish within " + TOOL_TIMEOUT + "; log tail:\n"
                        + run.logTail(30));
            }
            if (run.exitCode() != 0) {
                throw new IllegalStateException(tool + " failed with exit code " + run.exitCode() + "; log tail:\n"
                        + run.logTail(30));
            }
        } finally {
            run.close();
        }
    }

    private static void append(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
