package io.hapg.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A real etcd cluster of one or three members on loopback, for integration tests.
 *
 * <p>Each member listens on free 127.0.0.1 ports, keeps its data in its own directory under one
 * temporary base directory and writes its log next to it ({@code m0.data}, {@code m0.log}).
 * {@link #start(int)} returns once every member reports healthy. Members are addressed by index
 * ({@code 0..memberCount()-1}) and can be stopped, killed, frozen, thawed and restarted to inject
 * faults; every signal goes to the member's PID. Timings are tuned for tests: 100 ms heartbeat,
 * 1 s election timeout.
 *
 * <p>Thread-safety: the fault methods may be called from any thread; they are serialized.
 *
 * <pre>{@code
 * try (LocalEtcd etcd = LocalEtcd.start(3)) {
 *     Client client = Client.builder().endpoints(etcd.clientEndpoints().toArray(String[]::new)).build();
 *     etcd.kill(0);
 *     etcd.restart(0);
 *     etcd.awaitHealthy(Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class LocalEtcd implements AutoCloseable, ProcessOwner {
    static final String BINARY = "etcd";
    static final String BINARY_PROPERTY = "hapg.etcd.bin";
    static final String BINARY_ENV = "HAPG_ETCD_BIN";
    static final String INSTALL_HINT = "sudo apt-get install -y etcd-server";
    private static final int PORT_ATTEMPTS = 3;

    private final Path binary;
    private final Path baseDir;
    private final List<EtcdMember> members;
    private final EtcdHealth health = new EtcdHealth();
    private final AtomicBoolean closed = new AtomicBoolean();

    private final Tls tls;
    private final List<String> extraArgs;

    private LocalEtcd(Path binary, Path baseDir, int memberCount, Tls tls, List<String> extraArgs) {
        this.binary = binary;
        this.baseDir = baseDir;
        this.tls = tls;
        this.extraArgs = extraArgs;
        this.members = IntStream.range(0, memberCount)
                .mapToObj(i -> new EtcdMember("m" + i, baseDir))
                .collect(Collectors.toUnmodifiableList());
    }

    /**
     * Starts a cluster of {@code members} (1 or 3) with the etcd found through
     * {@code -Dhapg.etcd.bin}, {@code HAPG_ETCD_BIN} or the PATH, and waits up to 30 s for it.
     *
     * @throws IllegalArgumentException when {@code members} is neither 1 nor 3
     * @throws MissingBinaryException when no etcd executable is found
     * @throws IllegalStateException when the cluster is not healthy within 30 s or a member
     *     exits; the message holds the members' log tails. Nothing is left running.
     */
    public static LocalEtcd start(int members) {
        return builder().members(members).start();
    }

    /** A builder for the less common settings (explicit binary, start timeout). */
    public static Builder builder() {
        return new Builder();
    }

    /** The number of members, running or not. */
    public int memberCount() {
        return members.size();
    }

    /**
     * The client URLs of all members, in index order, for example {@code http://127.0.0.1:23791}
     * ({@code https://} when started with {@link Builder#tls}).
     */
    public List<String> clientEndpoints() {
        return members.stream().map(EtcdMember::clientUrl).collect(Collectors.toUnmodifiableList());
    }

    /** The client URL of member {@code index}. */
    public String clientEndpoint(int index) {
        return member(index).clientUrl();
    }

    /** The client port of member {@code index} on 127.0.0.1, for example to put a proxy in front. */
    public int clientPort(int index) {
        return member(index).clientPort();
    }

    /** Sends SIGTERM to member {@code index} and waits for it to exit (SIGKILL after 10 s). */
    public synchronized void stop(int index) {
        member(index).stop();
    }

    /** Sends SIGKILL to member {@code index} and waits until it is gone. */
    public synchronized void kill(int index) {
        member(index).kill();
    }

    /** Sends SIGSTOP to member {@code index}: it keeps its sockets open but answers nothing. */
    public synchronized void freeze(int index) {
        member(index).freeze();
    }

    /** Sends SIGCONT to member {@code index}, undoing {@link #freeze(int)}. */
    public synchronized void thaw(int index) {
        member(index).thaw();
    }

    /**
     * Starts member {@code index} again with its name, ports and data directory, stopping it
     * first (SIGTERM) if it is running. Returns once the process is started, without waiting
     * for it to rejoin: call {@link #awaitMembersHealthy(Duration, int...)} for that. If a port
     * was taken meanwhile the member exits, and the next health wait reports its log.
     */
    public synchronized void restart(int index) {
        EtcdMember member = member(index);
        member.stop();
        member.start();
    }

    /** True while the process of member {@code index} exists, including while it is frozen. */
    public boolean isRunning(int index) {
        return member(index).isRunning();
    }

    /** True when member {@code index} answers {@code /health} with true within 2 s. */
    public boolean isHealthy(int index) {
        return health.isHealthy(member(index));
    }

    /**
     * Waits until a quorum of members (1 of 1, 2 of 3) reports healthy.
     *
     * @throws IllegalStateException on timeout, or at once when fewer members than a quorum are
     *     running; the message holds the members' log tails
     */
    public void awaitHealthy(Duration timeout) {
        int[] all = IntStream.range(0, members.size()).toArray();
        await(timeout, members.size() / 2 + 1, all);
    }

    /**
     * Waits until every listed member reports healthy.
     *
     * @throws IllegalStateException on timeout, or at once when a listed member is not running;
     *     the message holds the members' log tails
     */
    public void awaitMembersHealthy(Duration timeout, int... indexes) {
        for (int index : indexes) {
            member(index);
        }
        await(timeout, indexes.length, indexes);
    }

    @Override
    public List<ManagedProcess> processes() {
        return members.stream().map(EtcdMember::process).flatMap(Optional::stream)
                .collect(Collectors.toUnmodifiableList());
    }

    /**
     * Stops every member (SIGTERM, then SIGKILL after 10 s) and deletes their data directories.
     * The logs (a few kB) stay in {@link #baseDir()} so that a failing test can still show them.
     * Idempotent.
     *
     * @throws UncheckedIOException when a data directory cannot be deleted
     */
    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        members.forEach(EtcdMember::close);
        members.forEach(EtcdMember::wipeData);
    }

    @Override
    public String toString() {
        return "LocalEtcd" + members.stream().map(EtcdMember::describe).collect(Collectors.toList());
    }

    /** The temporary directory holding each member's data directory and log. */
    public Path baseDir() {
        return baseDir;
    }

    private void bootstrap(Duration timeout) {
        for (int attempt = 1; ; attempt++) {
            members.forEach(EtcdMember::assignFreshPorts);
            String initialCluster = members.stream().map(m -> m.name() + "=" + m.peerUrl())
                    .collect(Collectors.joining(","));
            String token = "hapg-" + UUID.randomUUID();
            members.forEach(m -> m.configure(binary, initialCluster, token, tls, extraArgs));
            members.forEach(EtcdMember::start);
            try {
                awaitMembersHealthy(timeout, IntStream.range(0, members.size()).toArray());
                return;
            } catch (EtcdHealth.PortClash clash) {
                if (attempt == PORT_ATTEMPTS) {
                    throw new IllegalStateException("etcd could not bind its ports in " + PORT_ATTEMPTS
                            + " attempts" + EtcdHealth.logs(members), clash);
                }
                members.forEach(EtcdMember::close);
                members.forEach(EtcdMember::wipeData);
            }
        }
    }

    private void await(Duration timeout, int needed, int[] indexes) {
        Objects.requireNonNull(timeout, "timeout");
        health.await(members, indexes, needed, timeout, () -> !closed.get());
    }

    private EtcdMember member(int index) {
        if (index < 0 || index >= members.size()) {
            throw new IllegalArgumentException("member index must be in [0, " + members.size() + "): " + index);
        }
        ensureOpen();
        return members.get(index);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("LocalEtcd is closed");
        }
    }

    static Path resolveBinary(Path explicit) {
        if (explicit != null) {
            if (Files.isExecutable(explicit) && !Files.isDirectory(explicit)) {
                return explicit;
            }
            throw new MissingBinaryException(BINARY, "at " + explicit, INSTALL_HINT);
        }
        String setting = Optional.ofNullable(System.getProperty(BINARY_PROPERTY)).filter(v -> !v.isBlank())
                .orElse(System.getenv(BINARY_ENV));
        String searched = setting == null || setting.isBlank()
                ? "on PATH (or -D" + BINARY_PROPERTY + " / " + BINARY_ENV + ")"
                : "at " + setting + " (set by -D" + BINARY_PROPERTY + " or " + BINARY_ENV + ")";
        return Binaries.find(BINARY, BINARY_PROPERTY, BINARY_ENV)
                .orElseThrow(() -> new MissingBinaryException(BINARY, searched, INSTALL_HINT));
    }

    /**
     * Client TLS for the members: etcd serves its client port over https with {@code certFile}
     * and {@code keyFile} and requires a client certificate signed by {@code trustedCaFile}
     * ({@code --client-cert-auth}). Peer traffic stays plain http on loopback; health checks use
     * a separate plain-http metrics port.
     */
    public record Tls(Path certFile, Path keyFile, Path trustedCaFile) {
        public Tls {
            Objects.requireNonNull(certFile, "certFile");
            Objects.requireNonNull(keyFile, "keyFile");
            Objects.requireNonNull(trustedCaFile, "trustedCaFile");
        }
    }

    /** Settings for {@link LocalEtcd}; {@link #start()} validates them and starts the cluster. */
    public static final class Builder {
        private int members = 1;
        private Path binary;
        private Duration startTimeout = Duration.ofSeconds(30);
        private Tls tls;
        private final List<String> extraArgs = new ArrayList<>();

        private Builder() {
        }

        /** The number of members: 1 (default) or 3. */
        public Builder members(int members) {
            if (members != 1 && members != 3) {
                throw new IllegalArgumentException("members must be 1 or 3: " + members);
            }
            this.members = members;
            return this;
        }

        /** The etcd executable to run, instead of looking it up (property, env, PATH). */
        public Builder binary(Path binary) {
            this.binary = Objects.requireNonNull(binary, "binary");
            return this;
        }

        /** Serves the client port over TLS and requires client certificates; see {@link Tls}. */
        public Builder tls(Tls tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /** Extra etcd flags, appended to every member's command line (e.g. {@code --auto-compaction-retention}). */
        public Builder extraArgs(String... args) {
            for (String arg : args) {
                extraArgs.add(Objects.requireNonNull(arg, "arg"));
            }
            return this;
        }

        /** How long {@link #start()} waits for every member to be healthy; default 30 s. */
        public Builder startTimeout(Duration startTimeout) {
            if (startTimeout.isNegative() || startTimeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be > 0: " + startTimeout);
            }
            this.startTimeout = startTimeout;
            return this;
        }

        /**
         * Starts the cluster and waits until every member is healthy, retrying on fresh ports
         * (up to 3 times) when a port was taken before etcd bound it.
         *
         * @throws MissingBinaryException when no etcd executable is found
         * @throws IllegalStateException when the cluster is not healthy in time or a member
         *     exits; the message holds the members' log tails. Nothing is left running.
         * @throws UncheckedIOException when the temporary directory cannot be created
         */
        public LocalEtcd start() {
            Path etcd = resolveBinary(binary);
            Path baseDir;
            try {
                baseDir = Files.createTempDirectory("hapg-etcd-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary directory for etcd", e);
            }
            LocalEtcd cluster = new LocalEtcd(etcd, baseDir, members, tls, List.copyOf(extraArgs));
            try {
                cluster.bootstrap(startTimeout);
                return cluster;
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
        }
    }
}
