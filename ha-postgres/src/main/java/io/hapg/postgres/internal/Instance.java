package io.hapg.postgres.internal;

import io.hapg.core.callbacks.BeforeStopScript;
import io.hapg.core.config.PgUser;
import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.core.spi.FatalHaException;
import io.hapg.postgres.PostgresConfig;
import io.hapg.process.Commands;
import io.hapg.process.OsUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything one PostgreSQL instance is made of, checked once: the OS user, the binaries, the data
 * and run directories, the postmaster, the configuration writer and the tool runner. Shared by
 * {@code PostgresNode} and its helpers; thread-safe.
 */
public final class Instance {
    private final PostgresConfig config;
    private final OsUser user;
    private final PgBinaries binaries;
    private final DataDir dataDir;
    private final Path runDir;
    private final Path passFile;
    private final ToolRunner tools;
    private final Postmaster postmaster;
    private final ConfigFiles files;
    private final Optional<BeforeStopScript> beforeStop;
    private volatile CachedControl cachedControl;

    private record CachedControl(FileTime modified, ControlData data) {
    }

    private Instance(PostgresConfig config, OsUser user, PgBinaries binaries) {
        this.config = config;
        this.user = user;
        this.binaries = binaries;
        this.dataDir = new DataDir(config.dataDir(), user);
        this.runDir = config.effectiveRunDir();
        this.passFile = runDir.resolve("pgpass");
        this.tools = new ToolRunner(config.memberName(), user, runDir, passFile);
        this.postmaster = new Postmaster(config.memberName(), config.dataDir(), configFile(config),
                runDir.resolve("postgres.log"), binaries.postgresProcessName());
        this.files = new ConfigFiles(config, user, runDir.resolve("sock"), passFile);
        this.beforeStop = config.beforeStop().map(command -> new BeforeStopScript(command, config.beforeStopTimeout()));
    }

    /**
     * Checks the machine against {@code config} and prepares the run directory.
     *
     * @throws FatalHaException naming the field or path that cannot work; the data directory is
     *     only read
     */
    public static Instance open(PostgresConfig config) {
        OsUser user = osUser(config);
        PgBinaries binaries = PgBinaries.locate(config.binDir(), config.binNames());
        Instance instance = new Instance(config, user, binaries);
        instance.checkDataDir();
        instance.prepareRunDir();
        instance.prepareConfigDir();
        return instance;
    }

    /** The {@code postgresql.conf} PostgreSQL starts with: in the configuration directory. */
    public static Path configFile(PostgresConfig config) {
        return config.effectiveConfigDir().resolve("postgresql.conf");
    }

