package io.hapg.postgres;

import io.hapg.core.callbacks.BeforeStopScript;
import io.hapg.core.config.PgUser;
import io.hapg.core.model.DynamicConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * How {@link PostgresNode} manages one PostgreSQL instance. Immutable; {@link Builder#build()}
 * validates every field and names it in the error. Nothing here is checked against the machine
 * (binaries, directories, OS users): {@link PostgresNode#create(PostgresConfig)} does that.
 * Passwords are {@link io.hapg.core.config.Secret}s, so {@link #toString()} can be logged.
 *
 * @param memberName           this member's name: {@code application_name} on the leader, and the
 *                             source of its replication slot name
 * @param dataDir              the data directory (absolute)
 * @param binDir               PostgreSQL's bin directory; empty = {@code pg_config --bindir}, then the
 *                             newest {@code /usr/lib/postgresql/<13..17>/bin}
 * @param runDir               where hapg keeps the socket directory, the password file and the logs of
 *                             the processes it runs; empty = {@code <dataDir>.hapg} beside the data dir
 * @param listenAddresses      {@code listen_addresses}, e.g. {@code 127.0.0.1} or {@code *}
 * @param port                 the port PostgreSQL listens on
 * @param connectAddress       {@code host:port} other members use to reach this one (for
 *                             {@code conn_url}); empty = the first listen address and the port
 * @param superuser            the role hapg administers through (initdb {@code -U})
 * @param replication          the role replicas stream as (created by {@link PostgresNode#bootstrap()})
 * @param rewind               the role pg_rewind connects as; empty = the superuser
 * @param parameters           extra {@code postgresql.conf} settings; they override hapg's defaults
 * @param pgHba                {@code pg_hba.conf} lines; empty = password (scram) authentication on
 *                             loopback for everything and replication
 * @param initdbOptions        extra {@code initdb} arguments, e.g. {@code --data-checksums}
 * @param osUser               the OS account PostgreSQL runs as; required when the JVM runs as root
 * @param expectedSystemIdentifier the cluster's system identifier (the {@code initialize} key): a data
 *                             directory of another cluster is refused, and never touched
 * @param probeTimeout         bound on one {@link PostgresNode#probe()}: connect, login and queries
 * @param queryTimeout         bound on any other query
 * @param startTimeout         how long a start may take until connections are accepted (also initdb)
 * @param stopTimeout          how long a stop may take before SIGKILL
 * @param cloneTimeout         bound on pg_basebackup
 * @param rewindTimeout        bound on crash recovery in single-user mode plus pg_rewind
 * @param beforeStop           Patroni's {@code before_stop}: a command run (as this JVM's user) right
 *                             before PostgreSQL is told to stop; exit code logged only
 * @param beforeStopTimeout    how long {@code beforeStop} may run before it is killed and the stop
 *                             goes on
 * @param useSlots             one physical replication slot per member (clone and follow use them)
 * @param usePgRewind          whether {@link PostgresNode#rewind} may run pg_rewind
 * @param ignoreSlots          physical slot names {@link PostgresNode#ensureSlots} never drops
 * @param postBootstrap        Patroni's {@code bootstrap.post_bootstrap}: a command (program and
 *                             arguments) run as the OS user once a new cluster is up, with the local
 *                             connection string as its last argument; empty = none
 * @param replicaMethods       Patroni's {@code create_replica_methods}, in the order they are tried
 *                             (default: {@link ReplicaMethod#BASEBACKUP} alone)
 * @param bootstrapMethod      Patroni's custom {@code bootstrap.method}: a new cluster is restored
 *                             by this command instead of initdb; empty = initdb
 * @param basebackupOptions    Patroni's {@code postgresql.basebackup}: extra {@code pg_basebackup}
 *                             arguments ({@code --max-rate=100M}), after hapg's own; none of
 *                             {@link #BASEBACKUP_OWN_OPTIONS}
 * @param pgIdent              Patroni's {@code postgresql.pg_ident}: the lines of {@code pg_ident.conf},
 *                             written before every start and follow; empty = the file is left as it is
 *                             (initdb's, or the clone source's)
 * @param recoveryConf         Patroni's {@code postgresql.recovery_conf}: extra recovery settings
 *                             ({@code restore_command}, {@code recovery_min_apply_delay}...) for the times
 *                             the node runs in recovery (replica, standby leader, read-only standby), written
 *                             into {@code postgresql.conf} after {@link #parameters()} on every role (inert
 *                             outside recovery, so a promotion changes no restart-only setting); never one
 *                             hapg writes itself ({@link #isOwnRecoverySetting}) nor a promote trigger file
 * @param rewindOptions        Patroni's {@code postgresql.rewind}: extra {@code pg_rewind}
 *                             arguments ({@code --debug}), after hapg's own; none of
 *                             {@link #REWIND_OWN_OPTIONS}
 * @param configDir            Patroni's {@code postgresql.config_dir}: where {@code postgresql.conf},
 *                             {@code pg_hba.conf} and {@code pg_ident.conf} are written (absolute; the data
 *                             directory itself or outside it); empty = the data directory
 * @param customConf           Patroni's {@code postgresql.custom_conf}: a file (absolute) included by
 *                             {@code postgresql.conf} instead of {@code postgresql.base.conf}; it must exist on
 *                             the node and be readable by the OS user; hapg never writes it
 * @param binNames             Patroni's {@code postgresql.bin_name}: a tool's file name in
 *                             {@code binDir} (tool to name: {@code postgres: pg-postgres}) for a custom
 *                             PostgreSQL distribution; an absolute name stands for itself. Keys are
 *                             {@link #BIN_NAME_TOOLS}; a tool not listed keeps its own name. hapg runs
 *                             all of them but {@code pg_isready}; every name given must be an
 *                             executable file ({@link PostgresNode#create} checks)
 */
public record PostgresConfig(
        String memberName,
        Path dataDir,
        Optional<Path> binDir,
        Optional<Path> runDir,
        String listenAddresses,
        int port,
        Optional<String> connectAddress,
        PgUser superuser,
        PgUser replication,
        Optional<PgUser> rewind,
        Map<String, String> parameters,
        List<String> pgHba,
        List<String> initdbOptions,
        Optional<String> osUser,
        Optional<String> expectedSystemIdentifier,
        Duration probeTimeout,
        Duration queryTimeout,
        Duration startTimeout,
        Duration stopTimeout,
        Duration cloneTimeout,
        Duration rewindTimeout,
        Optional<String> beforeStop,
        Duration beforeStopTimeout,
        boolean useSlots,
        boolean usePgRewind,
        Set<String> ignoreSlots,
        List<String> postBootstrap,
        List<ReplicaMethod> replicaMethods,
        Optional<BootstrapMethod> bootstrapMethod,
        List<String> basebackupOptions,
        List<String> pgIdent,
        Map<String, String> recoveryConf,
        List<String> rewindOptions,
        Optional<Path> configDir,
        Optional<Path> customConf,
        Map<String, String> binNames) {

    /** The tools {@link #binNames()} may rename: the keys of Patroni's {@code postgresql.bin_name}. */
    public static final List<String> BIN_NAME_TOOLS = List.of("pg_ctl", "initdb", "pg_controldata", "pg_basebackup",
            "postgres", "pg_isready", "pg_rewind");

    /**
     * The {@code pg_basebackup} options a clone decides itself, which {@link #basebackupOptions()}
     * must not set: Patroni's {@code not_allowed_options} for {@code basebackup}.
     */
    public static final Set<String> BASEBACKUP_OWN_OPTIONS = Set.of("pgdata", "format", "wal-method", "xlog-method",
            "gzip", "version", "compress", "dbname", "host", "port", "username", "password");

    /**
     * Recovery settings a promote trigger file would set: refused in {@link #recoveryConf()}, because
     * PostgreSQL would promote when the file appears, outside the leader key (two primaries).
     */
    public static final Set<String> RECOVERY_TRIGGER_SETTINGS = Set.of("trigger_file", "promote_trigger_file");

    /**
     * The {@code pg_rewind} options a rewind decides itself (or that would make it do something
     * else: a dry run, no shutdown of a crashed server), which {@link #rewindOptions()} must not
     * set: Patroni's {@code not_allowed_options} in {@code rewind.py}.
     */
    public static final Set<String> REWIND_OWN_OPTIONS = Set.of("target-pgdata", "source-pgdata", "source-server",
            "write-recovery-conf", "dry-run", "restore-target-wal", "config-file", "no-ensure-shutdown", "version",
            "help");

    /** Settings hapg writes itself; {@link #parameters()} must not set them. */
    public static final Set<String> MANAGED_PARAMETERS = DynamicConfig.MANAGED_PARAMETERS;

    public PostgresConfig {
        require(memberName, "memberName");
        if (memberName.isBlank() || memberName.length() > 63 || memberName.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("memberName must be 1-63 printable characters, got '" + memberName
                    + "'");
        }
        absolute(dataDir, "dataDir");
        for (Object o : new Object[] {binDir, runDir, connectAddress, rewind, osUser, expectedSystemIdentifier}) {
            Objects.requireNonNull(o, "optional fields must not be null");
        }
        checkConfigDir(dataDir, configDir, customConf);
        binDir.ifPresent(p -> absolute(p, "binDir"));
        runDir.ifPresent(p -> absolute(p, "runDir"));
        require(listenAddresses, "listenAddresses");
        if (listenAddresses.isBlank() || listenAddresses.contains("'")) {
            throw new IllegalArgumentException("listenAddresses must be a non-blank list of hosts, got '"
                    + listenAddresses + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1-65535, got " + port);
        }
        connectAddress.ifPresent(PostgresConfig::checkHostPort);
        require(superuser, "superuser");
        require(replication, "replication");
        parameters = checkedParameters(parameters);
        pgHba = List.copyOf(require(pgHba, "pgHba"));
        pgHba.forEach(line -> noNewline(line, "pgHba"));
        pgIdent = List.copyOf(require(pgIdent, "pgIdent"));
        pgIdent.forEach(line -> noNewline(line, "pgIdent"));
        recoveryConf = checkedRecoveryConf(recoveryConf);
        initdbOptions = List.copyOf(require(initdbOptions, "initdbOptions"));
        basebackupOptions = toolOptions(basebackupOptions, "basebackupOptions", BASEBACKUP_OWN_OPTIONS, "the clone");
        rewindOptions = toolOptions(rewindOptions, "rewindOptions", REWIND_OWN_OPTIONS, "the rewind");
        binNames = checkedBinNames(binNames);
        for (String option : initdbOptions) {
            if (option.matches("(-D|--pgdata.*|-U|--username.*|--pwfile.*)")) {
                throw new IllegalArgumentException("initdbOptions must not set " + option
                        + ": dataDir and superuser decide it");
            }
        }
        osUser.ifPresent(u -> {
            if (!u.matches("[a-z_][a-z0-9_.-]{0,31}")) {
                throw new IllegalArgumentException("osUser must be a valid account name, got '" + u + "'");
            }
        });
        expectedSystemIdentifier.ifPresent(id -> {
            if (!id.matches("\\d{1,20}")) {
                throw new IllegalArgumentException("expectedSystemIdentifier must be decimal digits, got '" + id + "'");
            }
        });
        positive(probeTimeout, "probeTimeout");
        positive(queryTimeout, "queryTimeout");
        positive(startTimeout, "startTimeout");
        positive(stopTimeout, "stopTimeout");
        positive(cloneTimeout, "cloneTimeout");
        positive(rewindTimeout, "rewindTimeout");
        Objects.requireNonNull(beforeStop, "beforeStop");
        positive(beforeStopTimeout, "beforeStopTimeout");
        beforeStop.ifPresent(command -> {
            try {
                new BeforeStopScript(command, beforeStopTimeout);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("beforeStop: " + e.getMessage(), e);
            }
        });
        ignoreSlots = Set.copyOf(require(ignoreSlots, "ignoreSlots"));
        postBootstrap = List.copyOf(require(postBootstrap, "postBootstrap"));
        postBootstrap.forEach(word -> noNewline(word, "postBootstrap"));
        replicaMethods = List.copyOf(require(replicaMethods, "replicaMethods"));
        if (replicaMethods.isEmpty()) {
            throw new IllegalArgumentException("replicaMethods must name at least one method");
        }
        Objects.requireNonNull(bootstrapMethod, "bootstrapMethod");
    }

    /**
     * Whether hapg writes recovery setting {@code name} itself on every replica, so that
     * {@link #recoveryConf()} must not set it: Patroni's {@code build_recovery_params} drops these from
     * {@code recovery_conf} ({@code primary_conninfo}, {@code primary_slot_name}, every
     * {@code recovery_target*}) or overrides them ({@code standby_mode}), and a
     * {@code pause_at_recovery_target} only means something with a recovery target. Case-insensitive.
     */
    public static boolean isOwnRecoverySetting(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.startsWith("recovery_target") || Set.of("primary_conninfo", "primary_slot_name", "standby_mode",
                "pause_at_recovery_target").contains(lower);
    }

    private static void checkConfigDir(Path dataDir, Optional<Path> configDir, Optional<Path> customConf) {
        Objects.requireNonNull(configDir, "configDir");
        Objects.requireNonNull(customConf, "customConf");
        configDir.ifPresent(dir -> {
            absolute(dir, "configDir");
            if (dir.normalize().startsWith(dataDir.normalize()) && !dir.normalize().equals(dataDir.normalize())) {
                // A clone or a failed bootstrap empties the data directory: the files there would go with it.
                throw new IllegalArgumentException("configDir " + dir + " must be the data directory or outside it,"
                        + " not inside " + dataDir);
            }
        });
        customConf.ifPresent(file -> {
            absolute(file, "customConf");
            noNewline(file.toString(), "customConf");
        });
    }

    /** {@link #configDir()}, or the data directory: where postgresql.conf, pg_hba.conf and pg_ident.conf are. */
    public Path effectiveConfigDir() {
        return configDir.orElse(dataDir);
    }

    /** Whether the configuration files are outside the data directory ({@link #configDir()} is elsewhere). */
    public boolean configOutsideDataDir() {
        return !effectiveConfigDir().normalize().equals(dataDir.normalize());
    }

    /** The role pg_rewind connects as: {@link #rewind()}, else the superuser. */
    public PgUser rewindUser() {
        return rewind.orElse(superuser);
    }

    /** {@link #runDir()}, or {@code <dataDir>.hapg} beside the data directory. */
    public Path effectiveRunDir() {
        return runDir.orElseGet(() -> dataDir.resolveSibling(dataDir.getFileName() + ".hapg"));
    }

    /** The host local connections use: the first listen address, loopback for a wildcard. */
    public String localHost() {
        String first = listenAddresses.split(",")[0].strip();
        if (first.equals("*") || first.equals("0.0.0.0")) {
            return "127.0.0.1";
        }
        return first.equals("::") ? "::1" : first;
    }

    /** {@code postgres://host:port/postgres}: how peers reach this member (Patroni's {@code conn_url}). */
    public String connUrl() {
        String hostPort = connectAddress.orElseGet(() -> {
            String host = localHost();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        });
        return "postgres://" + hostPort + "/postgres";
    }

    public static Builder builder() {
        return new Builder();
    }

    private static Map<String, String> checkedParameters(Map<String, String> parameters) {
        return checkedSettings(parameters, "parameters", (k, v) -> {
            if (MANAGED_PARAMETERS.contains(k.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("parameters." + k + " is managed by hapg; use the dedicated setting");
            }
            if (k.equalsIgnoreCase("wal_level") && v.strip().equalsIgnoreCase("minimal")) {
                throw new IllegalArgumentException("parameters.wal_level must be replica or logical, got minimal");
            }
        });
    }

    private static Map<String, String> checkedRecoveryConf(Map<String, String> settings) {
        return checkedSettings(settings, "recoveryConf", (k, v) -> {
            String lower = k.toLowerCase(Locale.ROOT);
            if (isOwnRecoverySetting(k) || MANAGED_PARAMETERS.contains(lower)) {
                throw new IllegalArgumentException("recoveryConf." + k + " is written by hapg itself (Patroni ignores"
                        + " it in recovery_conf too)");
            }
            if (RECOVERY_TRIGGER_SETTINGS.contains(lower)) {
                throw new IllegalArgumentException("recoveryConf." + k + " is not allowed: a trigger file would promote"
                        + " the replica outside the leader key");
            }
        });
    }

    /** An unmodifiable copy of {@code postgresql.conf} settings with valid names and one-line values, then {@code rules}. */
    private static Map<String, String> checkedSettings(Map<String, String> settings, String field,
            BiConsumer<String, String> rules) {
        Map<String, String> copy = new LinkedHashMap<>();
        require(settings, field).forEach((k, v) -> {
            if (k == null || !k.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
                throw new IllegalArgumentException(field + ": invalid name '" + k + "'");
            }
            if (v == null) {
                throw new IllegalArgumentException(field + "." + k + " must not be null");
            }
            noNewline(v, field + "." + k);
            rules.accept(k, v);
            copy.put(k, v);
        });
        return Collections.unmodifiableMap(copy);
    }

    private static void checkHostPort(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String port = colon < 0 ? "" : hostPort.substring(colon + 1);
        if (colon <= 0 || !port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("connectAddress must be host:port, got '" + hostPort + "'");
        }
    }

    /**
     * A tool's extra options, as given: long options only, none the tool's caller sets itself.
     *
     * @throws IllegalArgumentException naming {@code field} and the option
     */
    private static List<String> toolOptions(List<String> options, String field, Set<String> own, String owner) {
        List<String> copy = List.copyOf(require(options, field));
        for (String option : copy) {
            String name = option.replaceFirst("^--", "").replaceFirst("=.*", "");
            if (!option.startsWith("--") || own.contains(name)) {
                throw new IllegalArgumentException(field + " must not set " + option
                        + (option.startsWith("--") ? ": " + owner + " decides it" : ": long options (--name[=value]) only"));
            }
        }
        return copy;
    }

    private static <T> T require(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }

    private static void absolute(Path path, String field) {
        require(path, field);
        if (!path.isAbsolute() || path.getFileName() == null) {
            throw new IllegalArgumentException(field + " must be an absolute path below /, got '" + path + "'");
        }
    }

    private static void positive(Duration d, String field) {
        require(d, field);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be > 0, got " + d);
        }
    }

    private static Map<String, String> checkedBinNames(Map<String, String> names) {
        require(names, "binNames");
        Map<String, String> copy = new LinkedHashMap<>();
        names.forEach((tool, name) -> {
            if (!BIN_NAME_TOOLS.contains(tool)) {
                throw new IllegalArgumentException("binNames: '" + tool + "' is not one of " + BIN_NAME_TOOLS);
            }
            if (name == null || name.isBlank() || name.indexOf('\0') >= 0 || name.endsWith("/")) {
                throw new IllegalArgumentException("binNames " + tool + " must be a file name, got '" + name + "'");
            }
            noNewline(name, "binNames " + tool);
            copy.put(tool, name);
        });
        return Collections.unmodifiableMap(copy);
    }

    private static void noNewline(String value, String field) {
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException(field + " must not contain a line break");
        }
    }

    /** Builder with hapg's defaults; {@link #build()} validates. */
    public static final class Builder {
        private String memberName;
        private Path dataDir;
        private Path binDir;
        private Path runDir;
        private String listenAddresses = "127.0.0.1";
        private int port = 5432;
        private String connectAddress;
        private PgUser superuser = PgUser.of("postgres");
        private PgUser replication = PgUser.of("replicator");
        private PgUser rewind;
        private Map<String, String> parameters = Map.of();
        private List<String> pgHba = List.of();
        private List<String> initdbOptions = List.of();
        private List<String> basebackupOptions = List.of();
        private List<String> pgIdent = List.of();
        private Map<String, String> recoveryConf = Map.of();
        private List<String> rewindOptions = List.of();
        private Path configDir;
        private Path customConf;
        private String osUser;
        private String expectedSystemIdentifier;
        private Duration probeTimeout = Duration.ofSeconds(2);
        private Duration queryTimeout = Duration.ofSeconds(10);
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration stopTimeout = Duration.ofSeconds(60);
        private Duration cloneTimeout = Duration.ofMinutes(60);
        private Duration rewindTimeout = Duration.ofMinutes(30);
        private String beforeStop;
        private Duration beforeStopTimeout = Duration.ofSeconds(10);
        private boolean useSlots = true;
        private boolean usePgRewind = true;
        private Set<String> ignoreSlots = Set.of();
        private List<String> postBootstrap = List.of();
        private List<ReplicaMethod> replicaMethods = List.of(ReplicaMethod.BASEBACKUP);
        private BootstrapMethod bootstrapMethod;
        private Map<String, String> binNames = Map.of();

        private Builder() {
        }

        public Builder memberName(String v) { memberName = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder binDir(Path v) { binDir = v; return this; }
        public Builder runDir(Path v) { runDir = v; return this; }
        public Builder listenAddresses(String v) { listenAddresses = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder connectAddress(String v) { connectAddress = v; return this; }
        public Builder superuser(PgUser v) { superuser = v; return this; }
        public Builder replication(PgUser v) { replication = v; return this; }
        public Builder rewind(PgUser v) { rewind = v; return this; }
        public Builder parameters(Map<String, String> v) { parameters = v; return this; }
        public Builder pgHba(List<String> v) { pgHba = v; return this; }
        public Builder initdbOptions(List<String> v) { initdbOptions = v; return this; }
        public Builder osUser(String v) { osUser = v; return this; }
        public Builder expectedSystemIdentifier(String v) { expectedSystemIdentifier = v; return this; }
        public Builder probeTimeout(Duration v) { probeTimeout = v; return this; }
        public Builder queryTimeout(Duration v) { queryTimeout = v; return this; }
        public Builder startTimeout(Duration v) { startTimeout = v; return this; }
        public Builder stopTimeout(Duration v) { stopTimeout = v; return this; }
        public Builder cloneTimeout(Duration v) { cloneTimeout = v; return this; }
        public Builder rewindTimeout(Duration v) { rewindTimeout = v; return this; }
        /** Patroni's {@code before_stop}; default none. */
        public Builder beforeStop(String v) { beforeStop = v; return this; }
        /** Bound on one {@code before_stop} run; default 10 s (Patroni's default retry_timeout). */
        public Builder beforeStopTimeout(Duration v) { beforeStopTimeout = v; return this; }
        public Builder useSlots(boolean v) { useSlots = v; return this; }
        public Builder usePgRewind(boolean v) { usePgRewind = v; return this; }
        public Builder ignoreSlots(Set<String> v) { ignoreSlots = v; return this; }
        public Builder postBootstrap(List<String> v) { postBootstrap = v; return this; }
        public Builder replicaMethods(List<ReplicaMethod> v) { replicaMethods = v; return this; }
        /** Patroni's custom {@code bootstrap.method}; default none (initdb). */
        public Builder bootstrapMethod(BootstrapMethod v) { bootstrapMethod = v; return this; }
        /** Extra {@code pg_basebackup} arguments after hapg's own; default none. */
        public Builder basebackupOptions(List<String> v) { basebackupOptions = v; return this; }
        /** The lines of {@code pg_ident.conf}; default none (the file is left as it is). */
        public Builder pgIdent(List<String> v) { pgIdent = v; return this; }
        /** Extra recovery settings for the times the node runs in recovery; default none. */
        public Builder recoveryConf(Map<String, String> v) { recoveryConf = v; return this; }
        /** Extra {@code pg_rewind} arguments after hapg's own; default none. */
        public Builder rewindOptions(List<String> v) { rewindOptions = v; return this; }
        /** Where the configuration files are; default the data directory. */
        public Builder configDir(Path v) { configDir = v; return this; }
        /** A file included instead of {@code postgresql.base.conf}; default none. */
        public Builder customConf(Path v) { customConf = v; return this; }
        /** Tool to file name in binDir ({@code postgres: pg-postgres}); default none (the tools' own names). */
        public Builder binNames(Map<String, String> v) { binNames = v; return this; }

        /** @throws IllegalArgumentException naming the field that is invalid */
        public PostgresConfig build() {
            return new PostgresConfig(memberName, dataDir, Optional.ofNullable(binDir), Optional.ofNullable(runDir),
                    listenAddresses, port, Optional.ofNullable(connectAddress), superuser, replication,
                    Optional.ofNullable(rewind), parameters, pgHba, initdbOptions, Optional.ofNullable(osUser),
                    Optional.ofNullable(expectedSystemIdentifier), probeTimeout, queryTimeout, startTimeout,
                    stopTimeout, cloneTimeout, rewindTimeout, Optional.ofNullable(beforeStop), beforeStopTimeout,
                    useSlots, usePgRewind, ignoreSlots, postBootstrap, replicaMethods,
                    Optional.ofNullable(bootstrapMethod), basebackupOptions, pgIdent, recoveryConf, rewindOptions,
                    Optional.ofNullable(configDir), Optional.ofNullable(customConf), binNames);
        }
    }
}
