package io.hapg.core.http;

import io.hapg.core.spi.ConsensusUnavailableException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each request as Patroni's {@code parse_request} does (by method and first path segment;
 * any other GET is a health check), checks access for unsafe methods and builds the {@link Reply}.
 * Transport-neutral: {@link JdkServer} and {@link NettyServer} read the bytes and write the reply.
 */
final class Router {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    /**
     * One line per unsafe call and per 401/403, under its own name so that an operator can route
     * it to a separate file: an unauthenticated {@code PATCH /config} can set
     * {@code archive_command}, so who changed what must be on record.
     */
    static final Logger AUDIT = LoggerFactory.getLogger("io.hapg.audit");
    /** Larger bodies are refused with 413: no management request needs more. */
    static final int MAX_BODY = 64 * 1024;

    private final ApiContext ctx;
    private final AccessControl access;
    private final Map<String, String> extraHeaders;
    private final Switchovers switchovers;
    private final NodeActions actions;
    private final ConfigEdits configs;
    private final ProbeLeaderEndpoint probes;

    Router(ApiContext ctx, AccessControl access, Map<String, String> extraHeaders, Duration pollInterval) {
        this.ctx = ctx;
        this.access = access;
        this.extraHeaders = Map.copyOf(extraHeaders);
        this.switchovers = new Switchovers(ctx, pollInterval);
        this.actions = new NodeActions(ctx);
        this.configs = new ConfigEdits(ctx);
        this.probes = new ProbeLeaderEndpoint(ctx);
    }

    /** Reads one request; a transport's way of turning its bytes into a {@link Request}. */
    @FunctionalInterface
    interface RequestReader {
        /**
         * @throws Request.BadRequest when the request is malformed or too large (answered with its status)
         * @throws IOException when the client went away (nothing is answered)
         */
        Request read() throws IOException;
    }

    /**
     * Answers one request: reads it, routes it, maps failures to their status, writes the audit
     * line. Never throws but for the reader's {@link IOException}.
     *
     * @param method  the request method as sent, for the audit and error lines
     * @param rawPath the path as sent, without the query
     * @param peer    the client's address
     */
    Reply answer(String method, String rawPath, InetSocketAddress peer, RequestReader reader) throws IOException {
        Reply reply;
        Request request = null;
        try {
            request = reader.read();
            RequestExecutor.requestRead();
            reply = route(request);
        } catch (Request.BadRequest e) {
            RequestExecutor.requestRead();
            reply = Reply.text(e.status(), e.getMessage());
        } catch (ConsensusUnavailableException e) {
            reply = Reply.text(503, "the consensus store is unavailable: " + e.getMessage());
        } catch (ApiContext.ControlUnavailable e) {
            reply = Reply.text(503, e.getMessage());
        } catch (RuntimeException e) {
            // The body stays generic: exception text may name hosts, paths or settings.
            LOG.error("REST API: {} {} failed", method, rawPath, e);
            reply = Reply.text(500, "internal error; see the agent's log");
        }
        if (request == null && reply.status() >= 400) {
            reply = reply.withHeader("Connection", "close");
        }
        audit(method, rawPath, peer, request, reply.status());
        LOG.debug("API thread: {} - {} {} {}", peer, method, rawPath, reply.status());
        return reply;
    }

    /** Headers every answer carries ({@code restapi.http_extra_headers}, and the https ones under TLS). */
    Map<String, String> extraHeaders() {
        return extraHeaders;
    }

    /** The audit line: caller, method and path, result and the authenticated user; never a password. */
    private void audit(String rawMethod, String rawPath, InetSocketAddress peer, Request request, int status) {
        String method = rawMethod.toUpperCase(Locale.ROOT);
        boolean unsafe = !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"));
        if (!unsafe && status != 401 && status != 403) {
            return;
        }
        String user = request == null ? "-" : access.authenticatedUser(request).orElse("-");
        String line = "{}/{}: REST API audit: {} {} -> {} from {} user={}";
        Object[] args = {ctx.config().scope(), ctx.config().name(), method, rawPath, status, peer(peer), user};
        if (status == 401 || status == 403) {
            AUDIT.warn(line, args);
        } else {
            AUDIT.info(line, args);
        }
    }

    private static String peer(InetSocketAddress a) {
        return a.getAddress() == null ? a.toString() : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    Reply route(Request r) {
        String endpoint = r.endpoint();
        switch (r.method()) {
            case "GET":
                return get(r, endpoint);
            case "HEAD":
            case "OPTIONS":
                return statusOnly(r, endpoint);
            default:
                break;
        }
        if (r.method().equals("POST") && r.path().equals(ProbeLeaderEndpoint.PATH)) {
            return guarded(r, true, () -> probes.post(r));
        }
        String key = r.method() + " " + endpoint;
        switch (key) {
            case "POST /switchover": return guarded(r, true, () -> switchovers.post(r, "switchover"));
            case "POST /failover": return guarded(r, true, () -> switchovers.post(r, "failover"));
            case "DELETE /switchover": return guarded(r, true, switchovers::delete);
            case "POST /restart": return guarded(r, true, () -> actions.restart(r));
            case "DELETE /restart": return guarded(r, true, actions::cancelRestart);
            case "POST /reload": return guarded(r, true, actions::reload);
            case "POST /reinitialize": return guarded(r, true, () -> actions.reinitialize(r));
            case "POST /failsafe": return guarded(r, false, () -> actions.failsafe(r));
            case "PATCH /config": return guarded(r, true, () -> configs.patch(r));
            case "PUT /config": return guarded(r, true, () -> configs.put(r));
            default: return Reply.text(501, "Unsupported method ('" + r.method() + "')");
        }
    }

    private Reply guarded(Request r, boolean checkMembers, Supplier<Reply> endpoint) {
        Optional<Reply> refused = access.check(r, ctx.facts().map(f -> f.status().cluster()), checkMembers);
        return refused.orElseGet(endpoint);
    }

    private Reply get(Request r, String endpoint) {
        switch (endpoint) {
            case "/patroni":
                return Reply.json(ctx.facts().isPresent() ? 200 : 503, ctx.patroniJson());
            case "/cluster": {
                Facts f = ctx.requireFacts();
                return Reply.json(200, ctx.toJson(StatusDocuments.cluster(f.status().cluster(), f.config(),
                        f.status().scope())));
            }
            case "/history":
                return Reply.json(200, ctx.toJson(StatusDocuments.history(ctx.requireFacts().status().cluster())));
            case "/config":
                return configs.get();
            case "/metrics":
                return new Reply(200, Reply.METRICS, Metrics.render(ctx.requireFacts(), ctx.version())
                        .getBytes(StandardCharsets.UTF_8), Map.of());
            case "/failsafe":
                return actions.failsafeMembers();
            case "/liveness":
            case "/readiness":
                return statusOnly(r, endpoint);
            default:
                return Reply.json(HealthChecks.code(r.path(), r.query(), ctx.facts()), ctx.patroniJson());
        }
    }

    /** HEAD, OPTIONS, /liveness and /readiness: the status line only, as HAProxy's checks want. */
    private Reply statusOnly(Request r, String endpoint) {
        Optional<Facts> facts = ctx.facts();
        switch (endpoint) {
            case "/liveness":
                return Reply.statusOnly(HealthChecks.liveness(facts));
            case "/readiness":
                return Reply.statusOnly(HealthChecks.readiness(r.query(), facts));
            default:
                return Reply.statusOnly(HealthChecks.code(r.path(), r.query(), facts));
        }
    }
}
