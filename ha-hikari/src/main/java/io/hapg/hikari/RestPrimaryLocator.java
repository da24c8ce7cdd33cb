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
 * <p>"No primary" while no member answers 200 (503 or unreachable: {@link #problem()} names each
 * member and what it said), and while more than one does (a transient overlap during a
 * promotion: better a short pause than writes to two servers).
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

    private final Map<URI, Optional<String>> members;
    private final Duration pollInterval;
    private final Duration timeout;
    private final HttpClient http;

    private RestPrimaryLocator(Builder b) {
        super("hapg-rest-locator-" + b.cluster, b.cluster);
        this.members = Map.copyOf(b.members);
        this.pollInterval = b.pollInterval;
        this.timeout = b.timeout;
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
        List<String> others = new ArrayList<>();
        for (CompletableFuture<Answer> ask : asks) {
            Answer a = ask.join();
            if (a.status() == 200) {
                primaries.add(a);
            } else {
                others.add(a.describe());
            }
        }
        if (primaries.isEmpty()) {
            core.publishProblem("cluster " + cluster() + ": no member answered 200 on GET /primary ("
                    + String.join("; ", others) + ")", List.of());
            return;
        }
        if (primaries.size() > 1) {
            List<String> who = new ArrayList<>();
            primaries.forEach(a -> who.add(a.base().toString()));
            core.publishProblem("cluster " + cluster() + ": more than one member answered 200 on GET /primary "
                    + who + "; waiting until one does", List.of());
            return;
        }
        Answer primary = primaries.get(0);
        String name = primary.body().map(b -> b.path("patroni").path("name").asText("")).orElse("");
        if (name.isEmpty()) {
            core.publishProblem("cluster " + cluster() + ": " + primary.base() + " answered 200 on GET /primary "
                    + "without patroni.name in its JSON", List.of());
            return;
        }
        Answer cluster = get(primary.base(), "/cluster").join();
        List<ReplicaEndpoint> replicas = cluster.body().map(RestPrimaryLocator::replicas).orElse(List.of());
        Optional<String> configured = members.get(primary.base());
        ConnUrls.HostPort at;
        try {
            at = configured.isPresent() ? ConnUrls.parseAddress(configured.get()) : fromCluster(cluster, name);
        } catch (IllegalArgumentException e) {
            core.publishProblem("cluster " + cluster() + ": primary " + name + " (" + primary.base() + "): "
                    + e.getMessage(), replicas);
            return;
        }
        String connUrl = "postgres://" + (at.host().contains(":") ? "[" + at.host() + "]" : at.host()) + ":"
                + at.port() + "/postgres";
        core.publish(Optional.of(new PrimaryEndpoint(name, at.host(), at.port(), connUrl)), Optional.empty(), replicas);
    }

    private static ConnUrls.HostPort fromCluster(Answer cluster, String name) {
        if (cluster.body().isEmpty()) {
            throw new IllegalArgumentException("GET /cluster failed (" + cluster.describe() + ") and no database "
                    + "address is configured for this member");
        }
        for (JsonNode m : cluster.body().get().path("members")) {
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

        private Builder() {
        }

        /** The cluster's name for messages and thread names (Patroni {@code scope}). */
        public Builder cluster(String v) {
            cluster = requireCluster(v);
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
