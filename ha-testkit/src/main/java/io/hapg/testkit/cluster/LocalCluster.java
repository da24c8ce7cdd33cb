package io.hapg.testkit.cluster;

import io.hapg.process.OsUser;
import io.hapg.testkit.FaultProxy;
import io.hapg.testkit.FreePorts;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ManagedProcess;
import io.hapg.testkit.Pids;
import io.hapg.testkit.ProcessOwner;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;

/**
 * A whole hapg cluster on loopback, as the article runs Patroni: three etcd members and N agents,
 * each a separate JVM ({@code <main class> agent nK.yml}, by default {@value #AGENT_MAIN} from
 * ha-agent, which must be on the class path) running its own PostgreSQL, from generated
 * Patroni-style YAML files. Used by the end-to-end tests, ha-hikari's pool tests and the demo;
 * the test kit itself does not depend on the agent: it starts it by class name.
 *
 * <pre>{@code
 * try (LocalCluster cluster = LocalCluster.builder().nodes(3).ttl(8).loopWait(1).retryTimeout(2).start()) {
 *     ClusterNode primary = cluster.awaitConverged(Duration.ofSeconds(120));
 *     primary.killNode();
 *     ClusterNode next = cluster.awaitPrimary(n -> n != primary, Duration.ofSeconds(60));
 * }
 * }</pre>
 *
 * <p>Everything runs in one temporary directory ({@link #baseDir()}: {@code nK.yml},
 * {@code nK/agent.log}, {@code nK/data}, {@code nK/data.hapg/postgres.log}). Processes are
 * addressed by PID only and stopped on {@link #close()} or, failing that, by a shutdown hook.
 * When the JVM runs as root, PostgreSQL runs as {@link OsUser#unprivileged()}.
 */
public final class LocalCluster implements AutoCloseable, ProcessOwner {
    /** The standalone agent's entry point (ha-agent): {@code Main agent CONFIG.yml}. */
    public static final String AGENT_MAIN = "io.hapg.agent.Main";
    static final String SUPERUSER = "postgres";
    static final String SUPERUSER_PASSWORD = "secret";

    /** HTTP Basic credentials of the REST API. */
    public record Credentials(String username, String password) {
        public Credentials {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
        }
    }

    /**
     * Mutual TLS on the REST APIs, as a hardened Patroni cluster runs: every node serves
     * {@code certfile}/{@code keyfile} and requires client certificates signed by {@code cafile}
     * ({@code verify_client: required}); agents present their own certificate to their peers.
     * {@code clientContext} is how the test's own calls get through.
     */
    public record Tls(Path certfile, Path keyfile, Path cafile, SSLContext clientContext) {
        public Tls {
            Objects.requireNonNull(certfile, "certfile");
            Objects.requireNonNull(keyfile, "keyfile");
            Objects.requireNonNull(cafile, "cafile");
            Objects.requireNonNull(clientContext, "clientContext");
        }
    }

    /** The cluster-wide settings the builder collected. */
    record Settings(String scope, int nodes, int ttl, int loopWait, int retryTimeout, Map<String, Object> dcs,
                    Map<String, String> callbacks, Map<String, String> topLevelCallbacks,
                    Optional<Credentials> restAuth, Optional<Tls> restTls,
                    Map<String, String> pgParameters, Map<String, Object> postgresql, boolean etcdProxies,
                    List<String> javaOptions, String classpath, String mainClass, Map<Integer, Launcher> launchers,
                    Set<Integer> startLater, Map<String, Object> bootstrap) {
    }

    /**
     * How one node's process is started instead of the cluster's main class: {@code mainClass}
     * called as {@code MAIN agent nK.yml}, with {@code javaOptions} after the cluster's own (later
     * {@code -D} flags win). A mixed cluster runs Patroni on some nodes and hapg on the others this way.
     */
    public record Launcher(String mainClass, List<String> javaOptions) {
        public Launcher {
            Objects.requireNonNull(mainClass, "mainClass");
            javaOptions = List.copyOf(javaOptions);
        }
    }

    private final Settings settings;
    private final Path baseDir;
    private final LocalEtcd etcd;
    private final List<ClusterNode> nodes;
    private final List<FaultProxy> proxies = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook = new Thread(this::killEverything, "local-cluster-reaper");

