package io.hapg.core.http;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
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
 * {@code /restart}, {@code PATCH|PUT /config}. Decisions where hapg differs on purpose:
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
 * <p><b>Connections</b>: the JDK server's limits are JVM-wide system properties read when its
 * first server starts; unless the operator set them, {@link #start()} sets
 * {@code jdk.httpserver.maxConnections} to {@value #MAX_CONNECTIONS} (further connections are
 * closed on accept), {@code sun.net.httpserver.maxReqTime} to {@value #REQUEST_SECONDS} s (a
 * connection that sends nothing, or not its whole request, is closed after that) and
 * {@code sun.net.httpserver.clockTick} to 1000 ms (how often idleness is checked). Idle
 * keep-alive connections keep the JDK's limit, {@code sun.net.httpserver.idleInterval} = 30 s:
 * shorter, and a peer that reuses its connection once per {@code loop_wait} (10 s by default)
 * would race the server closing it, and {@code POST /failsafe} is not retried.
 *
 * <p><b>Speed</b>: a GET health check sends the {@code /patroni} document serialised once per loop
 * status, so its cost is the JDK server's own (measured on 2 cores with the launcher's JVM flags:
 * ~55 us of CPU per request, 12,000-14,000 req/s at 10 keep-alive clients, no errors at 100). What
 * is left is the JDK's: three thread hand-offs per request (selector, worker, selector again) and
 * ~12 KiB of buffers it allocates per exchange. A Netty prototype serving the same router
 * took ~24 us per request and ~24,000 req/s; it would need TLS, the caps and the timeouts rebuilt
 * outside ha-core, whose only runtime dependencies are SLF4J and Jackson.
 *
 * <p><b>Threads</b>: up to {@link Builder#maxThreads} request threads {@code ha-http-<member>-N}
 * (idle ones exit), a queue with room for a request from every admitted connection, and one
 * {@code ha-http-<member>-reaper} thread that frees a thread held by a client that has not sent
 * its whole request within {@link Builder#requestTimeout} (default 5 s). Bodies over 64 KiB are
 * refused with 413. {@link #report} runs on the HA loop thread and only stores a reference.
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
    private static final String NODELAY = "sun.net.httpserver.nodelay";
    /** The most connections open at once: far above what load balancers, peers and monitoring need. */
    static final int MAX_CONNECTIONS = 512;
    /** Seconds a connection has to deliver a whole request, its first one included. */
    static final int REQUEST_SECONDS = 10;
    private volatile HttpServer server;
    private volatile RequestExecutor executor;

    private HttpApi(Builder b) {
        this.config = b.config;
        this.rest = b.config.restApi();
        this.maxThreads = b.maxThreads != 0 ? b.maxThreads : Math.max(32, 4 * rest.threadPoolSize());
        this.requestTimeout = b.requestTimeout;
        this.pollInterval = b.pollInterval;
        this.bindAddress = b.bindAddress != null ? b.bindAddress : address(rest.listen());
        this.ctx = new ApiContext(config, b.time, Optional.ofNullable(b.control), latest,
                Version.number());
    }

    /**
     * TCP_NODELAY on the JDK server's connections. Without it a keep-alive client (HAProxy,
     * Prometheus, the REST locator) waits ~40 ms per request: the server writes headers and body
     * apart, and Nagle holds the body until the client's delayed ACK. The JDK reads this property
     * once, when its first server starts, so it is set here unless the operator set it.
     */
    private static void noDelay() {
        defaultProperty(NODELAY, "true");
    }

    /**
     * A flood of connections, or clients that open one and never send anything, would otherwise
     * hold file descriptors without limit (the JDK's default) or for 30-40 s each.
     */
    private static void connectionLimits() {
        defaultProperty("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
        defaultProperty("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_SECONDS));
        defaultProperty("sun.net.httpserver.clockTick", "1000");
    }

    /**
     * Room for a request from every connection the server admits. A request the executor refuses
     * makes the JDK close its connection, which a keep-alive client sees as a read error (measured:
     * thousands per 10 s at 100 clients with the former {@code 4 * request_queue_size + 64}); the
     * connection cap, not this queue, is what bounds the load.
     */
    private static int waitingRequests() {
        int cap = Integer.getInteger("jdk.httpserver.maxConnections", MAX_CONNECTIONS);
        return cap > 0 ? cap : MAX_CONNECTIONS;
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
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
        noDelay();
        connectionLimits();
        RequestExecutor pool = new RequestExecutor(config.name(), maxThreads, waitingRequests(), requestTimeout);
        AccessControl access;
        try {
            // The allowlist's host names are resolved here, not in the constructor (no I/O there).
            access = new AccessControl(rest);
            HttpServer created = rest.tls() ? https(bindAddress) : HttpServer.create(bindAddress,
                    rest.requestQueueSize());
            Map<String, String> headers = new LinkedHashMap<>(rest.httpExtraHeaders());
            if (rest.tls()) {
                headers.putAll(rest.httpsExtraHeaders());
            }
            created.createContext("/", new Router(ctx, access, headers, pollInterval));
            created.setExecutor(pool);
            created.start();
            this.executor = pool;
            this.server = created;
        } catch (IOException e) {
            pool.close();
            throw new UncheckedIOException("REST API cannot listen on " + bindAddress + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
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

    private HttpsServer https(InetSocketAddress at) throws IOException {
        SSLContext tls = PemTls.context(rest);
        // restapi.ciphers is applied to a copy now, so a string that cannot be applied stops the
        // start with its reason instead of failing every handshake later.
        SSLParameters template = tls.getDefaultSSLParameters();
        rest.ciphers().ifPresent(c -> CipherSuites.apply(c, template,
                tls.getSupportedSSLParameters().getCipherSuites()));
        String[] suites = template.getCipherSuites();
        String[] protocols = template.getProtocols();
        HttpsServer https = HttpsServer.create(at, rest.requestQueueSize());
        VerifyClient verify = rest.verifyClient();
        https.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setCipherSuites(suites);
                p.setProtocols(protocols);
                if (verify == VerifyClient.REQUIRED) {
                    p.setNeedClientAuth(true);
                } else if (verify == VerifyClient.OPTIONAL) {
                    p.setWantClientAuth(true);
                }
                params.setSSLParameters(p);
            }
        });
        return https;
    }

    /** The address actually bound (the real port when the builder asked for port 0). */
    public InetSocketAddress address() {
        HttpServer s = server;
        if (s == null) {
            throw new IllegalStateException("HttpApi for " + config.name() + " is not started");
        }
        return s.getAddress();
    }

    /** Stops listening, drops open connections and stops every thread. Idempotent. */
    @Override
    public void close() {
        State previous = state.getAndSet(State.CLOSED);
        if (previous != State.STARTED) {
            return;
        }
        HttpServer s = server;
        if (s != null) {
            s.stop(0);
        }
        RequestExecutor pool = executor;
        if (pool != null) {
            pool.close();
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
