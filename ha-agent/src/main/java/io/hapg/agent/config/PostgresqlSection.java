package io.hapg.agent.config;

import io.hapg.core.config.Checks;
import io.hapg.core.config.ConfigException;
import io.hapg.core.config.HostPort;
import io.hapg.postgres.PostgresConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code postgresql}: this member's PostgreSQL instance and how hapg manages it. Validated on
 * construction; errors name {@code postgresql.<key>}. {@link AdapterConfigs#postgres(NodeConfig)}
 * turns it into ha-postgres's own config. The keys ha-core reads ({@code callbacks},
 * {@code pre_promote}, and the {@code conn_url} made from {@code connect_address}) are bound into
 * {@link io.hapg.core.config.HaConfig} instead.
 *
 * @param listen                                  {@code host[,host...]:port} PostgreSQL listens on
 *                                                (default {@code 0.0.0.0:5432})
 * @param connectAddress                          {@code host:port} the other members and clients use
 * @param proxyAddress                            {@code host:port} of a pooler next to PostgreSQL (published only)
 * @param dataDir                                 data directory
 * @param configDir                               configuration directory (default: the data directory)
 * @param customConf                              a file included instead of {@code postgresql.base.conf}
 * @param binDir                                  directory of {@code pg_ctl}, {@code initdb}... (default: PATH)
 * @param binName                                 custom binary names ({@code pg_ctl: my_pg_ctl})
 * @param pgpass                                  the {@code .pgpass} file hapg writes
 * @param osUser                                  hapg extension: the unprivileged OS user to run PostgreSQL
 *                                                as when the agent runs as root
 * @param parameters                              GUCs as PostgreSQL text ({@code on}/{@code off} for booleans)
 * @param pgHba                                   {@code pg_hba.conf} lines
 * @param pgIdent                                 {@code pg_ident.conf} lines (empty: the file is not written)
 * @param recoveryConf                            extra recovery settings written while the node runs in
 *                                                recovery (never the ones hapg writes itself)
 * @param authentication                          the roles hapg connects as
 * @param beforeStop                              synchronous script run before a shutdown; exit code ignored
 * @param usePgRewind                             rewind a former primary instead of re-cloning it (default
 *                                                true, unlike Patroni: hapg turns wal_log_hints on so rewind works)
 * @param useUnixSocket                           connect locally through the Unix socket
 * @param useUnixSocketRepl                       replication connections through the Unix socket
 * @param removeDataDirectoryOnRewindFailure      re-clone when pg_rewind fails
 * @param removeDataDirectoryOnDivergedTimelines  re-clone when timelines diverged
 * @param createReplicaMethods                    ordered replica creation methods (default {@code basebackup})
 * @param replicaMethodOptions                    the settings section of each non-basebackup method
 * @param basebackup                              extra {@code pg_basebackup} options
 * @param rewind                                  extra {@code pg_rewind} options
 * @param pgCtlTimeout                            how long {@code pg_ctl} waits (default 60 s)
 */
