package io.hapg.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A member's Patroni tags ({@code nofailover}, {@code failover_priority}, {@code noloadbalance},
 * {@code nosync}, {@code nostream}, {@code clonefrom}, {@code replicatefrom}, and any custom
 * tag). Values keep their YAML/JSON types; the accessors apply Patroni's defaults.
 */
public record Tags(Map<String, Object> values) {
    public static final Tags NONE = new Tags(Map.of());

    public Tags {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static Tags of(Map<String, ?> values) {
        return new Tags(new LinkedHashMap<>(values));
    }

    /** A copy with one tag set. */
    public Tags with(String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(values);
        copy.put(key, value);
        return new Tags(copy);
    }

    public boolean nofailover() {
        return flag("nofailover") || failoverPriority() <= 0;
    }

    /** Patroni: {@code failover_priority}, default 1; {@code nofailover: true} means 0. */
    public int failoverPriority() {
        if (flag("nofailover")) {
            return 0;
        }
        Object value = values.get("failover_priority");
        if (value instanceof Number) {
            return ((Number) value).intValue();
        }
        if (value instanceof String) {
            try {
                return Integer.parseInt(((String) value).strip());
            } catch (NumberFormatException e) {
                return 1;
            }
        }
        return 1;
    }

    public boolean noloadbalance() {
        return flag("noloadbalance");
    }

    /**
     * Never a synchronous standby: {@code nosync: true}, or Patroni's {@code sync_priority} 0 or
     * less ("similar to nosync: true").
     */
    public boolean nosync() {
        if (flag("nosync")) {
            return true;
        }
        Object priority = values.get("sync_priority");
        if (priority == null) {
            return false;
        }
        try {
            return Long.parseLong(priority.toString().strip()) <= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public boolean nostream() {
        return flag("nostream");
    }

    public boolean clonefrom() {
        return flag("clonefrom");
    }

    public Optional<String> replicatefrom() {
        Object value = values.get("replicatefrom");
        return value == null ? Optional.empty() : Optional.of(value.toString());
    }

    /** The tag as Patroni compares it in {@code ?tag_k=v}: strings as-is, others lower-cased. */
    public Optional<String> asText(String key) {
        Object value = values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        return Optional.of(value instanceof String ? (String) value : value.toString().toLowerCase(Locale.ROOT));
    }

    private boolean flag(String key) {
        Object value = values.get(key);
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        if (value instanceof String) {
            String s = ((String) value).strip().toLowerCase(Locale.ROOT);
            return s.equals("true") || s.equals("on") || s.equals("yes") || s.equals("1");
        }
        return false;
    }
}
