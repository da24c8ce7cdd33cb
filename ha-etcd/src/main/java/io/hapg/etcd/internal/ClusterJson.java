package io.hapg.etcd.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.PythonTime;
import io.hapg.core.model.SyncState;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The cluster-wide keys in Patroni's JSON: {@code config}, {@code sync}, {@code failover},
 * {@code history}, {@code status} and {@code failsafe}. Decoders throw {@link Json.Garbage} for
 * values of the wrong shape; {@link EtcdCodec} turns that into "absent".
 */
final class ClusterJson {
    private ClusterJson() {
    }

    // ---- config ----

    /**
     * The config's {@code raw} map, with any typed field that disagrees with it written over it,
     * so a config built in code round-trips and one read from etcd keeps every key as it was.
     */
    static String encodeConfig(DynamicConfig c) {
        Map<String, Object> out = new LinkedHashMap<>(c.raw());
        DynamicConfig fromRaw;
        try {
            fromRaw = DynamicConfig.fromMap(c.raw());
        } catch (IllegalArgumentException e) {
            fromRaw = null;
        }
        if (fromRaw == null || !fromRaw.equals(c)) {
            out.put("ttl", c.ttl().toSeconds());
            out.put("loop_wait", c.loopWait().toSeconds());
            out.put("retry_timeout", c.retryTimeout().toSeconds());
            out.put("maximum_lag_on_failover", c.maximumLagOnFailover());
            out.put("primary_start_timeout", c.primaryStartTimeout().toSeconds());
            out.put("synchronous_mode", c.synchronousMode());
            out.put("synchronous_mode_strict", c.synchronousModeStrict());
            out.put("synchronous_node_count", c.synchronousNodeCount());
            out.put("failsafe_mode", c.failsafeMode());
            out.put("check_timeline", c.checkTimeline());
            out.put("pause", c.pause());
            Map<String, Object> pg = new LinkedHashMap<>();
            if (out.get("postgresql") instanceof Map) {
                ((Map<?, ?>) out.get("postgresql")).forEach((k, v) -> pg.put(String.valueOf(k), v));
            }
            pg.put("use_pg_rewind", c.usePgRewind());
            pg.put("use_slots", c.useSlots());
            out.put("postgresql", pg);
        }
        return Json.write(out);
    }

    static DynamicConfig decodeConfig(String value) {
        try {
            return DynamicConfig.fromMap(Json.map(Json.object(value), "config"));
        } catch (IllegalArgumentException e) {
            throw new Json.Garbage(e.getMessage());
        }
    }

    // ---- sync ----

    /**
     * Patroni: {@code {"leader":"n0","sync_standby":"n1,n2"}}, {@code null} for an empty list; with
     * a quorum (Patroni 4's quorum commit) {@code {"leader":"n0","quorum":1,"sync_standby":"n1,n2"}}.
     * A quorum of 0 is left out: Patroni reads an absent quorum as 0, and Patroni 3 nodes and the
     * keys of {@code synchronous_mode: on} keep their exact former value.
     */
    static String encodeSync(SyncState s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("leader", s.leader().orElse(null));
        if (s.quorum() > 0) {
            out.put("quorum", s.quorum());
        }
        // Sorted, as Patroni's sync_state() joins them: the same set is the same value.
        out.put("sync_standby", s.syncStandbys().isEmpty() ? null
                : s.syncStandbys().stream().sorted().collect(Collectors.joining(",")));
        return Json.write(out);
    }

    static SyncState decodeSync(String value, long revision) {
        JsonNode node = Json.object(value);
        List<String> standbys = Json.text(node, "sync_standby")
                .map(t -> Arrays.stream(t.split(",")).map(String::strip).filter(n -> !n.isEmpty())
                        .collect(Collectors.toList()))
                .orElse(List.of());
        return new SyncState(Json.text(node, "leader"), standbys, quorum(node), revision);
    }

