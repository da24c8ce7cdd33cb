package io.hapg.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.core.config.Credentials;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.PeerStatus;
import io.hapg.core.model.Tags;
import io.hapg.core.spi.PeerClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PeerClient} over HTTP with the JDK client. Reads Patroni's {@code /patroni} document:
 * {@code role}, {@code state}, {@code xlog.location} or {@code xlog.received_location} /
 * {@code xlog.replayed_location}, {@code timeline}, {@code tags}. {@code POST /failsafe} and
 * hapg's {@code POST /hapg/probe-leader} carry the {@code Authorization} header when credentials
 * are configured; every call uses the TLS context given.
 */
public final class HttpPeerClient implements PeerClient {
    private static final Logger LOG = LoggerFactory.getLogger(HttpPeerClient.class);
    private final ObjectMapper json = new ObjectMapper();
    private final ExecutorService executor;
    private final HttpClient http;

    private final Optional<String> authorization;

    /** @param member this node's name, for thread names */
    public HttpPeerClient(String member) {
        this(member, Optional.empty(), Optional.empty());
    }

    /**
     * @param member      this node's name, for thread names
     * @param credentials for {@code POST /failsafe}, which peers may require (see
     *                    {@link io.hapg.core.http.ClientTls#credentials})
     * @param tls         for {@code https} api_urls (see {@link io.hapg.core.http.ClientTls#context});
     *                    empty: the JDK's defaults
     */
    public HttpPeerClient(String member, Optional<Credentials> credentials,
                          Optional<SSLContext> tls) {
        this.authorization = credentials.map(c -> "Basic " + Base64.getEncoder().encodeToString(
                (c.username() + ":" + c.password().reveal()).getBytes(StandardCharsets.UTF_8)));
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ha-peers-" + member + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HttpClient.Builder http = HttpClient.newBuilder().executor(executor).connectTimeout(Duration.ofSeconds(2));
        tls.ifPresent(http::sslContext);
        this.http = http.build();
    }

    @Override
    public Map<String, PeerStatus> statuses(Collection<Member> members, Duration timeout) {
        Map<String, CompletableFuture<Optional<PeerStatus>>> calls = new LinkedHashMap<>();
        for (Member member : members) {
            calls.put(member.name(), get(member, timeout));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, PeerStatus> answers = new LinkedHashMap<>();
        for (Map.Entry<String, CompletableFuture<Optional<PeerStatus>>> call : calls.entrySet()) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                call.getValue().get(left, TimeUnit.NANOSECONDS).ifPresent(s -> answers.put(call.getKey(), s));
            } catch (TimeoutException e) {
                call.getValue().cancel(true);
                LOG.debug("peer {} did not answer within {}", call.getKey(), timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                LOG.debug("peer {} unreachable: {}", call.getKey(), e.toString());
            }
        }
        return answers;
    }