    private LocalCluster(Settings settings, Path baseDir, LocalEtcd etcd) {
        this.settings = settings;
        this.baseDir = baseDir;
        this.etcd = etcd;
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        Rest rest = new Rest(settings.restAuth(), settings.restTls().map(Tls::clientContext));
        Optional<String> osUser = OsUser.current().isRoot() ? Optional.of(OsUser.unprivileged().name())
                : Optional.empty();
        List<ClusterNode> list = new ArrayList<>();
        for (int i = 0; i < settings.nodes(); i++) {
            list.add(createNode("n" + i, settings.launchers().getOrDefault(i,
                    new Launcher(settings.mainClass(), List.of())), rest, osUser));
        }
        this.nodes = List.copyOf(list);
    }

    public static Builder builder() {
        return new Builder();
    }

    private ClusterNode createNode(String name, Launcher launcher, Rest rest, Optional<String> osUser) {
        Path dir = directory(baseDir.resolve(name));
        List<String> hosts = new ArrayList<>();
        List<FaultProxy> paths = new ArrayList<>();
        for (int m = 0; m < etcd.memberCount(); m++) {
            if (settings.etcdProxies()) {
                FaultProxy proxy = FaultProxy.start("127.0.0.1", etcd.clientPort(m));
                proxies.add(proxy);
                paths.add(proxy);
                hosts.add(proxy.endpoint());
            } else {
                hosts.add("127.0.0.1:" + etcd.clientPort(m));
            }
        }
        NodeYaml.NodeSpec spec = new NodeYaml.NodeSpec(name, FreePorts.next(), FreePorts.next(), dir.resolve("data"),
                hosts);
        Path yaml = baseDir.resolve(name + ".yml");
        write(yaml, NodeYaml.render(settings, spec, osUser));
        AgentProcess agent = new AgentProcess(name, command(launcher, yaml), dir.resolve("agent.log"), dir,
                spec.dataDir());
        return new ClusterNode(name, spec.restPort(), spec.pgPort(), settings.restTls().isPresent() ? "https" : "http",
                spec.dataDir(), yaml, agent, paths, rest);
    }

