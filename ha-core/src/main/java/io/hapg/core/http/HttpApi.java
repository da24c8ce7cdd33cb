package io.hapg.core.http;

import io.hapg.core.spi.NodeStatus;
import io.hapg.core.spi.TimeSource;
import io.hapg.core.config.HaConfig;
import io.hapg.core.config.HostPort;
import io.hapg.core.config.RestApiConfig.VerifyClient;
import io.hapg.core.config.RestApiConfig;
import io.hapg.core.model.Version;
import io.hapg.core.spi.HealthReporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in Patroni-compatible REST API: a {@link HealthReporter} that serves load balancers,
 * peers, monitoring and {@code hactl} from the status of the latest HA loop iteration.
 *
 * <p><b>Answers come from memory.</b> {@link #report} only stores the status; every GET is
 * computed from the stored copy. No request queries the database, and no GET queries the
 * consensus store, so a stuck database or a flood of checks never hangs the API (a known Patroni
 * pain point). Mutating calls go to the {@link NodeControl}; without one they answer 503.
 *
 * <p><b>Endpoints and codes</b> are Patroni's ({@code patroni/api.py}): the health checks
 * ({@code /primary} and its aliases, {@code /leader}, {@code /standby-leader}, {@code /replica}, {@code /read-only},
 * {@code /sync}, {@code /async}, {@code /read-only-sync}, {@code /health}, {@code /liveness},
 * {@code /readiness}) answer GET with the {@code /patroni} document, HEAD and OPTIONS with the
 * status line only; {@code /patroni}, {@code /cluster}, {@code /history}, {@code /config},
 * {@code /metrics}; {@code POST /switchover}, {@code /failover}, {@code /restart},
 * {@code /reload}, {@code /reinitialize}, {@code /failsafe}, {@code DELETE /switchover},
 * {@code /restart}, {@code PATCH|PUT /config}; and hapg's own {@code POST /hapg/probe-leader}
 * (fast failover: a death probe of the leader's PostgreSQL on another member's behalf; see
 * {@code ProbeLeaderEndpoint}). Decisions where hapg differs on purpose:
 * <ul>
 *   <li>{@code /primary} ({@code /}, {@code /read-write}, {@code /master}) is 200 only on the lock
 *       holder whose PostgreSQL runs as a primary. Patroni keeps answering 200 while a crashed
 *       primary restarts in place; hapg answers 503 then, so a load balancer stops sending writes
 *       to a server that cannot take them. {@code /leader} stays 200 for the lock holder.</li>
 *   <li>"Holds the lock" is judged when the request arrives: the loop's lease deadline must not
 *       have passed (as Patroni's local expiry), so a stuck loop stops claiming it.</li>
 *   <li>In a standby cluster ({@code standby_cluster}), as in Patroni: {@code /standby-leader}
 *       ({@code /standby_leader}) and {@code /leader} are 200 on the lock holder, the standby
 *       leader; {@code /primary} and its aliases are 503 on every member, {@code /replica} on the
 *       standby leader too.</li>
 *   <li>Any other GET path is a health check that Patroni's word matching decides; an unknown
 *       one is 503 with the status document, as in Patroni. Unknown unsafe calls are 501.</li>
 *   <li>{@code /liveness} and {@code /readiness} answer HEAD and OPTIONS with their own code
 *       (Patroni routes those methods to the generic check, which is always 503 there).</li>
 *   <li>Before the first loop iteration every health check is 503.</li>
 *   <li>{@code PATCH|PUT /config} refuses, with 400, a configuration hapg could not run with, and
 *       adding {@code standby_cluster} while the leader runs as a primary (Patroni demotes it).</li>
 * </ul>
 *
 * <p><b>Security</b> for unsafe methods: the {@code restapi.allowlist} (and
 * {@code allowlist_include_members}) → 403, a client certificate with {@code verify_client:
 * optional} → 403, HTTP Basic with {@code restapi.authentication} → 401. TLS is on when
 * {@code restapi.certfile} is set; {@code verify_client: required} makes the handshake demand a
 * client certificate signed by {@code restapi.cafile}. {@code restapi.ciphers} (OpenSSL syntax)
 * is applied when it names suites one by one ({@link CipherSuites}); a string with OpenSSL
 * keywords is refused at start. Without authentication, allowlist and client certificates the
 * unsafe endpoints are open to anyone, as in Patroni; on a non-loopback address the start logs a
 * warning. A {@code restapi.allowlist} none of whose entries parse refuses every unsafe call.
 * Each unsafe call and each 401/403 writes one line to the {@code io.hapg.audit} logger.
 *
 * <p><b>Server</b>: Netty when it is on the class path (the agent has it through jetcd), the JDK's
 * built-in server otherwise; {@link Builder#transport} chooses. On Netty a health check is
 * answered on the I/O thread that read it, with no hand-off (measured on 2 cores, one agent and
 * wrk on the same machine: see CHANGELOG and {@code scripts/bench/one-node.sh primary}); unsafe
 * calls run on worker threads. Both servers close connections past {@value #MAX_CONNECTIONS} on
 * accept, close a connection that does not deliver a whole request in time (Netty:
 * {@link Builder#requestTimeout}, TLS handshake included; the JDK: {@value #REQUEST_SECONDS} s,
 * plus a reaper that frees a worker held by a half-sent request after {@link Builder#requestTimeout})
 * and close keep-alive connections idle for 30 s (shorter, and a peer that reuses its connection
 * once per {@code loop_wait} would race the server closing it; {@code POST /failsafe} is not
 * retried). Bodies over 64 KiB are refused with 413. Details: {@code NettyServer},
 * {@code JdkServer}.
 *
 * <p><b>Threads</b>: Netty: one {@code ha-http-<member>-io} thread and up to
 * {@link Builder#maxThreads} {@code ha-http-<member>-N} threads for unsafe calls (idle ones exit).
 * JDK: up to {@link Builder#maxThreads} request threads {@code ha-http-<member>-N} and one
 * {@code ha-http-<member>-reaper}. {@link #report} runs on the HA loop thread and only stores a
 * reference.
 */
public final class HttpApi implements HealthReporter {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    private enum State { LATENT, STARTED, CLOSED }

    private final HaConfig config;
    private final RestApiConfig rest;
    private final AtomicReference<NodeStatus> latest = new AtomicReference<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final ApiContext ctx;
    private final InetSocketAddress bindAddress;
    private final int maxThreads;
    private final Duration requestTimeout;
    private final Duration pollInterval;
    private final Transport transport;
    /** The most connections open at once: far above what load balancers, peers and monitoring need. */
    static final int MAX_CONNECTIONS = 512;
    /** Seconds a connection has to deliver a whole request to the JDK server, its first one included. */
    static final int REQUEST_SECONDS = 10;
    /**
     * How long a keep-alive connection may wait between requests: the JDK's default. Shorter, and
     * a peer that reuses its connection once per {@code loop_wait} (10 s by default) would race
     * the server closing it, and {@code POST /failsafe} is not retried.
     */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    private volatile ApiServer server;

    private HttpApi(Builder b) {
        this.config = b.config;
        this.rest = b.config.restApi();
        this.maxThreads = b.maxThreads != 0 ? b.maxThreads : Math.max(32, 4 * rest.threadPoolSize());
        this.requestTimeout = b.requestTimeout;
        this.pollInterval = b.pollInterval;
        this.transport = b.transport;
        this.bindAddress = b.bindAddress != null ? b.bindAddress : address(rest.listen());
        this.ctx = new ApiContext(config, b.time, Optional.ofNullable(b.control), latest,
                Version.number());
    }

    /** Stores the status for the next requests. Called on the HA loop thread; never blocks. */
    @Override
    public void report(NodeStatus status) {
        latest.set(Objects.requireNonNull(status, "status"));
    }

    /**
     * Binds the listen address and starts serving. Once only.
     *
     * @throws IllegalStateException if called twice or after {@link #close()}
     * @throws UncheckedIOException when the address cannot be bound
     * @throws io.hapg.core.config.ConfigException when a TLS file is missing or unusable
     */
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("HttpApi for " + config.name() + " can be started only once");
        }
        AccessControl access;
        try {
            // The allowlist's host names are resolved here, not in the constructor (no I/O there).
            access = new AccessControl(rest);
            Map<String, String> headers = new LinkedHashMap<>(rest.httpExtraHeaders());
            if (rest.tls()) {
                headers.putAll(rest.httpsExtraHeaders());
            }
            Router router = new Router(ctx, access, headers, pollInterval);
            ServerSettings settings = settings();
            this.server = netty() ? NettyServers.start(settings, router) : JdkServer.start(settings, router);
        } catch (IOException e) {
            throw new UncheckedIOException("REST API cannot listen on " + bindAddress + ": " + e.getMessage(), e);
        }
        InetSocketAddress bound = address();
        LOG.info("{}/{}: REST API listening on {}://{}:{}", config.scope(), config.name(),
                rest.tls() ? "https" : "http", bound.getAddress().getHostAddress(), bound.getPort());
        if (openToNetwork(bound, access)) {
            LOG.warn("{}/{}: ***** The REST API's unsafe endpoints (switchover, failover, restart, reinitialize, "
                    + "PATCH /config, which can set archive_command and so run commands as the database's OS "
                    + "user) are open to anyone who can reach {}:{}. Set restapi.authentication, "
                    + "restapi.allowlist or restapi.verify_client, or listen on a loopback address. *****",
                    config.scope(), config.name(), bound.getAddress().getHostAddress(), bound.getPort());
        }
    }

    /** Whether unsafe calls need nothing and the address is reachable from other hosts. */
    static boolean openToNetwork(InetSocketAddress bound, AccessControl access) {
        return !bound.getAddress().isLoopbackAddress() && access.unsafeOpen();
    }

    /** Whether this API runs on Netty: when asked to, or by default when its classes are present. */
    private boolean netty() {
        switch (transport) {
            case NETTY:
                if (!NettyServer.available()) {
                    throw new IllegalStateException("HttpApi for " + config.name()
                            + ": the Netty transport was asked for but netty-codec-http is not on the class path");
                }
                return true;
            case JDK:
                return false;
            default:
                return NettyServer.available();
        }
    }

    private ServerSettings settings() {
        Optional<SSLContext> tls = Optional.empty();
        SSLParameters parameters = new SSLParameters();
        if (rest.tls()) {
            SSLContext context = PemTls.context(rest);
            // restapi.ciphers is applied to a copy now, so a string that cannot be applied stops the
            // start with its reason instead of failing every handshake later.
            parameters = context.getDefaultSSLParameters();
            SSLParameters template = parameters;
            rest.ciphers().ifPresent(c -> CipherSuites.apply(c, template,
                    context.getSupportedSSLParameters().getCipherSuites()));
            VerifyClient verify = rest.verifyClient();
            if (verify == VerifyClient.REQUIRED) {
                parameters.setNeedClientAuth(true);
            } else if (verify == VerifyClient.OPTIONAL) {
                parameters.setWantClientAuth(true);
            }
            tls = Optional.of(context);
        }
        return new ServerSettings(config.name(), bindAddress, rest.requestQueueSize(), tls, parameters, maxThreads,
                MAX_CONNECTIONS, requestTimeout, IDLE_TIMEOUT);
    }

    /** The address actually bound (the real port when the builder asked for port 0). */
    public InetSocketAddress address() {
        ApiServer s = server;
        if (s == null) {
            throw new IllegalStateException("HttpApi for " + config.name() + " is not started");
        }
        return s.address();
    }

    /** Stops listening, drops open connections and stops every thread. Idempotent. */
    @Override
    public void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous != State.STARTED) {
            return;
        }
        ApiServer s = server;
        if (s != null) {
            s.close();
        }
        LOG.info("{}/{}: REST API stopped", config.scope(), config.name());
    }

    @Override
    public String toString() {
        return "HttpApi[" + config.scope() + "/" + config.name() + " " + bindAddress + "]";
    }

    private static InetSocketAddress address(HostPort listen) {
        String host = listen.host();
        return host.isEmpty() || host.equals("*") ? new InetSocketAddress(listen.port())
                : new InetSocketAddress(host, listen.port());
    }

    /** The HTTP server under the API. */
    public enum Transport {
        /** Netty when {@code netty-codec-http} is on the class path (it is in the agent), else the JDK's. */
        AUTO,
        /** Netty; {@link HttpApi#start()} fails when it is not on the class path. */
        NETTY,
        /** The JDK's built-in {@code com.sun.net.httpserver}: no dependency, slower under load. */
        JDK
    }

    /** @param config the node's configuration: {@code restapi}, {@code name}, {@code scope}, {@code tags}, {@code bootstrap.dcs} */
    public static Builder builder(HaConfig config) {
        return new Builder(config);
    }

    /** Builder for {@link HttpApi}; the constructor validates, {@link HttpApi#start()} binds. */
    public static final class Builder {
        private final HaConfig config;
        private NodeControl control;
        private TimeSource time = TimeSource.system();
        private InetSocketAddress bindAddress;
        private int maxThreads;
        private Duration requestTimeout = Duration.ofSeconds(5);
        private Duration pollInterval = Duration.ofMillis(100);
        private Transport transport = Transport.AUTO;

        private Builder(HaConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Carries out the mutating calls; without it they answer 503. */
        public Builder control(NodeControl v) { control = Objects.requireNonNull(v, "control"); return this; }

        /** The agent's clocks: must be the loop's, since {@code /liveness} compares with {@link NodeStatus#loopNanos()}. */
        public Builder timeSource(TimeSource v) { time = Objects.requireNonNull(v, "timeSource"); return this; }

        /** Overrides {@code restapi.listen} (port 0 picks a free port; see {@link HttpApi#address()}). */
        public Builder bindAddress(InetSocketAddress v) { bindAddress = Objects.requireNonNull(v, "bindAddress"); return this; }

        /** The most requests served at once (default {@code max(32, 4 * restapi.thread_pool_size)}). */
        public Builder maxThreads(int v) {
            if (v < 1) {
                throw new IllegalArgumentException("maxThreads must be at least 1, got " + v);
            }
            maxThreads = v;
            return this;
        }

        /** How long a client may take to send a whole request before its connection is closed (5 s). */
        public Builder requestTimeout(Duration v) { requestTimeout = positive(v, "requestTimeout"); return this; }

        /**
         * How often {@code POST /switchover} re-reads the cluster while waiting for the new leader
         * (100 ms; Patroni sleeps 1 s, and its reply, which patronictl and hactl wait for, came up
         * to a second after the new primary answered).
         */
        public Builder switchoverPollInterval(Duration v) { pollInterval = positive(v, "switchoverPollInterval"); return this; }

        /** Which HTTP server carries the API ({@link Transport#AUTO}: Netty when on the class path). */
        public Builder transport(Transport v) { transport = Objects.requireNonNull(v, "transport"); return this; }

        public HttpApi build() {
            return new HttpApi(this);
        }

        private static Duration positive(Duration v, String name) {
            if (v == null || v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + v);
            }
            return v;
        }
    }
}
