package io.hapg.postgres;

import io.hapg.core.config.PgUser;
import io.hapg.core.model.Member;
import io.hapg.process.OsUser;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.testkit.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Real {@link PostgresNode}s for tests, in one temporary directory on loopback ports. When the
 * JVM is root they run as {@link OsUser#unprivileged()}. {@link #close()} kills every server;
 * {@link NodeLogs} prints {@link #logs()} when a test failed and then deletes the directory.
 */
final class TestNodes implements AutoCloseable {
    static final PgUser SUPERUSER = PgUser.of("postgres", "su-secret");
    static final PgUser REPLICATION = PgUser.of("replicator", "repl-secret");
    static final PgUser REWIND = PgUser.of("rewinder", "rewind-secret");

    private final Path base;
    private final List<PostgresNode> nodes = new CopyOnWriteArrayList<>();

    TestNodes() {
        try {
            base = Files.createTempDirectory(Path.of("/tmp"), "hapg-pgnode-");
            OsUser.unprivileged().chown(base);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A config for member {@code name}: its own data dir and free port, fast for tests (no fsync). */
    PostgresConfig.Builder config(String name) {
        OsUser user = OsUser.unprivileged();
        PostgresConfig.Builder builder = PostgresConfig.builder()
                .memberName(name)
                .dataDir(base.resolve(name).resolve("data"))
                .port(FreePorts.next())
                .superuser(SUPERUSER)
                .replication(REPLICATION)
                .rewind(REWIND)
                .initdbOptions(List.of("--no-sync", "--encoding=UTF8", "--locale=C"))
                .parameters(Map.of("fsync", "off", "shared_buffers", "16MB", "max_connections", "30",
                        "wal_retrieve_retry_interval", "200ms", "log_line_prefix", "%m [%p] "))
                .startTimeout(Duration.ofSeconds(30))
                .stopTimeout(Duration.ofSeconds(20))
                .cloneTimeout(Duration.ofSeconds(60))
                .rewindTimeout(Duration.ofSeconds(60));
        if (OsUser.current().isRoot()) {
            builder.osUser(user.name());
        }
        return builder;
    }

    /**
     * Patroni's {@code postgresql.bin_name} on {@code builder}: a bin directory of symlinks only, each
     * tool renamed {@code pg-<tool>} (no file has a tool's own name, so a default name would fail).
     */
    PostgresConfig.Builder customBinNames(PostgresConfig.Builder builder) {
        Path real = io.hapg.process.PgInstallation.findBinDir(java.util.Optional.empty()).orElseThrow();
        Path bin = base.resolve("custom-bin");
        Map<String, String> names = new java.util.LinkedHashMap<>();
        try {
            Files.createDirectories(bin);
            for (String tool : List.of("postgres", "initdb", "pg_controldata", "pg_basebackup", "pg_rewind",
                    "pg_ctl", "pg_isready")) {
                String name = "pg-" + tool.replace("pg_", "");
                if (!Files.exists(bin.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(bin.resolve(name), real.resolve(tool));
                }
                names.put(tool, name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return builder.binDir(bin).binNames(names);
    }

    PostgresNode node(String name) {
        return node(config(name).build());
    }

    PostgresNode node(PostgresConfig config) {
        try {
            Files.createDirectories(config.dataDir().getParent());
            OsUser.unprivileged().chown(config.dataDir().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PostgresNode node = PostgresNode.create(config);
        nodes.add(node);
        return node;
    }

    Path base() {
        return base;
    }

    /** An executable {@code /bin/sh} script in {@link #base()}, for the commands a node runs (post_bootstrap, replica methods). */
    Path shellScript(String name, String body) {
        Path script = base.resolve(name);
        try {
            Files.writeString(script, "#!/bin/sh\n" + body);
            Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return script;
    }

    static Member member(DatabaseNode node) {
        PostgresNode pg = (PostgresNode) node;
        return Member.of(pg.config().memberName(), pg.config().connUrl(), "http://127.0.0.1:8008/patroni");
    }

    static Connection connect(DatabaseNode node, int timeoutSeconds) throws SQLException {
        PostgresConfig c = ((PostgresNode) node).config();
        Properties props = new Properties();
        props.setProperty("user", SUPERUSER.username());
        props.setProperty("password", SUPERUSER.password().orElseThrow().reveal());
        props.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
        props.setProperty("socketTimeout", Integer.toString(timeoutSeconds));
        props.setProperty("ApplicationName", "hapg-test");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + c.port() + "/postgres", props);
    }

    static void execute(DatabaseNode node, String sql) {
        try (Connection c = connect(node, 30); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(node + ": " + e.getMessage() + " [" + sql + "]", e);
        }
    }

    static List<List<String>> query(DatabaseNode node, String sql) {
        try (Connection c = connect(node, 30); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<List<String>> rows = new ArrayList<>();
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(Collections.unmodifiableList(row));
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(node + ": " + e.getMessage() + " [" + sql + "]", e);
        }
    }

    static String value(DatabaseNode node, String sql) {
        return query(node, sql).get(0).get(0);
    }

    /** Polls {@code condition} every 20 ms until it holds, for at most {@code timeout}. */
    static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting until " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
    }

    /** Waits until {@code replica} replayed everything the primary wrote so far. */
    static void awaitCaughtUp(DatabaseNode replica, DatabaseNode primary) {
        io.hapg.core.model.Lsn target = primary.probe().writeLsn().orElseThrow();
        await(replica + " replayed " + target, Duration.ofSeconds(30), () -> replica.probe().replayLsn()
                .map(lsn -> lsn.compareTo(target) >= 0).orElse(false));
    }

    static String firstLine(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).get(0).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Tails of every log the nodes' servers and tools wrote. */
    String logs() {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> files = Files.walk(base)) {
            files.filter(p -> p.toString().endsWith(".log") && p.toString().contains(".hapg")).sorted()
                    .forEach(p -> {
                        try {
                            List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
                            out.append("----- ").append(p).append(" -----\n").append(String.join("\n",
                                    lines.subList(Math.max(0, lines.size() - 60), lines.size()))).append('\n');
                        } catch (IOException e) {
                            out.append("(cannot read ").append(p).append(")\n");
                        }
                    });
        } catch (IOException | UncheckedIOException e) {
            out.append("(cannot list ").append(base).append(")\n");
        }
        return out.toString();
    }

    /** Kills every node's server and closes the nodes; the directory stays for {@link #delete()}. */
    @Override
    public void close() {
        forEachQuietly(n -> n.stop(StopMode.KILL));
        forEachQuietly(PostgresNode::close);
    }

    /** Deletes the directory (after {@link #close()}). */
    void delete() {
        try (Stream<Path> tree = Files.walk(base)) {
            for (Path p : (Iterable<Path>) tree.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + base, e);
        }
    }

    private void forEachQuietly(Consumer<PostgresNode> action) {
        for (PostgresNode node : nodes) {
            try {
                action.accept(node);
            } catch (RuntimeException e) {
                System.out.println("cleanup of " + node + " failed: " + e);
            }
        }
    }
}