    /**
     * A configuration directory outside the data directory (Patroni's {@code config_dir}) is
     * created if missing, as the data directory (owned by the OS user, mode 0700); an existing
     * one is kept as it is ({@code /etc/postgresql/16/main}, say) but must be writable here and
     * reachable by the OS user. {@code customConf} must be a file the OS user can read.
     */
    private void prepareConfigDir() {
        config.customConf().ifPresent(file -> {
            if (!Files.isRegularFile(file)) {
                throw new FatalHaException("customConf " + file + (Files.exists(file) ? " is not a regular file"
                        : " does not exist") + "; it must exist on every member");
            }
            if (!Commands.run(user.wrap(List.of("test", "-r", file.toString())), Duration.ofSeconds(10)).succeeded()) {
                throw new FatalHaException("customConf " + file + " is not readable by " + user
                        + ", who runs PostgreSQL");
            }
        });
        if (!config.configOutsideDataDir()) {
            return;
        }
        Path dir = config.effectiveConfigDir();
        try {
            if (!Files.exists(dir)) {
                Files.createDirectories(dir);
                user.chown(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException | UnsupportedOperationException | java.io.UncheckedIOException e) {
            throw new FatalHaException("cannot create configDir " + dir + ": " + e, e);
        }
        if (!Files.isDirectory(dir)) {
            throw new FatalHaException("configDir " + dir + " is not a directory");
        }
        if (!Files.isWritable(dir)) {
            throw new FatalHaException("configDir " + dir + " is not writable by " + OsUser.current()
                    + ", who writes postgresql.conf there");
        }
        if (!user.canTraverse(dir)) {
            throw new FatalHaException("configDir " + dir + ": " + user + ", who runs PostgreSQL, cannot reach it");
        }
    }

    private static OsUser osUser(PostgresConfig config) {
        OsUser current = OsUser.current();
        if (current.isRoot()) {
            String name = config.osUser().orElseThrow(() -> new FatalHaException("osUser is required when running"
                    + " as root: PostgreSQL refuses to run as root; name an unprivileged account"));
            OsUser user = OsUser.lookup(name).orElseThrow(() -> new FatalHaException("osUser " + name
                    + " does not exist; create it (useradd --system " + name + ") or name another"));
            if (user.isRoot()) {
                throw new FatalHaException("osUser " + name + " is root; PostgreSQL refuses to run as root");
            }
            return user;
        }
        if (config.osUser().isPresent() && !config.osUser().get().equals(current.name())) {
            throw new FatalHaException("osUser " + config.osUser().get() + " differs from the account this JVM runs as ("
                    + current + "), and only root can switch accounts");
        }
        return current;
    }

    private void checkDataDir() {
        Path path = dataDir.path();
        switch (dataDir.content()) {
            case FOREIGN:
                throw new FatalHaException("dataDir " + path + " is not empty and is not a PostgreSQL data directory"
                        + " (no PG_VERSION); refusing to use it");
            case CLUSTER:
                int version = dataDir.majorVersion().orElseThrow(() ->
                        new FatalHaException("dataDir " + path + " has an unreadable PG_VERSION"));
                if (version != binaries.majorVersion()) {
                    throw new FatalHaException("dataDir " + path + " holds a PostgreSQL " + version + " cluster but binDir "
                            + binaries.dir() + " is PostgreSQL " + binaries.majorVersion());
                }
                if (dataDir.isInitialized()) {
                    controlData().systemIdentifier().ifPresent(this::requireSameCluster);
                }
                break;
            default:
                Path ancestor = path.getParent();
                while (ancestor != null && !Files.isDirectory(ancestor)) {
                    ancestor = ancestor.getParent();
                }
                if (ancestor == null || !user.canTraverse(ancestor)) {
                    throw new FatalHaException("dataDir " + path + ": " + user + " cannot reach " + ancestor);
                }
        }
    }

    /**
     * @throws FatalHaException when {@code systemIdentifier} is not the configured cluster's
     */
    public void requireSameCluster(String systemIdentifier) {
        config.expectedSystemIdentifier().ifPresent(expected -> {
            if (!expected.equals(systemIdentifier)) {
                throw new FatalHaException("dataDir " + dataDir.path() + " belongs to another cluster: system"
                        + " identifier " + systemIdentifier + ", expected " + expected + "; not touching it");
            }
        });
    }

    private void prepareRunDir() {
        try {
            Files.createDirectories(runDir.resolve("sock"));
            user.chown(runDir);
            user.chown(runDir.resolve("sock"));
            Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException | UnsupportedOperationException e) {
            throw new FatalHaException("cannot prepare runDir " + runDir + ": " + e, e);
        }
        int socketPath = runDir.resolve("sock").toString().length() + ".s.PGSQL.".length() + 6;
        if (socketPath > 107) {
            throw new FatalHaException("runDir " + runDir + " is too long for a Unix socket path; choose a shorter one");
        }
        List<PgUser> users = new ArrayList<>(List.of(config.superuser(), config.replication()));
        config.rewind().ifPresent(users::add);
        PassFile.write(passFile, users, user);
    }

    public PostgresConfig config() {
        return config;
    }

    public String member() {
        return config.memberName();
    }

    public OsUser user() {
        return user;
    }

    public PgBinaries binaries() {
        return binaries;
    }

    public DataDir dataDir() {
        return dataDir;
    }

    public Path runDir() {
        return runDir;
    }

    public ToolRunner tools() {
        return tools;
    }

    public Postmaster postmaster() {
        return postmaster;
    }

    /**
     * Stops PostgreSQL ({@link Postmaster#stop}), running {@link PostgresConfig#beforeStop()} first
     * when the postmaster runs, as Patroni runs {@code before_stop} in every stop, but never before
     * a {@link StopMode#KILL}: a fencing kill waits for nothing. Bounded by the before_stop timeout
     * plus the stop timeout.
     */
    public void stop(StopMode mode, boolean fence) {
        stop(mode, config.stopTimeout(), fence);
    }

    /** {@link #stop(StopMode, boolean)} with {@code timeout} instead of the configured stop timeout. */
    public void stop(StopMode mode, Duration timeout, boolean fence) {
        if (mode != StopMode.KILL && postmaster.isRunning()) {
            beforeStop.ifPresent(script -> script.run(member()));
        }
        postmaster.stop(mode, timeout, fence);
    }

    public ConfigFiles files() {
        return files;
    }

    /** A connection to the local server as the superuser, statements bounded by {@code timeout}. */
    public Connection connect(Duration timeout) throws SQLException {
        return Jdbc.open(config.localHost(), config.port(), config.superuser(), timeout, timeout);
    }

    /** A connection to the local server's database {@code database} as the superuser (a logical slot's). */
    public Connection connect(String database, Duration timeout) throws SQLException {
        return Jdbc.open(config.localHost(), config.port(), config.superuser(), database, timeout, timeout);
    }

    /**
     * A physical replication connection to the local server as the replication role, for
     * {@code IDENTIFY_SYSTEM} (Patroni's {@code get_replica_timeline}).
     */
    public Connection connectReplication(Duration timeout) throws SQLException {
        return Jdbc.openReplication(config.localHost(), config.port(), config.replication(), timeout);
    }

    /** A connection to another member's server as the superuser. */
    public Connection connect(Conninfo.Endpoint endpoint, Duration timeout) throws SQLException {
        return Jdbc.open(endpoint.host(), endpoint.port(), config.superuser(), timeout, timeout);
    }

    /**
     * {@code pg_controldata} of the data directory, cached until the control file changes.
     *
     * @throws DatabaseUnavailableException when it fails (no or a corrupt control file)
     */
    public ControlData controlData() {
        Path control = dataDir.path().resolve("global/pg_control");
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(control);
        } catch (IOException e) {
            throw new DatabaseUnavailableException(member() + ": no control file at " + control);
        }
        CachedControl cached = cachedControl;
        if (cached != null && cached.modified().equals(modified)) {
            return cached.data();
        }
        Commands.Result result = tools.capture(List.of(binaries.tool("pg_controldata"), dataDir.path().toString()),
                config.probeTimeout().plusSeconds(5));
        if (!result.succeeded()) {
            throw new DatabaseUnavailableException(member() + ": pg_controldata " + dataDir.path() + " failed: "
                    + result.output().strip());
        }
        ControlData data = ControlData.parse(result.output());
        cachedControl = new CachedControl(modified, data);
        return data;
    }

    /**
     * Starts the postmaster with the configuration already written, and waits until it accepts
     * connections. On timeout it is stopped again.
     *
     * @throws DatabaseUnavailableException when it exits, does not accept connections within the
     *     start timeout, or a stop intervened; the message holds the server log's tail
     */
    public void startAndAwait(long epoch) {
        long offset = postmaster.launch(tools, binaries.tool("postgres"), epoch);
        long deadline = System.nanoTime() + config.startTimeout().toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!postmaster.isRunning()) {
                throw new DatabaseUnavailableException(member() + ": postgres exited during startup; "
                        + postmaster.logFile() + ":\n" + ToolRunner.tail(postmaster.logFile(), offset));
            }
            try (Connection c = connect(Duration.ofSeconds(1))) {
                Jdbc.value(c, "SELECT 1");
                return;
            } catch (SQLException e) {
                last = e.getMessage();
            }
            Commands.pause(50);
        }
        postmaster.stop(StopMode.FAST, config.stopTimeout(), false);
        throw new DatabaseUnavailableException(member() + ": postgres did not accept connections within "
                + config.startTimeout() + " (last: " + last + "); stopped it. " + postmaster.logFile() + ":\n"
                + ToolRunner.tail(postmaster.logFile(), offset));
    }

    /** Opens a connection and reads {@code pg_is_in_recovery()}; empty when it cannot. */
    public Optional<Boolean> inRecovery() {
        try (Connection c = connect(config.queryTimeout())) {
            return Optional.of("t".equals(Jdbc.value(c, "SELECT pg_catalog.pg_is_in_recovery()")));
        } catch (SQLException e) {
            return Optional.empty();
        }
    }
}
