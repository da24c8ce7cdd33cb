package io.hapg.etcd.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.Tags;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code members/<name>} as Patroni writes it: {@code conn_url}, {@code api_url}, {@code state},
 * {@code role}, {@code version}, then, when known, {@code xlog_location} (an integer),
 * {@code timeline}, {@code replication_state}, {@code receive_lsn}, {@code replay_lsn},
 * {@code tags}, {@code pending_restart} (only when true) and {@code scheduled_restart}. Fields hapg does not model
 * ({@code proxy_url}, ...) are ignored on read, so a member written by Patroni itself reads fine.
 */
final class MemberJson {
    private MemberJson() {
    }

    static String encode(Member m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("conn_url", m.connUrl());
        out.put("api_url", m.apiUrl());
        out.put("state", m.state());
        out.put("role", m.role());
        out.put("version", m.version());
        m.xlogLocation().ifPresent(l -> out.put("xlog_location", l.value()));
        if (m.timeline() > 0) {
            out.put("timeline", m.timeline());
        }
        m.replicationState().ifPresent(s -> out.put("replication_state", s));
        m.receiveLsn().ifPresent(l -> out.put("receive_lsn", l.value()));
        m.replayLsn().ifPresent(l -> out.put("replay_lsn", l.value()));
        if (!m.tags().values().isEmpty()) {
            out.put("tags", m.tags().values());
        }
        if (m.pendingRestart()) {
            out.put("pending_restart", true);
        }
        m.scheduledRestart().ifPresent(r -> out.put("scheduled_restart", r.patroniFields()));
        return Json.write(out);
    }

    /** @throws Json.Garbage when the value is not a member object of the expected types */
    static Member decode(String name, String value) {
        JsonNode node = Json.object(value);
        Optional<Lsn> xlog = Json.lsn(node, "xlog_location");
        long timeline = Json.number(node, "timeline").orElse(0L);
        if (timeline > Integer.MAX_VALUE) {
            throw new Json.Garbage("timeline: out of range: " + timeline);
        }
        JsonNode tags = node.get("tags");
        Tags parsedTags = tags == null || tags.isNull() ? Tags.NONE : new Tags(Json.map(tags, "tags"));
        return new Member(name,
                Json.text(node, "conn_url").orElse(""),
                Json.text(node, "api_url").orElse(""),
                Json.text(node, "role").orElse(""),
                Json.text(node, "state").orElse(""),
                xlog,
                Json.lsn(node, "receive_lsn"),
                Json.lsn(node, "replay_lsn"),
                (int) timeline,
                Json.text(node, "replication_state"),
                parsedTags,
                Json.text(node, "version").orElse(""),
                node.path("pending_restart").asBoolean(false),
                scheduledRestart(node.get("scheduled_restart")));
    }

    /**
     * Patroni's {@code scheduled_restart}; a schedule that does not parse as an ISO-8601 time with
     * an offset reads as none: it is shown by tools and decides nothing, so it never makes the
     * member unreadable.
     */
    private static Optional<Member.ScheduledRestart> scheduledRestart(JsonNode restart) {
        if (restart == null || !restart.isObject() || !restart.path("schedule").isTextual()) {
            return Optional.empty();
        }
        try {
            Instant at = OffsetDateTime.parse(restart.path("schedule").asText()).toInstant();
            return Optional.of(new Member.ScheduledRestart(at, textual(restart, "role"),
                    textual(restart, "postgres_version")));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> textual(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isValueNode() && !v.isNull() ? Optional.of(v.asText()) : Optional.empty();
    }
}
