package io.hapg.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

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

    /**
     * Patroni's {@code Tags.nofailover}: the {@code nofailover} tag when it is present (even
     * {@code false}: Patroni warns of the conflict and defaults to it), else a
     * {@code failover_priority} of 0 or less.
     */
    public boolean nofailover() {
        return boolTag("nofailover", "failover_priority");
    }

    /** Patroni: {@code failover_priority}, default 1 (also when not a number); {@code nofailover: true} means 0. */
    public int failoverPriority() {
        return priorityTag("nofailover", "failover_priority");
    }

    public boolean noloadbalance() {
        return flag("noloadbalance");
    }

    /**
     * Never a synchronous standby, as Patroni's {@code Tags.nosync}: the {@code nosync} tag when it
     * is present, else a {@code sync_priority} of 0 or less ("similar to nosync: true").
     */
    public boolean nosync() {
        return boolTag("nosync", "sync_priority");
    }

    /**
     * Patroni's {@code sync_priority}: among synchronous candidates a higher value is preferred;
     * default 1 (also when not a number); {@code nosync: true} means 0.
     */
    public int syncPriority() {
        return priorityTag("nosync", "sync_priority");
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

    /**
     * The boolean tags that contradict their priority ({@code nofailover: true} with
     * {@code failover_priority: 2}, {@code nosync: false} with {@code sync_priority: 0}), as
     * Patroni's start-up check finds them: it warns and the boolean wins, as in {@link #nofailover}.
     *
     * @return one sentence per contradictory pair naming both tags; empty when there is none
     */
    public List<String> contradictions() {
        List<String> found = new ArrayList<>();
        for (String[] pair : new String[][] {{"nofailover", "failover_priority"}, {"nosync", "sync_priority"}}) {
            Object flagValue = values.get(pair[0]);
            OptionalLong priority = wholeNumber(values.get(pair[1]));
            if (flagValue != null && priority.isPresent() && flag(pair[0]) == priority.getAsLong() > 0) {
                found.add("tags." + pair[0] + " (" + flagValue + ") contradicts tags." + pair[1] + " ("
                        + priority.getAsLong() + "); as in Patroni, tags." + pair[0] + " wins");
            }
        }
        return found;
    }

    /** Patroni's {@code _bool_tag}: the boolean tag wins when present, else priority 0 or less. */
    private boolean boolTag(String flagName, String priorityName) {
        if (values.get(flagName) != null) {
            return flag(flagName);
        }
        OptionalLong priority = wholeNumber(values.get(priorityName));
        return priority.isPresent() && priority.getAsLong() <= 0;
    }

    /** Patroni's {@code _priority_tag}: 0 when the boolean tag is true, else the priority, default 1. */
    private int priorityTag(String flagName, String priorityName) {
        if (flag(flagName)) {
            return 0;
        }
        OptionalLong priority = wholeNumber(values.get(priorityName));
        return priority.isPresent() ? (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE,
                priority.getAsLong())) : 1;
    }

    private static OptionalLong wholeNumber(Object value) {
        if (value instanceof Number) {
            return OptionalLong.of(((Number) value).longValue());
        }
        if (value instanceof String) {
            try {
                return OptionalLong.of(Long.parseLong(((String) value).strip()));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
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
