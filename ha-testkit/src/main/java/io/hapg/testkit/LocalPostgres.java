package io.hapg.testkit;

import io.hapg.process.Commands;
import io.hapg.process.OsUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server on 127.0.0.1 with a private data directory, for tests.
 *
 * <pre>{@code
 * try (LocalPostgres primary = LocalPostgres.builder().name("pg1").createPrimary().start();
 *      LocalPostgres replica = LocalPostgres.builder().name("pg2").createReplicaOf(primary).start()) {
 *     primary.execute("CREATE TABLE t (v int)");
 * }
 * }</pre>
 *
 * <p>The postmaster is a direct child of the JVM ({@code postgres -D ...}, never {@code pg_ctl
 * start}), so its death is observed exactly. When the JVM runs as root every PostgreSQL command
 * runs as {@link OsUser#unprivileged()}. All methods are thread-safe; lifecycle methods are
 * serialized. {@link #close()} deletes the data directory but keeps the logs (a few kB) in
 * {@link #baseDir()} so that a failing test can still show them.
 */
public final class LocalPostgres implements AutoCloseable, ProcessOwner {
    /** How {@link #stop(ShutdownMode)} asks the postmaster to shut down. */
    public enum ShutdownMode {
        /** SIGTERM: wait for clients to disconnect. */
        SMART("TERM"),
        /** SIGINT: abort sessions, checkpoint, exit. */
        FAST("INT"),
        /** SIGQUIT: exit at once; crash recovery on the next start. */
        IMMEDIATE("QUIT");

        private final String signal;

        ShutdownMode(String signal) {
            this.signal = signal;
        }
    }

    private static final int PORT_ATTEMPTS = 3;
    private static final int SQL_TIMEOUT_SECONDS = 30;

    private final String name;
    private final PgBinaries binaries;
    private final OsUser user;
    private final Path baseDir;
    private final Path dataDir;
    private final Path socketDir;
    private final Duration startTimeout;
    private final Duration stopTimeout;
    private final PgSetup setup;
    private final List<ManagedProcess> toolRuns = new CopyOnWriteArrayList<>();
    private volatile int port;
    private final Postmaster postmaster;
    private boolean closed;

    private LocalPostgres(Builder builder, PgBinaries binaries, OsUser user, Path baseDir) {
        this.name = builder.name;
        this.binaries = binaries;
        this.user = user;
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.socketDir = baseDir.resolve("sock");
        this.startTimeout = builder.startTimeout;
        this.stopTimeout = builder.stopTimeout;
        this.setup = new PgSetup(binaries, user, baseDir, toolRuns);
        this.postmaster = new Postmaster(name, binaries, user, dataDir, baseDir);
        this.port = FreePorts.next();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the postmaster and waits until it accepts connections (a standby: until it accepts
     * read-only connections). A port taken meanwhile by another process is replaced by a fresh one
     * (up to 3 tries); the port otherwise stays the same across restarts.
     *
     * @return this
     * @throws IllegalStateException when already running or closed, when postgres exits during
     *     startup, or when it does not accept connections within the start timeout (it is then
     *     killed); the message holds the tail of the server log
     */
    public synchronized LocalPostgres start() {
        if (closed || isRunning()) {
            throw new IllegalStateException(name + " is " + (closed ? "closed" : "already running"));
        }
        for (int attempt = 1; !postmaster.start(jdbcUrl(), startTimeout); attempt++) {
            if (attempt == PORT_ATTEMPTS) {
                throw new IllegalStateException(name + ": every port tried was in use, the last " + port);
            }
            port = FreePorts.next();
            setup.writeInstanceConf(dataDir, port, socketDir);
        }
        return this;
    }

    /** {@link #stop(ShutdownMode)} with {@link ShutdownMode#FAST}. */
    public void stop() {
        stop(ShutdownMode.FAST);
    }

    /**
     * Thaws the postmaster if frozen, signals it per {@code mode} and waits for it to exit; after the
     * stop timeout it and its children are SIGKILLed. Returns at once when not running.
     */
    public synchronized void stop(ShutdownMode mode) {
        postmaster.stop(mode.signal, stopTimeout);
    }

    /**
     * SIGKILLs the postmaster and all its descendants (a crash), and returns once none of them
     * runs, so that a restart on the same data directory is not blocked by orphaned backends.
     * Returns at once when not running.
     */
    public synchronized void kill() {
        postmaster.kill();
    }

    /**
     * SIGSTOPs the postmaster and its descendants: connections stay open but nothing answers.
     *
     * @throws IllegalStateException when not running
     */
    public synchronized void freeze() {
        postmaster.requireRunning().freeze();
    }

    /**
     * SIGCONTs the postmaster and its descendants.
     *
     * @throws IllegalStateException when not running
     */
    public synchronized void thaw() {
        postmaster.requireRunning().thaw();
    }

    /** Whether the postmaster process is alive (frozen counts as alive). */
    public boolean isRunning() {
        return postmaster.isRunning();
    }

    /**
     * Waits until a connection succeeds and answers {@code SELECT 1}.
     *
     * @throws IllegalStateException when the postmaster is not running or dies meanwhile, or on
     *     timeout; the message holds the tail of the server log
     */
    public void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!PgJdbc.canConnect(jdbcUrl())) {
            ManagedProcess process = postmaster.requireRunning();
            if (System.nanoTime() >= deadline) {
                throw new IllegalStateException(name + " not ready within " + timeout + "; log tail:\n"
                        + process.logTail(40));
            }
            Commands.pause(50);
        }
    }

    /**
     * Runs {@code sql} (any statement, or several separated by semicolons) on a fresh connection,
     * with every network wait bounded by 30 s.
     *
     * @throws IllegalStateException wrapping the {@link SQLException} when it fails
     */
    public void execute(String sql) {
        try {
            PgJdbc.execute(jdbcUrl(), sql, SQL_TIMEOUT_SECONDS);
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + e.getMessage() + " [" + sql + "]", e);
        }
    }

    /**
     * Runs the query {@code sql} on a fresh connection (every network wait bounded by 30 s) and
     * returns its rows, each an unmodifiable list of column values as text (SQL NULL is null).
     *
     * @throws IllegalStateException wrapping the {@link SQLException} when it fails
     */
    public List<List<String>> query(String sql) {
        try {
            return PgJdbc.query(jdbcUrl(), sql, SQL_TIMEOUT_SECONDS);
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + e.getMessage() + " [" + sql + "]", e);
        }
    }

    public String name() {
        return name;
    }

    /** Always {@code 127.0.0.1}. */
    public String host() {
        return "127.0.0.1";
    }

    /** The TCP port; it changes only when a start found it taken. */
    public int port() {
        return port;
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/postgres?user=postgres} (trust authentication). */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host() + ":" + port + "/postgres?user=postgres";
    }

    /** The temporary directory holding {@code data/}, {@code sock/} and the logs. */
    public Path baseDir() {
        return baseDir;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The directory of the unix-domain socket (never /var/run/postgresql). */
    public Path socketDir() {
        return socketDir;
    }

    public Path binDir() {
        return binaries.dir();
    }

    /** The PostgreSQL major version of {@link #binDir()}, e.g. 15. */
    public int majorVersion() {
        return binaries.majorVersion();
    }

    /** The account PostgreSQL runs as. */
    public OsUser osUser() {
        return user;
    }

    @Override
    public List<ManagedProcess> processes() {
        List<ManagedProcess> all = new ArrayList<>(toolRuns);
        postmaster.process().ifPresent(all::add);
        return all;
    }

    /**
     * Stops the server (fast), then deletes the data and socket directories; the logs stay.
     * Idempotent.
     *
     * @throws UncheckedIOException when the directories cannot be deleted
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop(ShutdownMode.FAST);
        deleteRecursively(dataDir);
        deleteRecursively(socketDir);
    }

    @Override
    public String toString() {
        return "LocalPostgres[" + name + " 127.0.0.1:" + port + " " + dataDir + (isRunning() ? " running" : "") + "]";
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path p : (Iterable<Path>) tree.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException gone) {
            // Nothing to delete.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    /** Options for a new instance; {@link #createPrimary()} or {@link #createReplicaOf} builds it. */
    public static final class Builder {
        private String name = "pg";
        private Path binDir;
        private Path parentDir = Path.of(System.getProperty("java.io.tmpdir"));
        private Duration startTimeout = Duration.ofSeconds(30);
        private Duration stopTimeout = Duration.ofSeconds(30);
        private final Map<String, String> settings = new LinkedHashMap<>();

        private Builder() {
        }

        /** Names the instance in logs, errors and the base directory; default {@code pg}. */
        public Builder name(String name) {
            if (name == null || !name.matches("[A-Za-z0-9_.-]{1,40}")) {
                throw new IllegalArgumentException("name must be 1-40 of [A-Za-z0-9_.-], got " + name);
            }
            this.name = name;
            return this;
        }

        /**
         * The PostgreSQL bin directory. Default: system property {@code hapg.pg.bindir}, env
         * {@code HAPG_PG_BINDIR}, {@code pg_config --bindir}, then the highest
         * {@code /usr/lib/postgresql/<13..17>/bin}.
         */
        public Builder binDir(Path binDir) {
            this.binDir = Objects.requireNonNull(binDir, "binDir");
            return this;
        }

        /** Where the base directory is created; default {@code java.io.tmpdir}. */
        public Builder parentDir(Path parentDir) {
            this.parentDir = Objects.requireNonNull(parentDir, "parentDir");
            return this;
        }

        /** An extra postgresql.conf setting, for a primary and (via the clone) its replicas. */
        public Builder setting(String key, String value) {
            if (key == null || !key.matches("[a-z_.]+") || value == null) {
                throw new IllegalArgumentException("setting key must match [a-z_.]+ and value be non-null, got "
                        + key + "=" + value);
            }
            settings.put(key, value);
            return this;
        }

        /** How long {@link LocalPostgres#start()} waits for connections; default 30 s. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = positive(timeout, "startTimeout");
            return this;
        }

        /** How long a stop waits before SIGKILL; default 30 s. */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = positive(timeout, "stopTimeout");
            return this;
        }

        /**
         * Creates a fresh primary with initdb (user {@code postgres}, trust, UTF8) configured for
         * streaming replication. It is not started.
         *
         * @throws MissingBinaryException when postgres or initdb is missing; the message names the path
         * @throws IllegalStateException when the PostgreSQL version is unsupported or initdb fails
         */
        public LocalPostgres createPrimary() {
            LocalPostgres pg = prepare();
            pg.setup.initdb(pg.dataDir, settings);
            pg.setup.writeInstanceConf(pg.dataDir, pg.port, pg.socketDir);
            return pg;
        }

        /** {@link #createReplicaOf(LocalPostgres, String)} without a replication slot. */
        public LocalPostgres createReplicaOf(LocalPostgres source) {
            return replica(source, null);
        }

        /**
         * Clones the running {@code source} with pg_basebackup ({@code -X stream -R}) into a streaming
         * standby that uses (and creates on the source) replication slot {@code slot}. Not started.
         *
         * @throws IllegalStateException when the source is not running or pg_basebackup fails
         */
        public LocalPostgres createReplicaOf(LocalPostgres source, String slot) {
            if (slot == null || !slot.matches("[a-z0-9_]{1,63}")) {
                throw new IllegalArgumentException("slot must be 1-63 of [a-z0-9_], got " + slot);
            }
            return replica(source, slot);
        }

        private LocalPostgres replica(LocalPostgres source, String slot) {
            if (!source.isRunning()) {
                throw new IllegalStateException("cannot clone " + source.name() + ": it is not running");
            }
            LocalPostgres pg = prepare();
            pg.setup.basebackup(source, pg.dataDir, slot);
            pg.setup.writeInstanceConf(pg.dataDir, pg.port, pg.socketDir);
            return pg;
        }

        private LocalPostgres prepare() {
            PgBinaries binaries = PgBinaries.locate(Optional.ofNullable(binDir));
            OsUser user = OsUser.unprivileged();
            if (!user.canTraverse(parentDir)) {
                throw new IllegalStateException(user + " cannot traverse " + parentDir
                        + "; choose another directory with LocalPostgres.Builder.parentDir");
            }
            try {
                Path base = Files.createTempDirectory(parentDir, "hapg-pg-" + name + "-");
                Files.createDirectory(base.resolve("sock"));
                user.chownRecursively(base);
                return new LocalPostgres(this, binaries, user, base);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a base directory in " + parentDir, e);
            }
        }

        private static Duration positive(Duration d, String field) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(field + " must be > 0, got " + d);
            }
            return d;
        }
    }
}
