package io.hapg.hikari;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.hikari.internal.ConnUrls;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finds the primary by polling every member's Patroni-compatible REST API, for applications that
 * may not read the consensus store: the member answering {@code GET /primary} with 200 is the
 * primary (its JSON names it in {@code patroni.name}); where it listens comes from a configured
 * address for that member, else from its own {@code GET /cluster} ({@code host}/{@code port} of
 * the {@code leader}), which also gives the replicas and their lag.
 *
 * <p>"No primary" only on a positive answer: the last primary's own member answers 503 (and no
 * other member answers 200), or more than one member answers 200 (a transient overlap during a
 * promotion: better a short pause than writes to two servers); {@link #problem()} names each
 * member and what it said. When the last primary's member cannot tell (timed out, reset, another
 * status), the last answer stands for up to {@link Builder#keepLastPrimaryFor} (the cluster's
 * {@code ttl}, else 30 s) since its last 200; when its {@code GET /cluster} fails, the address
 * from the last one is used. An answer whose {@code patroni.scope} names another cluster than
 * {@link Builder#cluster} is not used.
 *
 * <p>Threads: one named thread {@code hapg-rest-locator-<cluster>} polls (every member in parallel,
 * each request bounded by {@link Builder#timeout}) and notifies. {@link #refresh()} polls now.
 * No announcement of planned switchovers: the {@code failover} key is not visible over this API.
 *
 * <pre>{@code
 * RestPrimaryLocator locator = RestPrimaryLocator.builder().cluster("shop")
 *         .member("http://10.0.0.1:8008").member("http://10.0.0.2:8008").member("http://10.0.0.3:8008")
 *         .pollInterval(Duration.ofMillis(500)).timeout(Duration.ofSeconds(1)).build().start();
 * }</pre>
 */
public final class RestPrimaryLocator extends AbstractClusterLocator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEFAULT_KEEP_LAST = Duration.ofSeconds(30);

    private final Map<URI, Optional<String>> members;
    private final Duration pollInterval;
    private final Duration timeout;
    private final HttpClient http;
    private final Optional<Duration> keepLast;
    private final boolean scopeConfigured;
    private volatile Optional<Duration> clusterTtl = Optional.empty();
    private volatile Optional<String> systemIdentifier = Optional.empty(); // from the primary's last 200
    private volatile String systemIdentifierSource = "no GET /primary answer yet";
    // When the latest positive answer came (a 200, or a 503 from the last primary's own member), and
    // whether the latest poll got one; written by the locator thread, read by blindFor() on any thread.
    private volatile long lastTrustedNanos;
    private volatile boolean blind;
    // Locator thread only: the member that last answered 200, when, and each member's last address.
    private Optional<URI> lastPrimary = Optional.empty();
    private long lastConfirmedNanos;
    private final Map<String, ConnUrls.HostPort> addresses = new HashMap<>();

    private RestPrimaryLocator(Builder b) {
        super("hapg-rest-locator-" + b.cluster, b.cluster);
        this.members = Map.copyOf(b.members);
        this.pollInterval = b.pollInterval;
        this.timeout = b.timeout;
        this.keepLast = b.keepLast;
        this.scopeConfigured = b.scopeConfigured;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts polling (the first poll runs at once on the locator thread; this returns at once).
     *
     * @return this
     * @throws IllegalStateException when already started or closed
     */
    public RestPrimaryLocator start() {
        claimStart();
        lastTrustedNanos = System.nanoTime();
        core.start(this::poll, this::poll, pollInterval);
        return this;
    }

    @Override
    public String toString() {
        return "RestPrimaryLocator[" + cluster() + " " + members.keySet() + "]";
    }

    /** What one member answered to {@code GET /primary}. */
    private record Answer(URI base, int status, Optional<JsonNode> body, Optional<String> error) {
        String describe() {
            return base + ": " + error.orElse(Integer.toString(status));
        }
    }

    private void poll() {
        List<CompletableFuture<Answer>> asks = new ArrayList<>();
        for (URI base : members.keySet()) {
            asks.add(get(base, "/primary"));
        }
        List<Answer> primaries = new ArrayList<>();
        List<Answer> notPrimary = new ArrayList<>();
        Map<URI, String> unknown = new LinkedHashMap<>();
        List<String> others = new ArrayList<>();
        for (CompletableFuture<Answer> ask : asks) {
            Answer a = ask.join();
            Optional<String> foreign = foreignScope(a.body());
            if (foreign.isPresent()) {
                String why = a.base() + ": answers for scope '" + foreign.get() + "', not '" + cluster() + "'";
                unknown.put(a.base(), why);
                others.add(why);
            } else if (a.status() == 200) {
                primaries.add(a);
            } else {
                // Only 503 is the member's own "I am not the primary"; a timeout, a reset or any
                // other status says nothing about where the primary is.
                if (a.status() == 503) {
                    notPrimary.add(a);
                } else {
                    unknown.put(a.base(), a.describe());
                }
                others.add(a.describe());
            }
        }
        trusted(!primaries.isEmpty() || positiveNoPrimary(notPrimary, unknown));
        if (primaries.isEmpty()) {
            if (keepLastPrimary(unknown)) {
                return;
            }
            lastPrimary = Optional.empty();
            core.publishProblem("cluster " + cluster() + ": no member answered 200 on GET /primary ("
                    + String.join("; ", others) + ")", replicasFrom(notPrimary));
            return;
        }
        if (primaries.size() > 1) {
            List<String> who = new ArrayList<>();
            primaries.forEach(a -> who.add(a.base().toString()));
            lastPrimary = Optional.empty();
            core.publishProblem("cluster " + cluster() + ": more than one member answered 200 on GET /primary "
                    + who + "; waiting until one does", core.replicas());
            return;
        }
        publishPrimary(primaries.get(0));
    }

    /**
     * Whether answers without a 200 still tell where the primary is not: the last primary's own member
     * answered 503, or (no primary known) every member answered 503.
     */
    private boolean positiveNoPrimary(List<Answer> notPrimary, Map<URI, String> unknown) {
        if (lastPrimary.isPresent()) {
            return notPrimary.stream().anyMatch(a -> a.base().equals(lastPrimary.get()));
        }
        return unknown.isEmpty() && !notPrimary.isEmpty();
    }

    /** Records whether the latest poll got an answer that can be trusted (see {@link #blindFor()}). */
    private void trusted(boolean positive) {
        if (positive) {
            lastTrustedNanos = System.nanoTime();
        }
        blind = !positive;
    }

    /**
     * How long this locator has gone without an answer it can trust: since the last poll in which
     * a member answered 200 on {@code GET /primary}, or the last primary's own member answered 503
     * (or, no primary known, every member answered 503), while the latest poll got no such answer
     * (timeouts, resets, other statuses, another scope); zero while polls get one. Counted from
     * {@link #start()} until the first. Any thread, never blocks; usable as a gauge, as
     * {@link ConsensusPrimaryLocator#blindFor()} is.
     */
    @Override
    public Duration blindFor() {
        return blind ? Duration.ofNanos(System.nanoTime() - lastTrustedNanos) : Duration.ZERO;
    }

    /**
     * While the last primary's own member could not tell (timed out, reset, an unexpected status)
     * and no other member claims the primary, the last answer stands, for up to
     * {@link #keepLastFor()} after the primary last confirmed itself: a slow API or a restarting
     * agent must not make every pool abort its transactions on a healthy primary.
     *
     * @return true when the last answer was kept
     */
    private boolean keepLastPrimary(Map<URI, String> unknown) {
        if (lastPrimary.isEmpty() || !unknown.containsKey(lastPrimary.get())) {
            return false;
        }
        long since = System.nanoTime() - lastConfirmedNanos;
        Duration bound = keepLastFor();
        if (since >= bound.toNanos()) {
            return false;
        }
        core.failed("cluster " + cluster() + ": the primary's member " + unknown.get(lastPrimary.get())
                + "; keeping " + core.primary().map(PrimaryEndpoint::member).orElse("the last primary")
                + " (confirmed " + TimeUnit.NANOSECONDS.toMillis(since) + " ms ago, for up to " + bound.toMillis()
                + " ms)");
        return true;
    }

    /** {@code database_system_identifier} from the primary's last {@code GET /primary} answer. */
    @Override
    public Optional<String> systemIdentifier() {
        return systemIdentifier;
    }

    /** The member whose {@code GET /primary} answer gave {@link #systemIdentifier()}. */
    @Override
    public String systemIdentifierSource() {
        return systemIdentifierSource;
    }

    /** The configured bound, else the cluster's ttl once {@code GET /config} gave it, else 30 s. */
    private Duration keepLastFor() {
        return keepLast.orElseGet(() -> clusterTtl.orElse(DEFAULT_KEEP_LAST));
    }

    /** The one member answering 200 is the primary; where it listens is configured or from its /cluster. */
    private void publishPrimary(Answer primary) {
        CompletableFuture<Answer> config = keepLast.isEmpty() && clusterTtl.isEmpty()
                ? get(primary.base(), "/config") : CompletableFuture.completedFuture(null);
        Answer cluster = get(primary.base(), "/cluster").join();
        Optional<JsonNode> clusterBody = cluster.body().filter(b -> foreignScope(Optional.of(b)).isEmpty());
        // Patroni before 3.1 names only its version and scope in GET /primary: its /cluster says
        // which member answers at this address.
        String name = primary.body().map(b -> b.path("patroni").path("name").asText("")).filter(n -> !n.isEmpty())
                .or(() -> clusterBody.flatMap(b -> memberAt(b, primary.base()))).orElse("");
        if (name.isEmpty()) {
            lastPrimary = Optional.empty();
            core.publishProblem("cluster " + cluster() + ": " + primary.base() + " answered 200 on GET /primary "
                    + "without patroni.name in its JSON, and its GET /cluster (" + cluster.describe()
                    + ") lists no member with that api_url", core.replicas());
            return;
        }
        lastPrimary = Optional.of(primary.base());
        lastConfirmedNanos = System.nanoTime();
        primary.body().map(b -> b.path("database_system_identifier").asText("")).filter(id -> !id.isEmpty())
                .ifPresent(id -> {
                    systemIdentifierSource = "database_system_identifier in the GET /primary answer of " + name + " ("
                            + primary.base() + ")";
                    systemIdentifier = Optional.of(id);
                });
        learnTtl(config.join());
        List<ReplicaEndpoint> replicas = clusterBody.map(RestPrimaryLocator::replicas).orElse(core.replicas());
        Optional<String> configured = members.get(primary.base());
        ConnUrls.HostPort at;
        try {
            at = configured.isPresent() ? ConnUrls.parseAddress(configured.get())
                    : fromCluster(clusterBody, cluster, name);
        } catch (IllegalArgumentException e) {
            core.publishProblem("cluster " + cluster() + ": primary " + name + " (" + primary.base() + "): "
                    + e.getMessage(), replicas);
            return;
        }
        String connUrl = "postgres://" + (at.host().contains(":") ? "[" + at.host() + "]" : at.host()) + ":"
                + at.port() + "/postgres";
        core.publish(Optional.of(new PrimaryEndpoint(name, at.host(), at.port(), connUrl)), Optional.empty(), replicas);
    }

    /** The replicas as a member that answered 503 lists them, else as last seen. */
    private List<ReplicaEndpoint> replicasFrom(List<Answer> reachable) {
        if (reachable.isEmpty()) {
            return core.replicas();
        }
        return get(reachable.get(0).base(), "/cluster").join().body()
                .filter(b -> foreignScope(Optional.of(b)).isEmpty())
                .map(RestPrimaryLocator::replicas).orElse(core.replicas());
    }

    private void learnTtl(Answer config) {
        if (config != null && config.status() == 200) {
            config.body().map(b -> b.path("ttl")).filter(JsonNode::canConvertToLong).filter(t -> t.asLong() > 0)
                    .ifPresent(t -> clusterTtl = Optional.of(Duration.ofSeconds(t.asLong())));
        }
    }

    /** The {@code scope} an answer names ({@code patroni.scope} or top-level) when it is not this cluster's. */
    private Optional<String> foreignScope(Optional<JsonNode> body) {
        if (!scopeConfigured || body.isEmpty()) {
            return Optional.empty();
        }
        JsonNode b = body.get();
        String scope = b.path("patroni").path("scope").asText(b.path("scope").asText(""));
        return scope.isEmpty() || scope.equals(cluster()) ? Optional.empty() : Optional.of(scope);
    }

    /** Where {@code name} listens per its {@code /cluster}; when that failed, where it listened last time. */
    private ConnUrls.HostPort fromCluster(Optional<JsonNode> body, Answer cluster, String name) {
        if (body.isEmpty()) {
            ConnUrls.HostPort last = addresses.get(name);
            if (last == null) {
                throw new IllegalArgumentException("GET /cluster failed (" + cluster.describe() + ") and no database "
                        + "address is configured for this member");
            }
            return last;
        }
        ConnUrls.HostPort at = addressIn(body.get(), name);
        addresses.put(name, at);
        return at;
    }

    /** The member of a {@code /cluster} answer whose {@code api_url} is served at {@code base}. */
    private static Optional<String> memberAt(JsonNode cluster, URI base) {
        for (JsonNode m : cluster.path("members")) {
            String api = m.path("api_url").asText("");
            if (!api.isEmpty() && sameBase(api, base)) {
                return Optional.of(m.path("name").asText("")).filter(n -> !n.isEmpty());
            }
        }
        return Optional.empty();
    }

    /** Whether {@code apiUrl} (a member's advertised {@code api_url}) is served at {@code base}; junk is not. */
    private static boolean sameBase(String apiUrl, URI base) {
        try {
            return Builder.base(apiUrl).equals(base);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static ConnUrls.HostPort addressIn(JsonNode body, String name) {
        for (JsonNode m : body.path("members")) {
            if (name.equals(m.path("name").asText())) {
                String host = m.path("host").asText("");
                int port = m.path("port").asInt(5432);
                if (host.isEmpty()) {
                    throw new IllegalArgumentException("GET /cluster lists " + name + " without a host");
                }
                return ConnUrls.parseAddress((host.contains(":") ? "[" + host + "]" : host) + ":" + port);
            }
        }
        throw new IllegalArgumentException("GET /cluster does not list " + name);
    }

    private static List<ReplicaEndpoint> replicas(JsonNode cluster) {
        List<ReplicaEndpoint> out = new ArrayList<>();
        for (JsonNode m : cluster.path("members")) {
            String role = m.path("role").asText("");
            String state = m.path("state").asText("");
            String host = m.path("host").asText("");
            if (role.equals("leader") || role.equals("standby_leader") || host.isEmpty()
                    || !(state.equals("streaming") || state.equals("running"))) {
                continue;
            }
            JsonNode lag = m.path("replay_lag").isNumber() ? m.path("replay_lag") : m.path("lag");
            out.add(new ReplicaEndpoint(m.path("name").asText(), host, m.path("port").asInt(5432),
                    lag.isNumber() ? OptionalLong.of(lag.asLong()) : OptionalLong.empty(),
                    m.path("tags").path("noloadbalance").asBoolean(false)));
        }
        return out;
    }

    private CompletableFuture<Answer> get(URI base, String path) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Answer(base, r.statusCode(), parse(r.body()), Optional.empty()))
                .exceptionally(e -> new Answer(base, 0, Optional.empty(), Optional.of(describe(e))))
                .orTimeout(timeout.toMillis() + 500, TimeUnit.MILLISECONDS)
                .exceptionally(e -> new Answer(base, 0, Optional.empty(), Optional.of(describe(e))));
    }

    private static Optional<JsonNode> parse(String body) {
        try {
            return body == null || body.isBlank() ? Optional.empty() : Optional.of(JSON.readTree(body));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String describe(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
            return "timed out";
        }
        if (cause instanceof ConnectException) {
            return "unreachable (connection refused)";
        }
        return "unreachable (" + cause.getClass().getSimpleName() + (cause.getMessage() == null ? ""
                : ": " + cause.getMessage()) + ")";
    }

    /** Builder for {@link RestPrimaryLocator}. */
    public static final class Builder {
        private final Map<URI, Optional<String>> members = new LinkedHashMap<>();
        private String cluster = "cluster";
        private Duration pollInterval = Duration.ofSeconds(1);
        private Duration timeout = Duration.ofSeconds(1);
        private Optional<Duration> keepLast = Optional.empty();
        private boolean scopeConfigured;

        private Builder() {
        }

        /** The cluster's name for messages and thread names (Patroni {@code scope}). */
        public Builder cluster(String v) {
            cluster = requireCluster(v);
            scopeConfigured = true;
            return this;
        }

        /**
         * A member's REST API: {@code http://host:8008} (its published {@code api_url},
         * {@code .../patroni}, is accepted too). Its database address comes from {@code GET /cluster}.
         */
        public Builder member(String apiUrl) {
            members.put(base(apiUrl), Optional.empty());
            return this;
        }

        /** A member's REST API and its database {@code host:port}, so {@code /cluster} is not needed. */
        public Builder member(String apiUrl, String databaseHostPort) {
            try {
                ConnUrls.parseAddress(databaseHostPort);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("member " + apiUrl + ": database address '" + databaseHostPort
                        + "' is not host:port");
            }
            members.put(base(apiUrl), Optional.of(databaseHostPort));
            return this;
        }

        /** Several members' REST APIs. */
        public Builder members(List<String> apiUrls) {
            apiUrls.forEach(this::member);
            return this;
        }

        /** How often to poll (1 s). */
        public Builder pollInterval(Duration v) {
            pollInterval = positive(v, "pollInterval");
            return this;
        }

        /** Bound on one request, connect included (1 s). */
        public Builder timeout(Duration v) {
            timeout = positive(v, "timeout");
            return this;
        }

        /**
         * How long the last primary stands while its member cannot tell (a timeout, a reset, a
         * status other than 200/503) and no other member answers 200; counted from its last 200.
         * Default: the cluster's {@code ttl} from {@code GET /config}, else 30 s.
         */
        public Builder keepLastPrimaryFor(Duration v) {
            keepLast = Optional.of(positive(v, "keepLastPrimaryFor"));
            return this;
        }

        /** @throws IllegalArgumentException when no member is configured */
        public RestPrimaryLocator build() {
            if (members.isEmpty()) {
                throw new IllegalArgumentException("members: at least one member's REST API URL is required");
            }
            return new RestPrimaryLocator(this);
        }

        private static URI base(String apiUrl) {
            Objects.requireNonNull(apiUrl, "apiUrl");
            URI uri;
            try {
                uri = URI.create(apiUrl.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("member: not a URL: '" + apiUrl + "'");
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("member: expected http://host:port, got '" + apiUrl + "'");
            }
            return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + "/");
        }

        private static Duration positive(Duration v, String name) {
            if (v == null || v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + v);
            }
            return v;
        }
    }
}