    /** Patroni 4's {@code quorum}: a non-negative integer (or its text); absent, null or garbage read as 0. */
    private static int quorum(JsonNode node) {
        JsonNode q = node.get("quorum");
        if (q == null || q.isNull()) {
            return 0;
        }
        if (q.canConvertToInt()) {
            return Math.max(0, q.asInt());
        }
        try {
            return Math.max(0, Integer.parseInt(q.asText().strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ---- failover ----

    static String encodeFailover(FailoverRequest f) {
        Map<String, Object> out = new LinkedHashMap<>();
        f.leader().ifPresent(l -> out.put("leader", l));
        f.candidate().ifPresent(c -> out.put("member", c));
        // Python's isoformat(), as Patroni writes it: 2030-01-02T03:04:05+00:00, not Instant's ...Z.
        f.scheduledAt().ifPresent(t -> out.put("scheduled_at", PythonTime.isoformat(t)));
        return Json.write(out);
    }

    /**
     * The request, or none when the value names neither a leader nor a member: Patroni clears the
     * key by writing {@code {}} ({@code manual_failover('', '')}) rather than deleting it, and its
     * {@code Failover} is false without both, whatever {@code scheduled_at} says.
     */
    static Optional<FailoverRequest> decodeFailover(String value, long revision) {
        JsonNode node = Json.object(value);
        Optional<String> leader = Json.text(node, "leader").filter(t -> !t.isBlank());
        Optional<String> member = Json.text(node, "member").filter(t -> !t.isBlank());
        if (leader.isEmpty() && member.isEmpty()) {
            return Optional.empty();
        }
        Optional<Instant> at = Json.text(node, "scheduled_at").filter(t -> !t.isBlank()).map(ClusterJson::instant);
        return Optional.of(new FailoverRequest(leader, member, at, revision));
    }

    private static Instant instant(String text) {
        try {
            return OffsetDateTime.parse(text.strip()).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(text.strip());
            } catch (DateTimeParseException e2) {
                throw new Json.Garbage("scheduled_at: not an ISO-8601 time with offset: '" + text + "'");
            }
        }
    }

    // ---- history ----

    /** Patroni: {@code [[timeline, lsn, reason, timestamp, new_leader], ...]}, trailing fields optional. */
    static String encodeHistory(List<HistoryEntry> history) {
        List<List<Object>> out = new ArrayList<>();
        for (HistoryEntry e : history) {
            List<Object> line = new ArrayList<>(List.of(e.timeline(), e.lsn().value(), e.reason()));
            if (e.timestamp().isPresent() || e.newLeader().isPresent()) {
                line.add(e.timestamp().orElse(null));
            }
            e.newLeader().ifPresent(line::add);
            out.add(line);
        }
        return Json.write(out);
    }

    static List<HistoryEntry> decodeHistory(String value) {
        JsonNode node = Json.parse(value);
        if (!node.isArray()) {
            throw new Json.Garbage("expected a JSON list, got " + node.getNodeType());
        }
        List<HistoryEntry> out = new ArrayList<>();
        for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
            out.add(historyLine(it.next()));
        }
        return out;
    }

    private static HistoryEntry historyLine(JsonNode line) {
        if (!line.isArray() || line.size() < 2) {
            throw new Json.Garbage("history line " + line + ": expected [timeline, lsn, reason, ...]");
        }
        JsonNode tl = line.get(0);
        if (!tl.isIntegralNumber() || tl.asLong() < 0 || tl.asLong() > Integer.MAX_VALUE) {
            throw new Json.Garbage("history line " + line + ": timeline is not a whole number");
        }
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        String[] names = {"timeline", "lsn", "reason", "timestamp", "new_leader"};
        for (int i = 0; i < Math.min(line.size(), names.length); i++) {
            fields.put(names[i], line.get(i));
        }
        JsonNode wrapper = Json.MAPPER.valueToTree(fields);
        Lsn lsn = Json.lsn(wrapper, "lsn").orElseThrow(() -> new Json.Garbage("history line " + line + ": no lsn"));
        return new HistoryEntry((int) tl.asLong(), lsn, Json.text(wrapper, "reason").orElse(""),
                Json.text(wrapper, "timestamp"), Json.text(wrapper, "new_leader"));
    }

    // ---- status ----

    /**
     * Patroni: {@code {"optime":<int>}} plus {@code "slots"} and (Patroni 4) {@code "retain_slots"}
     * when there are any; Patroni leaves out a field whose value is empty too.
     */
    static String encodeStatus(ClusterStatus s) {
        Map<String, Object> out = new LinkedHashMap<>();
        s.optime().ifPresent(o -> out.put("optime", o.value()));
        if (!s.slots().isEmpty()) {
            Map<String, Object> slots = new LinkedHashMap<>();
            s.slots().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> slots.put(e.getKey(), e.getValue().value()));
            out.put("slots", slots);
        }
        if (!s.retainSlots().isEmpty()) {
            out.put("retain_slots", s.retainSlots().stream().sorted().collect(Collectors.toList()));
        }
        return Json.write(out);
    }

    static ClusterStatus decodeStatus(String value) {
        JsonNode node = Json.object(value);
        Map<String, Lsn> slots = new LinkedHashMap<>();
        JsonNode s = node.get("slots");
        if (s != null && !s.isNull()) {
            if (!s.isObject()) {
                throw new Json.Garbage("slots: expected a JSON object, got " + s.getNodeType());
            }
            for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                Json.lsn(s, name).ifPresent(l -> slots.put(name, l));
            }
        }
        return new ClusterStatus(Json.lsn(node, "optime"), slots, retainSlots(node.get("retain_slots")));
    }

    /**
     * Patroni's {@code Status.from_node}: a list (or a JSON text of one) of slot names; anything
     * else reads as none, and so does a non-text entry, so that a garbled field costs the retention,
     * not the optime the leader race needs.
     */
    private static List<String> retainSlots(JsonNode field) {
        JsonNode list = field;
        if (field != null && field.isTextual()) {
            try {
                list = Json.MAPPER.readTree(field.asText());
            } catch (java.io.IOException e) {
                return List.of();
            }
        }
        if (list == null || !list.isArray()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        list.forEach(n -> {
            if (n.isTextual() && !n.asText().isEmpty()) {
                names.add(n.asText());
            }
        });
        return names;
    }

    /** Patroni before 2.1: {@code optime/leader} holds the leader's LSN as a plain integer. */
    static ClusterStatus decodeLegacyOptime(String value) {
        try {
            return new ClusterStatus(Optional.of(Lsn.of(Long.parseLong(value.strip()))), Map.of());
        } catch (IllegalArgumentException e) {
            throw new Json.Garbage("expected a whole number");
        }
    }

    // ---- failsafe ----

    static String encodeFailsafe(Map<String, String> failsafe) {
        return Json.write(new TreeMap<>(failsafe));
    }

    static Map<String, String> decodeFailsafe(String value) {
        JsonNode node = Json.object(value);
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            out.put(name, Objects.requireNonNullElse(Json.text(node, name).orElse(null), ""));
        }
        return out;
    }
}
