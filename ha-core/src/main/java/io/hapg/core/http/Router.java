package io.hapg.core.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsExchange;
import io.hapg.core.spi.ConsensusUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads each request (body capped at {@link #MAX_BODY}), routes it as Patroni's
 * {@code parse_request} does (by method and first path segment; any other GET is a health check),
 * checks access for unsafe methods and writes the {@link Reply}.
 */
final class Router implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    /**
     * One line per unsafe call and per 401/403, under its own name so that an operator can route
     * it to a separate file: an unauthenticated {@code PATCH /config} can set
     * {@code archive_command}, so who changed what must be on record.
     */
    static final Logger AUDIT = LoggerFactory.getLogger("io.hapg.audit");
    /** Larger bodies are refused with 413: no management request needs more. */
    static final int MAX_BODY = 64 * 1024;
    private static final byte[] NO_BODY = new byte[0];

    private final ApiContext ctx;
    private final AccessControl access;
    private final Map<String, String> extraHeaders;
    private final Switchovers switchovers;
    private final NodeActions actions;
    private final ConfigEdits configs;

    Router(ApiContext ctx, AccessControl access, Map<String, String> extraHeaders, Duration pollInterval) {
        this.ctx = ctx;
        this.access = access;
        this.extraHeaders = Map.copyOf(extraHeaders);
        this.switchovers = new Switchovers(ctx, pollInterval);
        this.actions = new NodeActions(ctx);
        this.configs = new ConfigEdits(ctx);
    }

    @Override
    public void handle(HttpExchange exchange) {
        try (exchange) {
            Reply reply;
            Request request = null;
            try {
                request = read(exchange);
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
                LOG.error("REST API: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                reply = Reply.text(500, "internal error; see the agent's log");
            }
            if (request == null && reply.status() >= 400) {
                reply = reply.withHeader("Connection", "close");
            }
            audit(exchange, request, reply.status());
            write(exchange, reply);
            LOG.debug("API thread: {} - {} {} {}", exchange.getRemoteAddress(), exchange.getRequestMethod(),
                    exchange.getRequestURI(), reply.status());
        } catch (IOException e) {
            LOG.debug("REST API: client {} went away: {}", exchange.getRemoteAddress(), e.toString());
        }
    }

    /** The audit line: caller, method and path, result and the authenticated user; never a password. */
    private void audit(HttpExchange exchange, Request request, int status) {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        boolean unsafe = !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"));
        if (!unsafe && status != 401 && status != 403) {
            return;
        }
        String user = request == null ? "-" : access.authenticatedUser(request).orElse("-");
        String line = "{}/{}: REST API audit: {} {} -> {} from {} user={}";
        Object[] args = {ctx.config().scope(), ctx.config().name(), method, exchange.getRequestURI().getRawPath(),
                status, peer(exchange), user};
        if (status == 401 || status == 403) {
            AUDIT.warn(line, args);
        } else {
            AUDIT.info(line, args);
        }
    }

    private static String peer(HttpExchange exchange) {
        InetSocketAddress a = exchange.getRemoteAddress();
        return a.getAddress() == null ? a.toString() : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private Request read(HttpExchange exchange) throws IOException {
        Headers headers = exchange.getRequestHeaders();
        String length = headers.getFirst("Content-Length");
        boolean chunked = "chunked".equalsIgnoreCase(headers.getFirst("Transfer-Encoding"));
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > MAX_BODY) {
                    throw new Request.BadRequest(413, "Request body larger than " + MAX_BODY + " bytes");
                }
            } catch (NumberFormatException e) {
                throw new Request.BadRequest(400, "Bad Content-Length");
            }
        }
        byte[] body = readBody(exchange.getRequestBody());
        return new Request(exchange.getRequestMethod().toUpperCase(Locale.ROOT), exchange.getRequestURI().getPath(),
                Request.parseQuery(exchange.getRequestURI().getRawQuery()),
                Optional.ofNullable(headers.getFirst("Authorization")), length != null || chunked, body,
                exchange.getRemoteAddress().getAddress(), hasClientCertificate(exchange));
    }

    private static byte[] readBody(InputStream in) throws IOException {
        // Health checks have no body: no buffer for them (it was a third of a check's garbage).
        int first = in.read();
        if (first < 0) {
            return NO_BODY;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(first);
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            if (out.size() > MAX_BODY) {
                throw new Request.BadRequest(413, "Request body larger than " + MAX_BODY + " bytes");
            }
        }
        return out.toByteArray();
    }

    private static boolean hasClientCertificate(HttpExchange exchange) {
        if (!(exchange instanceof HttpsExchange)) {
            return false;
        }
        try {
            return ((HttpsExchange) exchange).getSSLSession().getPeerCertificates().length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
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

    private void write(HttpExchange exchange, Reply reply) throws IOException {
        Headers out = exchange.getResponseHeaders();
        extraHeaders.forEach(out::set);
        reply.headers().forEach(out::set);
        if (reply.body().length == 0) {
            exchange.sendResponseHeaders(reply.status(), -1);
            return;
        }
        out.set("Content-Type", reply.contentType());
        boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
        exchange.sendResponseHeaders(reply.status(), head ? -1 : reply.body().length);
        if (!head) {
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(reply.body());
            }
        }
    }
}