public record PostgresqlSection(
        String listen,
        Optional<HostPort> connectAddress,
        Optional<HostPort> proxyAddress,
        Optional<Path> dataDir,
        Optional<Path> configDir,
        Optional<Path> customConf,
        Optional<Path> binDir,
        Map<String, String> binName,
        Optional<Path> pgpass,
        Optional<String> osUser,
        Map<String, String> parameters,
        List<String> pgHba,
        List<String> pgIdent,
        Map<String, String> recoveryConf,
        PgAuthentication authentication,
        Optional<String> beforeStop,
        boolean usePgRewind,
        boolean useUnixSocket,
        boolean useUnixSocketRepl,
        boolean removeDataDirectoryOnRewindFailure,
        boolean removeDataDirectoryOnDivergedTimelines,
        List<String> createReplicaMethods,
        Map<String, Map<String, Object>> replicaMethodOptions,
        List<CliOption> basebackup,
        List<CliOption> rewind,
        Duration pgCtlTimeout) {

    public static final PostgresqlSection DEFAULTS = builder().build();

    public PostgresqlSection {
        if (listen == null || listen.isBlank()) {
            throw new ConfigException("postgresql.listen", "required");
        }
        listenPort(listen);
        for (Object o : new Object[] {connectAddress, proxyAddress, dataDir, configDir, customConf, binDir, pgpass,
                osUser, authentication, beforeStop, pgCtlTimeout}) {
            Objects.requireNonNull(o, "postgresql");
        }
        binName = Checks.map(binName, "postgresql.bin_name");
        checkBinNames(binName, binDir);
        parameters = Checks.map(parameters, "postgresql.parameters");
        pgHba = Checks.list(pgHba, "postgresql.pg_hba");
        pgIdent = Checks.list(pgIdent, "postgresql.pg_ident");
        recoveryConf = Checks.map(recoveryConf, "postgresql.recovery_conf");
        createReplicaMethods = Checks.list(createReplicaMethods, "postgresql.create_replica_methods");
        Map<String, Map<String, Object>> methods = new LinkedHashMap<>();
        replicaMethodOptions.forEach((k, v) -> methods.put(k, Checks.map(v, "postgresql." + k)));
        replicaMethodOptions = Checks.map(methods, "postgresql");
        basebackup = Checks.list(basebackup, "postgresql.basebackup");
        rewind = Checks.list(rewind, "postgresql.rewind");
        Checks.nonNegative(pgCtlTimeout, "postgresql.pg_ctl_timeout");
        if (createReplicaMethods.isEmpty()) {
            throw new ConfigException("postgresql.create_replica_methods", "must list at least one method");
        }
        for (String p : parameters.keySet()) {
            if (p.isBlank()) {
                throw new ConfigException("postgresql.parameters", "a parameter name must not be blank");
            }
        }
        if (osUser.isPresent() && osUser.get().isBlank()) {
            throw new ConfigException("postgresql.os_user", "must not be blank");
        }
        connectAddress.ifPresent(a -> checkHost(a, "postgresql.connect_address"));
        proxyAddress.ifPresent(a -> checkHost(a, "postgresql.proxy_address"));
    }

    /**
     * {@code postgres://<host:port>/postgres}, the {@code conn_url} Patroni publishes: the
     * {@code connect_address}, else what Patroni's {@code resolve_connection_addresses} falls back
     * to: {@code localhost} when {@code listen} includes {@code *}, {@code 0.0.0.0},
     * {@code 127.0.0.1} or {@code localhost}, else its first host, with the listen port. Without
     * it a member published an empty {@code conn_url} and no replica could clone from it.
     */
    public String connUrl() {
        HostPort address = connectAddress.orElseGet(() -> new HostPort(localAddress(listenHosts()), listenPort()));
        return "postgres://" + address.host() + ":" + address.port() + "/postgres";
    }

    private static String localAddress(List<String> hosts) {
        for (String host : hosts) {
            if (List.of("*", "0.0.0.0", "127.0.0.1", "localhost").contains(host.toLowerCase(java.util.Locale.ROOT))) {
                return "localhost";
            }
        }
        return hosts.get(0);
    }

    /** The port of {@link #listen()}. */
    public int listenPort() {
        return listenPort(listen);
    }

    /** The hosts of {@link #listen()}, e.g. {@code [0.0.0.0]}; the first is used for local connections. */
    public List<String> listenHosts() {
        String hosts = listen.strip().substring(0, listen.strip().lastIndexOf(':'));
        List<String> out = new ArrayList<>();
        for (String h : hosts.split(",")) {
            out.add(h.strip());
        }
        return List.copyOf(out);
    }

    private static int listenPort(String listen) {
        String[] parts = listen.split(",");
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i].isBlank()) {
                throw new ConfigException("postgresql.listen", "expected host[,host...]:port, got '" + listen + "'");
            }
        }
        return Checks.hostPort(parts[parts.length - 1], "postgresql.listen", 0, false).port();
    }

    private static void checkHost(HostPort address, String path) {
        if (address.host().isEmpty()) {
            throw new ConfigException(path, "a host is required");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with Patroni's defaults; {@link #build()} validates. */
    public static final class Builder {
        private String listen = "0.0.0.0:5432";
        private String connectAddress;
        private String proxyAddress;
        private Path dataDir;
        private Path configDir;
        private Path customConf;
        private Path binDir;
        private Map<String, String> binName = Map.of();
        private Path pgpass;
        private String osUser;
        private Map<String, String> parameters = Map.of();
        private List<String> pgHba = List.of();
        private List<String> pgIdent = List.of();
        private Map<String, String> recoveryConf = Map.of();
        private PgAuthentication authentication = PgAuthentication.DEFAULTS;
        private String beforeStop;
        private boolean usePgRewind = true;
        private boolean useUnixSocket;
        private boolean useUnixSocketRepl;
        private boolean removeDataDirectoryOnRewindFailure;
        private boolean removeDataDirectoryOnDivergedTimelines;
        private List<String> createReplicaMethods = List.of("basebackup");
        private Map<String, Map<String, Object>> replicaMethodOptions = Map.of();
        private List<CliOption> basebackup = List.of();
        private List<CliOption> rewind = List.of();
        private Duration pgCtlTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        public Builder listen(String v) { listen = v; return this; }
        public Builder connectAddress(String v) { connectAddress = v; return this; }
        public Builder proxyAddress(String v) { proxyAddress = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder configDir(Path v) { configDir = v; return this; }
        public Builder customConf(Path v) { customConf = v; return this; }
        public Builder binDir(Path v) { binDir = v; return this; }
        public Builder binName(Map<String, String> v) { binName = v; return this; }
        public Builder pgpass(Path v) { pgpass = v; return this; }
        public Builder osUser(String v) { osUser = v; return this; }
        public Builder parameters(Map<String, String> v) { parameters = v; return this; }
        public Builder pgHba(List<String> v) { pgHba = v; return this; }
        public Builder pgIdent(List<String> v) { pgIdent = v; return this; }
        public Builder recoveryConf(Map<String, String> v) { recoveryConf = v; return this; }
        public Builder authentication(PgAuthentication v) { authentication = v; return this; }
        public Builder beforeStop(String v) { beforeStop = v; return this; }
        public Builder usePgRewind(boolean v) { usePgRewind = v; return this; }
        public Builder useUnixSocket(boolean v) { useUnixSocket = v; return this; }
        public Builder useUnixSocketRepl(boolean v) { useUnixSocketRepl = v; return this; }
        public Builder removeDataDirectoryOnRewindFailure(boolean v) {
            removeDataDirectoryOnRewindFailure = v;
            return this;
        }
        public Builder removeDataDirectoryOnDivergedTimelines(boolean v) {
            removeDataDirectoryOnDivergedTimelines = v;
            return this;
        }
        public Builder createReplicaMethods(List<String> v) { createReplicaMethods = v; return this; }
        public Builder replicaMethodOptions(Map<String, Map<String, Object>> v) {
            replicaMethodOptions = v;
            return this;
        }
        public Builder basebackup(List<CliOption> v) { basebackup = v; return this; }
        public Builder rewind(List<CliOption> v) { rewind = v; return this; }
        public Builder pgCtlTimeout(Duration v) { pgCtlTimeout = v; return this; }

        /** @throws ConfigException naming the {@code postgresql.*} key that is invalid */
        public PostgresqlSection build() {
            return new PostgresqlSection(listen, address(connectAddress, "postgresql.connect_address"),
                    address(proxyAddress, "postgresql.proxy_address"), Optional.ofNullable(dataDir),
                    Optional.ofNullable(configDir), Optional.ofNullable(customConf), Optional.ofNullable(binDir),
                    binName, Optional.ofNullable(pgpass), Optional.ofNullable(osUser), parameters, pgHba, pgIdent, recoveryConf, authentication,
                    Optional.ofNullable(beforeStop), usePgRewind, useUnixSocket,
                    useUnixSocketRepl, removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines,
                    createReplicaMethods, replicaMethodOptions, basebackup, rewind, pgCtlTimeout);
        }

        private static Optional<HostPort> address(String value, String path) {
            return Optional.ofNullable(value).map(v -> Checks.hostPort(v, path, 0, false));
        }
    }

    /**
     * Patroni's {@code validate_binary_name}: each {@code bin_name} value is a tool the loader can
     * name; with {@code bin_dir} set, {@code bin_dir/<value>} (an absolute value alone) must be an
     * executable file now. Without {@code bin_dir} the directory is found at start, and checked then.
     */
    private static void checkBinNames(Map<String, String> binName, Optional<Path> binDir) {
        binName.forEach((tool, name) -> {
            String key = "postgresql.bin_name." + tool;
            if (!PostgresConfig.BIN_NAME_TOOLS.contains(tool)) {
                throw new ConfigException(key, "not a tool Patroni renames (one of "
                        + PostgresConfig.BIN_NAME_TOOLS + ")");
            }
            if (name.isBlank()) {
                throw new ConfigException(key, "is an empty string");
            }
            binDir.ifPresent(dir -> {
                Path path = dir.resolve(name);
                if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                    throw new ConfigException(key, path + " is not an executable file");
                }
            });
        });
    }
}