    private List<String> command(Launcher launcher, Path yaml) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(settings.javaOptions());
        command.addAll(launcher.javaOptions());
        command.addAll(List.of("-cp", settings.classpath(), launcher.mainClass(), "agent", yaml.toString()));
        return command;
    }

    /**
     * Starts {@code node} again with another launcher, on the same YAML and data directory: how a
     * node moves from Patroni to hapg (or back) in a mixed cluster. {@link #defaultLauncher()} is
     * the cluster's own main class.
     *
     * @throws IllegalStateException when the node's process still runs (stop it first)
     */
    public void relaunch(ClusterNode node, Launcher launcher) {
        node.agent().command(command(launcher, node.configFile()));
        node.startAgent();
    }

    /** The cluster's main class and no extra JVM options: what nodes without their own launcher run. */
    public Launcher defaultLauncher() {
        return new Launcher(settings.mainClass(), List.of());
    }

    private void launch() {
        for (int i = 0; i < nodes.size(); i++) {
            if (!settings.startLater().contains(i)) {
                nodes.get(i).startAgent();
            }
        }
    }

    /** The nodes, {@code n0 .. n(N-1)}. */
    public List<ClusterNode> nodes() {
        return nodes;
    }

    public ClusterNode node(int index) {
        return nodes.get(index);
    }

    public ClusterNode node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + name + " in " + nodes));
    }

    /** The etcd cluster (for faults on etcd itself). */
    public LocalEtcd etcd() {
        return etcd;
    }

    /** The scope (cluster name). */
    public String scope() {
        return settings.scope();
    }

    /** {@code host:port} of every etcd member, as a Patroni config lists them. */
    public List<String> etcdHosts() {
        return etcd.clientEndpoints().stream().map(URI::create).map(u -> u.getHost() + ":" + u.getPort())
                .collect(Collectors.toList());
    }

    public Path baseDir() {
        return baseDir;
    }

    /** {@code name -> JDBC URL without credentials}, for {@code WriteHistory}. */
    public Map<String, String> jdbcUrls() {
        Map<String, String> urls = new LinkedHashMap<>();
        nodes.forEach(n -> urls.put(n.name(), n.jdbcUrlWithoutCredentials()));
        return urls;
    }

    /** The superuser's name and password, for JDBC connections. */
    public Credentials superuser() {
        return new Credentials(SUPERUSER, SUPERUSER_PASSWORD);
    }

    /** The node whose {@code /primary} answers 200, if exactly one does. */
    public Optional<ClusterNode> primary() {
        return Convergence.primary(nodes);
    }

    /**
     * Waits until exactly one node answers 200 on {@code /primary} and it matches {@code which}.
     *
     * @throws IllegalStateException on timeout, with each node's answers
     */
    public ClusterNode awaitPrimary(Predicate<ClusterNode> which, Duration timeout) {
        return Convergence.awaitPrimary(nodes, which, timeout);
    }

    /**
     * Waits until a node other than the primary answers 200 on {@code /sync}: the sync key names it,
     * so in synchronous mode it may take over (without one, no node may). Returns that standby.
     *
     * @throws IllegalStateException on timeout, with each node's answers
     */
    public ClusterNode awaitSyncStandby(Duration timeout) {
        return Convergence.awaitSyncStandby(nodes, timeout);
    }

    /**
     * Waits until exactly one node is primary ({@code /primary} 200) and every other node is a
     * replica ({@code /replica} 200) streaming from it ({@code pg_stat_wal_receiver}); returns the
     * primary.
     *
     * @throws IllegalStateException on timeout, with what each node answered last
     */
    public ClusterNode awaitConverged(Duration timeout) {
        return Convergence.awaitConverged(nodes, timeout);
    }

    @Override
    public List<ManagedProcess> processes() {
        List<ManagedProcess> all = new ArrayList<>();
        nodes.forEach(n -> all.addAll(n.agent().processes()));
        all.addAll(etcd.processes());
        return all;
    }

    /**
     * kill -9 of every node (agents, postmasters, backends), closes the proxies and etcd, deletes
     * the data directories; the logs stay in {@link #baseDir()}. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        killEverything();
        proxies.forEach(FaultProxy::close);
        etcd.close();
        nodes.forEach(n -> deleteTree(n.dataDir()));
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook runs now.
        }
    }

    private void killEverything() {
        for (ClusterNode n : nodes) {
            n.agent().freeze(false);
            n.killNode();
            // A postmaster whose agent died first (reparented): the PID in its own data directory.
            Pids.postmasterPidFile(n.dataDir()).ifPresent(pid -> {
                if (Pids.isAlive(pid)) {
                    List<Long> all = new ArrayList<>(Pids.descendants(pid));
                    all.add(0, pid);
                    Pids.killAll(all);
                }
            });
        }
    }

    @Override
    public String toString() {
        return "LocalCluster " + settings.scope() + " " + nodes + " in " + baseDir;
    }

    private static Path directory(Path dir) {
        try {
            Files.createDirectories(dir);
            // PostgreSQL runs as another user when we are root: it must traverse every parent.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // Leftovers in a temporary directory are harmless.
        }
    }

    /** Settings of a {@link LocalCluster}; {@link #start()} starts it. */
    public static final class Builder {
        private String scope = "hapg-local";
        private int nodes = 3;
        private int etcdMembers = 3;
        private int ttl = 8;
        private int loopWait = 1;
        private int retryTimeout = 2;
        private final Map<String, Object> dcs = new LinkedHashMap<>();
        private final Map<String, Object> bootstrap = new LinkedHashMap<>();
        private final Map<String, String> callbacks = new LinkedHashMap<>();
        private final Map<String, String> topLevelCallbacks = new LinkedHashMap<>();
        private Credentials restAuth;
        private Tls restTls;
        private final Map<String, String> pgParameters = new LinkedHashMap<>(Map.of(
                "fsync", "off", "shared_buffers", "16MB", "max_connections", "60"));
        private final Map<String, Object> postgresql = new LinkedHashMap<>();
        private boolean etcdProxies;
        // An agent out of memory exits at once: its fence process then stops PostgreSQL. The simpleLogger
        // flags time-stamp agents started on a classpath with slf4j-simple (ha-hikari's, ha-examples');
        // where the agent's Logback is the binding, its default configuration time-stamps every line.
        private List<String> javaOptions = List.of("-Xms32m", "-Xmx192m", "-XX:+UseSerialGC",
                "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
        private String classpath = absoluteClasspath(System.getProperty("java.class.path"));
        private String mainClass = AGENT_MAIN;
        private Path parentDir;
        private final Map<Integer, Map<String, Object>> nodeTags = new LinkedHashMap<>();
        private final Map<Integer, Launcher> launchers = new LinkedHashMap<>();
        private final Set<Integer> startLater = new LinkedHashSet<>();

        private Builder() {
        }

        /** The scope (cluster name); default {@code hapg-local}. */
        public Builder scope(String scope) {
            this.scope = Objects.requireNonNull(scope, "scope");
            return this;
        }

        /** The number of nodes (1..9); default 3. */
        public Builder nodes(int nodes) {
            if (nodes < 1 || nodes > 9) {
                throw new IllegalArgumentException("nodes must be in [1, 9]: " + nodes);
            }
            this.nodes = nodes;
            return this;
        }

        /** The number of etcd members, 1 or 3; default 3. */
        public Builder etcdMembers(int members) {
            if (members != 1 && members != 3) {
                throw new IllegalArgumentException("etcdMembers must be 1 or 3: " + members);
            }
            this.etcdMembers = members;
            return this;
        }

        /** {@code bootstrap.dcs.ttl} in seconds; default 8. */
        public Builder ttl(int seconds) {
            this.ttl = seconds;
            return this;
        }

        /** {@code bootstrap.dcs.loop_wait} in seconds; default 1. */
        public Builder loopWait(int seconds) {
            this.loopWait = seconds;
            return this;
        }

        /** {@code bootstrap.dcs.retry_timeout} in seconds; default 2. */
        public Builder retryTimeout(int seconds) {
            this.retryTimeout = seconds;
            return this;
        }

        /** Any other {@code bootstrap.dcs} key, e.g. {@code maximum_lag_on_failover}. */
        public Builder dcs(String key, Object value) {
            dcs.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * A key of each node's {@code bootstrap} section besides {@code dcs}, e.g. {@code method}
         * and the method's section as a map (written as a YAML flow mapping).
         */
        public Builder bootstrap(String key, Object value) {
            bootstrap.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** {@code bootstrap.dcs.synchronous_mode}. */
        public Builder synchronousMode(boolean on) {
            return dcs("synchronous_mode", on);
        }

        /** {@code bootstrap.dcs.failsafe_mode}. */
        public Builder failsafeMode(boolean on) {
            return dcs("failsafe_mode", on);
        }

        /** {@code bootstrap.dcs.primary_start_timeout} in seconds. */
        public Builder primaryStartTimeout(int seconds) {
            return dcs("primary_start_timeout", seconds);
        }

        /**
         * {@code postgresql.callbacks.<event>}: {@code on_start}, {@code on_role_change}, ...
         * {@code {etcd_hosts}} in the command becomes the node's etcd endpoints ({@code host:port,...}).
         */
        public Builder callback(String event, String command) {
            callbacks.put(Objects.requireNonNull(event, "event"), Objects.requireNonNull(command, "command"));
            return this;
        }

        /**
         * A callback in the article's spelling, a top-level {@code callbacks:} section (the agent
         * warns and uses it as {@code postgresql.callbacks}); {@code {etcd_hosts}} as in
         * {@link #callback}.
         */
        public Builder topLevelCallback(String event, String command) {
            topLevelCallbacks.put(Objects.requireNonNull(event, "event"), Objects.requireNonNull(command, "command"));
            return this;
        }

        /** {@code restapi.authentication}: mutating calls need these credentials; the cluster's REST calls send them. */
        public Builder restApiAuthentication(String username, String password) {
            this.restAuth = new Credentials(username, password);
            return this;
        }

        /** {@code restapi.certfile}/{@code keyfile}: the REST API speaks https. */
        public Builder restApiTls(Tls tls) {
            this.restTls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /** A {@code postgresql.parameters} entry (defaults: fsync off, small shared_buffers). */
        public Builder pgParameter(String name, String value) {
            pgParameters.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Another key of each node's {@code postgresql} section, e.g.
         * {@code remove_data_directory_on_rewind_failure: true}; a scalar.
         */
        public Builder postgresql(String key, Object value) {
            postgresql.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Both {@code postgresql.remove_data_directory_on_rewind_failure} and
         * {@code ..._on_diverged_timelines} true: a node that cannot be rewound is re-cloned rather
         * than kept for an operator (Patroni's default, false). For runs that kill nodes at random
         * and must converge on their own.
         */
        public Builder removeDataDirectoryWhenDiverged() {
            return postgresql("remove_data_directory_on_rewind_failure", true)
                    .postgresql("remove_data_directory_on_diverged_timelines", true);
        }

        /** Routes each node's etcd connections through its own {@link FaultProxy}s, for {@link ClusterNode#cutFromEtcd()}. */
        public Builder etcdProxies(boolean on) {
            this.etcdProxies = on;
            return this;
        }

        /** The agent JVMs' options (default: small heap, serial GC, C1 only, timestamped logs). */
        public Builder javaOptions(List<String> options) {
            this.javaOptions = List.copyOf(options);
            return this;
        }

        /**
         * The agents' class path (default: this JVM's, which holds hapg.jar or the build's classes).
         * Relative entries are resolved against this JVM's working directory: the agents run in
         * their own directories, where {@code ha-agent/target/hapg.jar} names nothing.
         */
        public Builder classpath(String classpath) {
            this.classpath = absoluteClasspath(Objects.requireNonNull(classpath, "classpath"));
            return this;
        }

        /** The agents' main class, called as {@code MAIN agent CONFIG.yml} (default {@link #AGENT_MAIN}). */
        public Builder mainClass(String mainClass) {
            this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
            return this;
        }

        /**
         * Node {@code nodeIndex} runs {@code launcher}'s main class (with its extra JVM options)
         * instead of {@link #mainClass(String)}'s: e.g. Patroni on n0 and n1, hapg on n2.
         *
         * @throws IllegalArgumentException when {@code nodeIndex} is not in [0, nodes)
         */
        public Builder launcher(int nodeIndex, Launcher launcher) {
            if (nodeIndex < 0 || nodeIndex >= nodes) {
                throw new IllegalArgumentException("launcher: node index must be in [0, " + nodes + "): " + nodeIndex);
            }
            launchers.put(nodeIndex, Objects.requireNonNull(launcher, "launcher"));
            return this;
        }

        /**
         * {@link #start()} does not start node {@code nodeIndex}: the test starts it with
         * {@link ClusterNode#startAgent()}, e.g. once the others bootstrapped, so that it joins an
         * existing cluster (a Patroni node cloning from an hapg primary).
         *
         * @throws IllegalArgumentException when {@code nodeIndex} is not in [0, nodes)
         */
        public Builder startLater(int nodeIndex) {
            if (nodeIndex < 0 || nodeIndex >= nodes) {
                throw new IllegalArgumentException("startLater: node index must be in [0, " + nodes + "): " + nodeIndex);
            }
            startLater.add(nodeIndex);
            return this;
        }

        /** Where the cluster's temporary directory is created (default: the system temp dir). */
        public Builder parentDir(Path dir) {
            this.parentDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Node {@code nodeIndex}'s {@code tags:} section, e.g. {@code Map.of("nofailover", true)} or
         * {@code Map.of("failover_priority", 2)}; replaces earlier tags of that node. Change them
         * later with {@link ClusterNode#rewriteTags(Map)} and an agent restart.
         *
         * @throws IllegalArgumentException when {@code nodeIndex} is not in [0, nodes)
         */
        public Builder tags(int nodeIndex, Map<String, ?> tags) {
            if (nodeIndex < 0 || nodeIndex >= nodes) {
                throw new IllegalArgumentException("tags: node index must be in [0, " + nodes + "): " + nodeIndex);
            }
            nodeTags.put(nodeIndex, new LinkedHashMap<String, Object>(Objects.requireNonNull(tags, "tags")));
            return this;
        }

        /**
         * Starts etcd, writes every node's YAML and starts every agent; returns without waiting for
         * the cluster to bootstrap (see {@link LocalCluster#awaitConverged(Duration)}).
         *
         * @throws IllegalArgumentException when loop_wait + 2 * retry_timeout > ttl
         * @throws IllegalStateException when etcd does not start
         */
        public LocalCluster start() {
            if (loopWait < 1 || retryTimeout < 1 || loopWait + 2 * retryTimeout > ttl) {
                throw new IllegalArgumentException("need loop_wait + 2 * retry_timeout <= ttl, got loop_wait="
                        + loopWait + ", retry_timeout=" + retryTimeout + ", ttl=" + ttl);
            }
            Settings s = new Settings(scope, nodes, ttl, loopWait, retryTimeout, Map.copyOf(dcs),
                    new LinkedHashMap<>(callbacks), new LinkedHashMap<>(topLevelCallbacks), Optional.ofNullable(restAuth), Optional.ofNullable(restTls),
                    new LinkedHashMap<>(pgParameters), new LinkedHashMap<>(postgresql), etcdProxies, javaOptions,
                    classpath, mainClass, Map.copyOf(launchers), Set.copyOf(startLater), new LinkedHashMap<>(bootstrap));
            Path base;
            try {
                base = parentDir == null ? Files.createTempDirectory("hapg-cluster-")
                        : Files.createTempDirectory(parentDir, "hapg-cluster-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the cluster directory", e);
            }
            directory(base);
            LocalEtcd etcd = LocalEtcd.start(etcdMembers);
            LocalCluster cluster;
            try {
                cluster = new LocalCluster(s, base, etcd);
            } catch (RuntimeException e) {
                etcd.close();
                throw e;
            }
            try {
                nodeTags.forEach((index, tags) -> cluster.node(index).rewriteTags(tags));
                cluster.launch();
                return cluster;
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
        }
    }

    /** Each entry of a class path made absolute against this JVM's working directory. */
    public static String absoluteClasspath(String classpath) {
        return Arrays.stream(classpath.split(File.pathSeparator)).filter(e -> !e.isEmpty())
                .map(e -> Path.of(e).toAbsolutePath().normalize().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }
}