    @Override
    public boolean failsafe(Collection<Member> members, String leaderName, Duration timeout) {
        String body = "{\"name\":\"" + leaderName.replace("\"", "") + "\"}";
        Map<String, CompletableFuture<HttpResponse<Void>>> calls = new LinkedHashMap<>();
        for (Member member : members) {
            Optional<URI> uri = endpoint(member, "/failsafe");
            if (uri.isEmpty()) {
                return false;
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(uri.get()).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            authorization.ifPresent(value -> request.header("Authorization", value));
            calls.put(member.name(), http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding()));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean all = true;
        for (Map.Entry<String, CompletableFuture<HttpResponse<Void>>> call : calls.entrySet()) {
            try {
                int status = call.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                        .statusCode();
                all &= status == 200;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception e) {
                call.getValue().cancel(true);
                all = false;
            }
        }
        return all;
    }

    /**
     * {@inheritDoc}
     *
     * <p>One {@code POST /hapg/probe-leader {"leader": <leader>, "timeout_ms": <t>}} to each voter's
     * {@code api_url} host and port, all sent at once; {@code t} is {@code timeout / 4}, within
     * 100–5000 ms, leaving room for the voter's up to three waits (pgjdbc rounds each up to whole
     * seconds, so pass {@code timeout} of at least four times the probe timeout wanted). An outcome
     * counts only from a 200 whose JSON names the outcome ({@code ANSWERED} or
     * {@code NOT_ANSWERING}), this {@code leader}, and the voter itself in {@code by} (an
     * {@code api_url} that reaches another member must not count twice); anything else, an
     * unusable {@code api_url}, or no answer by the deadline is
     * {@link LeaderProbe.Outcome#VOTER_UNREACHABLE}. Calls still running at the deadline are
     * cancelled.
     */
    @Override
    public Map<String, LeaderProbe.Outcome> probeLeader(Collection<Member> voters, String leader, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long probeMs = Math.max(100, Math.min(5000, timeout.toMillis() / 4));
        String body;
        try {
            body = json.writeValueAsString(Map.of("leader", leader, "timeout_ms", probeMs));
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialise a probe request", e);
        }
        Map<String, CompletableFuture<LeaderProbe.Outcome>> calls = new LinkedHashMap<>();
        for (Member voter : voters) {
            Optional<URI> uri = endpoint(voter, "/hapg/probe-leader");
            if (uri.isEmpty() || timeout.isNegative() || timeout.isZero()) {
                LOG.debug("voter {}: no usable api_url ({}) or no time to ask", voter.name(), voter.apiUrl());
                calls.put(voter.name(), CompletableFuture.completedFuture(LeaderProbe.Outcome.VOTER_UNREACHABLE));
                continue;
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(uri.get()).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            authorization.ifPresent(value -> request.header("Authorization", value));
            calls.put(voter.name(), http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(response -> probeOutcome(voter.name(), leader, response.statusCode(), response.body())));
        }
        Map<String, LeaderProbe.Outcome> outcomes = new LinkedHashMap<>();
        boolean interrupted = false;
        for (Map.Entry<String, CompletableFuture<LeaderProbe.Outcome>> call : calls.entrySet()) {
            LeaderProbe.Outcome outcome = LeaderProbe.Outcome.VOTER_UNREACHABLE;
            if (!interrupted) {
                try {
                    outcome = call.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (TimeoutException e) {
                    LOG.debug("voter {} did not answer the probe of {} within {}", call.getKey(), leader, timeout);
                } catch (Exception e) {
                    LOG.debug("voter {} unreachable for the probe of {}: {}", call.getKey(), leader, e.toString());
                }
            }
            call.getValue().cancel(true);
            outcomes.put(call.getKey(), outcome);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return outcomes;
    }

    /** A voter's answer to {@code POST /hapg/probe-leader}, or {@code VOTER_UNREACHABLE} when it is not a valid one. */
    LeaderProbe.Outcome probeOutcome(String voter, String leader, int status, String body) {
        if (status != 200) {
            LOG.debug("voter {} refused the probe of {}: {} {}", voter, leader, status, body);
            return LeaderProbe.Outcome.VOTER_UNREACHABLE;
        }
        try {
            JsonNode doc = json.readTree(body);
            String outcome = doc.path("outcome").asText("");
            if (!leader.equals(doc.path("leader").asText(null)) || !voter.equals(doc.path("by").asText(null))) {
                LOG.warn("voter {} answered the probe of {} for leader {} by {}: not counted", voter, leader,
                        doc.path("leader").asText("?"), doc.path("by").asText("?"));
                return LeaderProbe.Outcome.VOTER_UNREACHABLE;
            }
            if (outcome.equals(LeaderProbe.Outcome.ANSWERED.name())) {
                return LeaderProbe.Outcome.ANSWERED;
            }
            if (outcome.equals(LeaderProbe.Outcome.NOT_ANSWERING.name())) {
                return LeaderProbe.Outcome.NOT_ANSWERING;
            }
        } catch (Exception e) {
            // Below: not a probe answer.
        }
        LOG.warn("voter {} answered the probe of {} with something that is not a probe outcome", voter, leader);
        return LeaderProbe.Outcome.VOTER_UNREACHABLE;
    }

    private CompletableFuture<Optional<PeerStatus>> get(Member member, Duration timeout) {
        Optional<URI> uri = endpoint(member, "/patroni");
        if (uri.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        HttpRequest request = HttpRequest.newBuilder(uri.get()).timeout(timeout).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> response.statusCode() == 200 || response.statusCode() == 503
                        ? parse(member.name(), response.body()) : Optional.<PeerStatus>empty());
    }

    /** The member's api_url with its path replaced: Patroni publishes {@code http://h:8008/patroni}. */
    static Optional<URI> endpoint(Member member, String path) {
        try {
            URI api = URI.create(member.apiUrl());
            if (api.getScheme() == null || api.getHost() == null) {
                return Optional.empty();
            }
            return Optional.of(new URI(api.getScheme(), null, api.getHost(), api.getPort(), path, null, null));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    Optional<PeerStatus> parse(String name, String body) {
        try {
            JsonNode doc = json.readTree(body);
            JsonNode xlog = doc.path("xlog");
            Optional<Lsn> position;
            if (xlog.has("location")) {
                position = lsn(xlog.get("location"));
            } else {
                Optional<Lsn> received = lsn(xlog.get("received_location"));
                Optional<Lsn> replayed = lsn(xlog.get("replayed_location"));
                position = received.isPresent() && replayed.isPresent()
                        ? Optional.of(Lsn.max(received.get(), replayed.get()))
                        : received.or(() -> replayed);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> tags = doc.has("tags") ? json.convertValue(doc.get("tags"), Map.class) : Map.of();
            return Optional.of(new PeerStatus(name, doc.path("role").asText(""), doc.path("state").asText(""),
                    position, doc.path("timeline").asInt(0), Tags.of(tags).failoverPriority()));
        } catch (Exception e) {
            LOG.warn("peer {} answered /patroni with something that is not a status document: {}", name,
                    e.getMessage());
            return Optional.empty();
        }
    }

    private static Optional<Lsn> lsn(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Optional.empty();
        }
        try {
            return Optional.of(node.isNumber() ? Lsn.of(node.asLong()) : Lsn.parse(node.asText()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
