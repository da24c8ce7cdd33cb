package io.hapg.core.http;

import io.hapg.core.http.NodeControl.RestartOutcome;
import io.hapg.core.http.NodeControl.RestartRequest;
import io.hapg.core.model.FailsafePing;
import io.hapg.core.model.Leader;
import io.hapg.core.model.Lsn;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST|DELETE /restart}, {@code POST /reload}, {@code POST /reinitialize} and
 * {@code GET|POST /failsafe}, with Patroni's validation, texts and codes.
 */
final class NodeActions {
    private static final Pattern SECONDS = Pattern.compile("\\s*(\\d+)\\s*(ms|s|min|h|d)?\\s*");
    private static final Pattern PG_VERSION = Pattern.compile("\\d+(\\.\\d+){0,2}");

    private final ApiContext ctx;

    NodeActions(ApiContext ctx) {
        this.ctx = ctx;
    }

    /** {@code POST /restart {restart_pending, role, postgres_version, timeout, schedule}}. */
    Reply restart(Request request) {
        Map<String, Object> body = request.jsonObject(ctx.json(), true);
        Facts f = ctx.requireFacts();
        if (f.paused() && body.containsKey("schedule")) {
            return Reply.text(500, "Can't schedule restart in the paused state");
        }
        Optional<String> role = Optional.empty();
        Optional<String> version = Optional.empty();
        Optional<Duration> timeout = Optional.empty();
        Optional<Instant> schedule = Optional.empty();
        boolean pending = false;
        for (Map.Entry<String, Object> e : body.entrySet()) {
            String value = e.getValue() == null ? "" : e.getValue().toString();
            switch (e.getKey()) {
                case "schedule":
                    schedule = Optional.of(Schedules.parse(value, "restart", ctx.time().now()));
                    break;
                case "role":
                    if (!value.equals("primary") && !value.equals("standby_leader") && !value.equals("replica")) {
                        return Reply.text(400, "PostgreSQL role should be either primary, standby_leader, or replica");
                    }
                    role = Optional.of(value);
                    break;
                case "postgres_version":
                    if (!PG_VERSION.matcher(value.strip()).matches()) {
                        return Reply.text(400, "postgres_version: expected X.Y or X.Y.Z, got '" + value + "'");
                    }
                    version = Optional.of(value.strip());
                    break;
                case "timeout":
                    timeout = seconds(value);
                    if (timeout.isEmpty() || timeout.get().isZero()) {
                        return Reply.text(400, "Timeout should be a positive number of seconds");
                    }
                    break;
                case "restart_pending":
                    pending = truthy(e.getValue());
                    break;
                default:
                    return Reply.text(400, "Unknown filter for the scheduled restart: " + e.getKey());
            }
        }
        RestartOutcome outcome = ctx.control().restart(new RestartRequest(role, version, timeout, pending, schedule));
        int status;
        switch (outcome.status()) {
            case RESTARTED: status = 200; break;
            case SCHEDULED: status = 202; break;
            case ALREADY_SCHEDULED: status = 409; break;
            default: status = 503; break;
        }
        return Reply.text(status, outcome.message());
    }

    Reply cancelRestart() {
        return ctx.control().cancelScheduledRestart() ? Reply.text(200, "scheduled restart deleted")
                : Reply.text(404, "no restarts are scheduled");
    }

    Reply reload() {
        ctx.control().reload();
        return Reply.text(202, "reload scheduled");
    }

    /** {@code POST /reinitialize {force, from_leader}}: replicas only (Patroni's {@code ha.reinitialize} checks). */
    Reply reinitialize(Request request) {
        Map<String, Object> body = request.jsonObject(ctx.json(), true);
        Facts f = ctx.requireFacts();
        if (f.status().cluster().leader().isEmpty() && !f.holdsLock()) {
            return Reply.text(503, "Cluster has no leader, can not reinitialize");
        }
        if (f.holdsLock() || f.status().cluster().isLeader(f.status().member())) {
            return Reply.text(503, "I am the leader, can not reinitialize");
        }
        Optional<String> refused = ctx.control().reinitialize(truthy(body.get("force")),
                truthy(body.get("from_leader")) || truthy(body.get("from-leader")));
        return refused.map(reason -> Reply.text(503, reason)).orElseGet(() -> Reply.text(200, "reinitialize started"));
    }

    /** {@code GET /failsafe}: the failsafe key, 502 when failsafe mode keeps none. */
    Reply failsafeMembers() {
        Facts f = ctx.requireFacts();
        return f.status().cluster().failsafe().map(m -> Reply.json(200, ctx.toJson(m)))
                .orElseGet(() -> Reply.text(502, "Bad Gateway"));
    }

    /**
     * {@code POST /failsafe}: the primary, cut from the store, asks whether it may keep running.
     * Accepted only from the leader this node last saw (named by {@code name} in the body, as
     * Patroni's caller sends it) and only while this node is not itself a running primary; the
     * agent then remembers the call and does not race for the leader key within {@code ttl}. The
     * answer carries this node's WAL position in the {@code lsn} header (Patroni's
     * {@code update_failsafe}). A refusal is a 500 with the reason, as Patroni answers any
     * message but {@code Accepted}.
     */
    Reply failsafe(Request request) {
        Facts f = ctx.requireFacts();
        if (!f.config().failsafeMode()) {
            return Reply.text(502, "Bad Gateway");
        }
        Object name = request.jsonObject(ctx.json(), false).get("name");
        if (!(name instanceof String) || ((String) name).isBlank()) {
            return Reply.text(400, "name: the calling leader's member name is required");
        }
        if (f.runningPrimary()) {
            return Reply.text(500, "Running as a leader");
        }
        Optional<String> leader = f.status().cluster().leader().map(Leader::name).or(() -> f.local().lastSeenLeader());
        if (!leader.equals(Optional.of(name))) {
            return Reply.text(500, name + " is not the leader I last saw (" + leader.orElse("none") + ")");
        }
        Optional<Lsn> position = f.db().walPosition();
        ctx.control().failsafePinged(new FailsafePing((String) name, ctx.time().nanoTime(), position));
        Reply accepted = Reply.text(200, "Accepted");
        return position.map(lsn -> accepted.withHeader("lsn", Long.toString(lsn.value()))).orElse(accepted);
    }

    /** Patroni's {@code parse_int(value, 's')}: seconds, or a number with ms, s, min, h or d. */
    static Optional<Duration> seconds(String text) {
        Matcher m = SECONDS.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofSeconds(Math.round(n / 1000.0));
            case "min" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
        return Optional.of(d);
    }

    /** Patroni's {@code parse_bool}: true, on, yes, 1 (any case). */
    static boolean truthy(Object value) {
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        if (value == null) {
            return false;
        }
        String s = value.toString().strip().toLowerCase(Locale.ROOT);
        return s.equals("true") || s.equals("on") || s.equals("yes") || s.equals("1");
    }
}
