package io.hapg.core;

import io.hapg.core.callbacks.ScriptCallbacks;
import io.hapg.core.callbacks.ScriptPrePromote;
import io.hapg.core.config.HaConfig;
import io.hapg.core.http.ClientTls;
import io.hapg.core.http.HttpApi;
import io.hapg.core.http.NodeControl;
import io.hapg.core.internal.HaLoop;
import io.hapg.core.internal.HttpPeerClient;
import io.hapg.core.internal.ListenerDispatcher;
import io.hapg.core.internal.MemberPublisher;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailsafePing;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Member;
import io.hapg.core.model.Version;
import io.hapg.core.spi.ClusterKey;
import io.hapg.core.spi.Consensus;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.spi.HealthReporter;
import io.hapg.core.spi.NodeStatus;
import io.hapg.core.spi.PeerClient;
import io.hapg.core.spi.PrePromoteHook;
import io.hapg.core.spi.RoleChangeListener;
import io.hapg.core.spi.TimeSource;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One hapg agent: keeps the local PostgreSQL in the role the cluster needs, through the
 * {@link Consensus} and {@link DatabaseNode} it is given. Embeddable: build it, {@link #start()}
 * it once, {@link #close()} it when the process stops.
 *
 * <pre>{@code
 * try (HaAgent agent = HaAgent.builder(config, consensus, database)
 *         .connUrl("postgres://10.0.0.5:5432/postgres")
 *         .apiUrl("http://10.0.0.5:8008/patroni")
 *         .listener(myPoolSwitcher)
 *         .build()) {
 *     agent.start();
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Threads</b> (all named after the member, all stopped by {@link #close()}):
 * {@code ha-loop-<member>} owns all state and runs the loop; {@code ha-action-<member>} runs slow
 * database work; {@code ha-watchdog-<member>} fences PostgreSQL before the lease deadline even if
 * the loop is stuck; {@code ha-listeners-<member>} delivers listener calls. One child process,
 * {@code hapg-fence-<member>} (unless {@code watchdog.mode: off}), fences PostgreSQL when this
 * JVM freezes or dies while primary; {@link #close()} disarms it and lets it exit.
 *
 * <p><b>Ownership</b>: the agent closes the consensus, the database node, the health reporters
 * and the peer client it was given when it closes.
 */
public final class HaAgent implements NodeControl, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HaAgent.class);
    /** Published in the member key's {@code version} field. */
    public static final String VERSION = Version.NAME;

    private enum State { LATENT, STARTED, CLOSED }

    private final HaConfig config;
    private final Consensus consensus;
    private final DatabaseNode database;
    private final PeerClient peers;
    private final List<HealthReporter> reporters;
    private final ListenerDispatcher listeners;
    private final HaLoop loop;
    private final TimeSource time;
    private final Duration shutdownTimeout;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final Optional<HttpApi> api;
    private AutoCloseable watch;

    private HaAgent(Builder b) {
        this.config = b.config;
        this.consensus = b.consensus;
        this.database = b.database;
        this.time = b.time;
        this.peers = b.peers != null ? b.peers
                : new HttpPeerClient(config.name(), ClientTls.credentials(config),
                        ClientTls.context(config));
        List<HealthReporter> allReporters = new ArrayList<>(b.reporters);
        if (b.restApi != null) {
            // Built here so the API and the agent can point at each other: it reports to the API,
            // the API's mutating calls come back to it.
            HttpApi http = b.restApi.control(this).timeSource(b.time).build();
            allReporters.add(http);
            this.api = Optional.of(http);
        } else {
            this.api = Optional.empty();
        }
        this.reporters = List.copyOf(allReporters);
        List<RoleChangeListener> all = new ArrayList<>(b.listeners);
        Map<String, String> scripts = config.callbacks().asMap();
        if (!scripts.isEmpty()) {
            // Patroni's postgresql.callbacks, configured in the YAML: no code needed to get them.
            all.add(new ScriptCallbacks(scripts, config.bootstrapDcs().ttl()));
        }
        this.listeners = new ListenerDispatcher(config.name(), all, b.listenerTimeout);
        Duration ttl = config.bootstrapDcs().ttl();
        Duration margin = b.fencingMargin != null ? b.fencingMargin
                : Duration.ofMillis(Math.min(5000, Math.max(500, ttl.toMillis() / 4)));
        this.shutdownTimeout = b.shutdownTimeout != null ? b.shutdownTimeout : ttl.plus(config.bootstrapDcs()
                .retryTimeout());
        MemberPublisher publisher = new MemberPublisher(config.name(),
                b.connUrl != null ? b.connUrl : config.connUrl().orElse(""),
                b.apiUrl != null ? b.apiUrl : defaultApiUrl(config), config.tags(), VERSION);
        PrePromoteHook prePromote = b.prePromote != null ? b.prePromote
                : config.prePromote().<PrePromoteHook>map(cmd -> new ScriptPrePromote(cmd, ttl))
                        .orElse(PrePromoteHook.ALLOW);
        this.loop = new HaLoop(config, consensus, database, time, peers, listeners, reporters, prePromote,
                publisher, margin);
    }

    /**
     * Starts the loop, the watchdog and the watch. Returns at once; the first iteration runs on
     * the loop thread.
     *
     * @throws IllegalStateException if called twice or after {@link #close()}
     */
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("HaAgent " + config.name() + " can be started only once");
        }
        LOG.info("{}/{}: starting", config.scope(), config.name());
        api.ifPresent(HttpApi::start);
        watch = consensus.watch(loop::wake);
        loop.start();
    }

    /** The REST API's bound address, when the agent runs one (port 0 in the config picks a free port). */
    public Optional<InetSocketAddress> restApiAddress() {
        return api.map(HttpApi::address);
    }

    // ---- NodeControl: what the REST API's mutating calls ask of the agent ----

    @Override
    public ClusterView readCluster() {
        return consensus.read();
    }

    // An operator's writes through the REST API of any member, with or without a leader (Patroni
    // accepts them the same way): compare-and-set on the key's own revision, not on a leader term.
    @Override
    public boolean writeFailover(long expectedRevision, Optional<FailoverRequest> request) {
        boolean written = consensus.compareAndSet(ClusterKey.FAILOVER, expectedRevision, request);
        loop.wake();
        return written;
    }

    @Override
    public boolean writeConfig(long expectedRevision, DynamicConfig config) {
        boolean written = consensus.compareAndSet(ClusterKey.CONFIG, expectedRevision, Optional.of(config));
        loop.wake();
        return written;
    }

    @Override
    public void failsafePinged(FailsafePing ping) {
        loop.failsafePinged(ping);
    }

    @Override
    public LeaderProbe.Outcome probeOther(Member member, Duration timeout) {
        return database.probeOther(member, timeout);
    }

    @Override
    public RestartOutcome restart(RestartRequest request) {
        if (request.schedule().isPresent()) {
            return loop.scheduleRestart(request)
                    ? new RestartOutcome(RestartOutcome.Status.SCHEDULED, "Restart scheduled")
                    : new RestartOutcome(RestartOutcome.Status.ALREADY_SCHEDULED, "Another restart is already scheduled");
        }
        Optional<String> unmet = status().flatMap(s -> request.unmetCondition(s.local().role().wireName(),
                s.local().database()));
        if (unmet.isPresent()) {
            LOG.info("{}/{}: not proceeding with the restart: {}", config.scope(), config.name(), unmet.get());
            return new RestartOutcome(RestartOutcome.Status.FAILED, "restart conditions are not satisfied");
        }
        CompletableFuture<String> done = new CompletableFuture<>();
        loop.restart(done);
        Duration limit = request.timeout().orElse(config.bootstrapDcs().ttl().multipliedBy(2));
        try {
            String failure = done.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return failure.isEmpty() ? new RestartOutcome(RestartOutcome.Status.RESTARTED, "restarted successfully")
                    : new RestartOutcome(RestartOutcome.Status.FAILED, failure);
        } catch (TimeoutException e) {
            return new RestartOutcome(RestartOutcome.Status.FAILED, "restart did not finish within " + limit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RestartOutcome(RestartOutcome.Status.FAILED, "interrupted");
        } catch (ExecutionException e) {
            return new RestartOutcome(RestartOutcome.Status.FAILED, "restart failed: " + e.getCause());
        }
    }

    @Override
    public boolean cancelScheduledRestart() {
        return loop.cancelScheduledRestart();
    }

    @Override
    public void reload() {
        loop.reload();
    }

    @Override
    public Optional<String> reinitialize(boolean force, boolean fromLeader) {
        CompletableFuture<Optional<String>> answer = new CompletableFuture<>();
        loop.reinitialize(fromLeader, answer);
        try {
            return answer.get(config.bootstrapDcs().retryTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return Optional.of("the agent did not take the request within retry_timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        } catch (ExecutionException e) {
            return Optional.of(String.valueOf(e.getCause()));
        }
    }

    /**
     * Completes, with its cause, if the HA loop ends abnormally: an {@link Error} (out of memory,
     * stack overflow) or a {@link io.hapg.core.spi.FatalHaException}. The node has then stopped
     * PostgreSQL if it may have been writable, and nothing manages it any more: the process should
     * {@link #close()} the agent and exit non-zero, so that its supervisor restarts it. Never
     * completes on a normal {@link #close()}. Any thread.
     */
    public CompletableFuture<Throwable> loopDeath() {
        return loop.death();
    }

    /** The status after the latest loop iteration; empty before the first. Any thread. */
    public Optional<NodeStatus> status() {
        return loop.status();
    }

    /** Runs the next loop iteration now. Any thread; never blocks. */
    public void wake() {
        loop.wake();
    }

    /**
     * Stops the node: on the primary, stops PostgreSQL and releases the leader key once a replica
     * has the shutdown checkpoint (a quick failover instead of a ttl wait); in pause, leaves
     * PostgreSQL running. Waits for that at most about {@code ttl + retry_timeout}, then stops every
     * thread and closes what the agent owns. Idempotent.
     */
    @Override
    public void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        if (previous == State.STARTED) {
            LOG.info("{}/{}: shutting down", config.scope(), config.name());
            loop.shutdown(shutdownTimeout);
        }
        closeQuietly(watch);
        listeners.close();
        for (HealthReporter reporter : reporters) {
            closeQuietly(reporter);
        }
        closeQuietly(peers);
        closeQuietly(consensus);
        closeQuietly(database);
        LOG.info("{}/{}: stopped", config.scope(), config.name());
    }

    /** {@code http(s)://<restapi.connect_address>/patroni}, as Patroni publishes it. */
    private static String defaultApiUrl(HaConfig config) {
        String scheme = config.restApi().certfile().isPresent() ? "https" : "http";
        return config.restApi().connectAddress()
                .map(a -> scheme + "://" + a.host() + ":" + a.port() + "/patroni").orElse("");
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.warn("closing {} failed: {}", closeable, e.toString());
        }
    }

    public static Builder builder(HaConfig config, Consensus consensus, DatabaseNode database) {
        return new Builder(config, consensus, database);
    }

    /** Builder for {@link HaAgent}. */
    public static final class Builder {
        private final HaConfig config;
        private final Consensus consensus;
        private final DatabaseNode database;
        private TimeSource time = TimeSource.system();
        private PeerClient peers;
        private final List<RoleChangeListener> listeners = new ArrayList<>();
        private final List<HealthReporter> reporters = new ArrayList<>();
        private Duration listenerTimeout = Duration.ofSeconds(30);
        private Duration fencingMargin;
        private Duration shutdownTimeout;
        private PrePromoteHook prePromote;
        private String connUrl;
        private String apiUrl;
        private HttpApi.Builder restApi;

        private Builder(HaConfig config, Consensus consensus, DatabaseNode database) {
            this.config = Objects.requireNonNull(config, "config");
            this.consensus = Objects.requireNonNull(consensus, "consensus");
            this.database = Objects.requireNonNull(database, "database");
        }

        /** The clocks; tests pass a manual one. */
        public Builder timeSource(TimeSource v) { time = Objects.requireNonNull(v, "timeSource"); return this; }
        /** How peers are asked in a leader race; defaults to HTTP ({@code GET /patroni}). */
        public Builder peerClient(PeerClient v) { peers = Objects.requireNonNull(v, "peerClient"); return this; }
        public Builder listener(RoleChangeListener v) { listeners.add(Objects.requireNonNull(v, "listener")); return this; }
        public Builder healthReporter(HealthReporter v) { reporters.add(Objects.requireNonNull(v, "reporter")); return this; }
        /** How long one listener call may take before it is abandoned (30 s). */
        public Builder listenerTimeout(Duration v) { listenerTimeout = positive(v, "listenerTimeout"); return this; }
        /** How long before the lease deadline the watchdog stops PostgreSQL (ttl/4, 0.5–5 s). */
        public Builder fencingMargin(Duration v) { fencingMargin = positive(v, "fencingMargin"); return this; }
        /** How long {@link HaAgent#close()} waits for a clean handover (ttl + retry_timeout). */
        public Builder shutdownTimeout(Duration v) { shutdownTimeout = positive(v, "shutdownTimeout"); return this; }
        /** Replaces {@code postgresql.pre_promote} from the config (default: allow). */
        public Builder prePromote(PrePromoteHook v) { prePromote = Objects.requireNonNull(v, "prePromote"); return this; }
        /** This member's {@code conn_url} (default: {@link HaConfig#connUrl()}). */
        public Builder connUrl(String v) { connUrl = Objects.requireNonNull(v, "connUrl"); return this; }
        /** This member's {@code api_url} (default from {@code restapi.connect_address}). */
        public Builder apiUrl(String v) { apiUrl = Objects.requireNonNull(v, "apiUrl"); return this; }

        /**
         * Serves Patroni's REST API ({@code restapi} in the config) from this agent: health checks
         * from the latest loop state, mutating calls carried out by the agent. Started and stopped
         * with the agent.
         */
        public Builder restApi(HttpApi.Builder v) { restApi = Objects.requireNonNull(v, "restApi"); return this; }

        public HaAgent build() {
            return new HaAgent(this);
        }

        private static Duration positive(Duration v, String name) {
            if (v == null || v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + v);
            }
            return v;
        }
    }
}
