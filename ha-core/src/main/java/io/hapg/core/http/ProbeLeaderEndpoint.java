package io.hapg.core.http;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Leader;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Member;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * {@code POST /hapg/probe-leader {"leader": <name>, "timeout_ms": <ms>}} (hapg only; see
 * {@code FAST-FAILOVER.md}): a candidate for fast failover asks this node, a voter, to probe the
 * leader's PostgreSQL for it. The access checks are the other unsafe calls' (the caller is a
 * member, so {@code allowlist_include_members} admits it).
 *
 * <ul>
 *   <li>400: the body is not a JSON object, {@code leader} is missing or not a non-empty string,
 *       or {@code timeout_ms} is not an integer in {@value #MIN_TIMEOUT_MS}–{@value #MAX_TIMEOUT_MS}
 *       (default {@value #DEFAULT_TIMEOUT_MS}).</li>
 *   <li>409 (JSON {@code {"reason", "leader", "holder", "by"}}): {@code leader} is not the holder
 *       of the leader key in this node's latest view ({@code holder}: the one it sees, or
 *       {@code null}), or the view has no member key for it. A voter probes only the leader it
 *       sees itself, at the {@code conn_url} of that member's key in its own view: the request
 *       names a member, never a host, so it cannot point the probe anywhere else.</li>
 *   <li>503: no loop status yet, no {@link NodeControl}, or {@value #MAX_CONCURRENT} probes already
 *       running (an unanswered probe counts as "alive" for the caller, so refusing is safe).</li>
 *   <li>200 (JSON {@code {"outcome": "ANSWERED"|"NOT_ANSWERING", "leader", "by"}}): the probe ran
 *       ({@link NodeControl#probeOther}), on the request's worker thread (never Netty's I/O
 *       thread: unsafe calls are handed to workers), blocking it for at most about three times the
 *       timeout.</li>
 * </ul>
 */
final class ProbeLeaderEndpoint {
    static final String PATH = "/hapg/probe-leader";
    static final long MIN_TIMEOUT_MS = 100;
    static final long MAX_TIMEOUT_MS = 5000;
    static final long DEFAULT_TIMEOUT_MS = 500;
    /** Probes running at once on this node; a candidate asks once per HA iteration. */
    static final int MAX_CONCURRENT = 4;

    private final ApiContext ctx;
    private final Semaphore running = new Semaphore(MAX_CONCURRENT);

    ProbeLeaderEndpoint(ApiContext ctx) {
        this.ctx = ctx;
    }

    Reply post(Request request) {
        Map<String, Object> body = request.jsonObject(ctx.json(), false);
        Object leader = body.get("leader");
        if (!(leader instanceof String) || ((String) leader).isBlank()) {
            return Reply.text(400, "leader: the name of the member to probe (a non-empty string) is required");
        }
        Optional<Duration> timeout = timeout(body.get("timeout_ms"));
        if (timeout.isEmpty()) {
            return Reply.text(400, "timeout_ms: expected an integer number of milliseconds from " + MIN_TIMEOUT_MS
                    + " to " + MAX_TIMEOUT_MS + ", got " + body.get("timeout_ms"));
        }
        String name = (String) leader;
        Facts f = ctx.requireFacts();
        ClusterView view = f.status().cluster();
        Optional<String> holder = view.leader().map(Leader::name);
        if (!holder.equals(Optional.of(name))) {
            return conflict(name, holder, name + " does not hold the leader key in my view ("
                    + holder.map(h -> h + " does").orElse("nobody does") + ")");
        }
        Optional<Member> member = view.member(name);
        if (member.isEmpty()) {
            return conflict(name, holder, name + " holds the leader key but has no member key in my view");
        }
        NodeControl control = ctx.control();
        if (!running.tryAcquire()) {
            return Reply.text(503, "too many leader probes in progress");
        }
        LeaderProbe.Outcome outcome;
        try {
            outcome = control.probeOther(member.get(), timeout.get());
        } finally {
            running.release();
        }
        // Only a probe that found no answer is reported as such; anything else counts as alive.
        String reported = outcome == LeaderProbe.Outcome.NOT_ANSWERING ? outcome.name()
                : LeaderProbe.Outcome.ANSWERED.name();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("outcome", reported);
        doc.put("leader", name);
        doc.put("by", ctx.config().name());
        return Reply.json(200, ctx.toJson(doc));
    }

    private Reply conflict(String leader, Optional<String> holder, String reason) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("reason", reason);
        doc.put("leader", leader);
        doc.put("holder", holder.orElse(null));
        doc.put("by", ctx.config().name());
        return Reply.json(409, ctx.toJson(doc));
    }

    /** {@code timeout_ms}: absent → the default; an integer within bounds → it; anything else → empty. */
    static Optional<Duration> timeout(Object value) {
        if (value == null) {
            return Optional.of(Duration.ofMillis(DEFAULT_TIMEOUT_MS));
        }
        if (!(value instanceof Integer || value instanceof Long)) {
            return Optional.empty();
        }
        long ms = ((Number) value).longValue();
        return ms < MIN_TIMEOUT_MS || ms > MAX_TIMEOUT_MS ? Optional.empty() : Optional.of(Duration.ofMillis(ms));
    }
}
