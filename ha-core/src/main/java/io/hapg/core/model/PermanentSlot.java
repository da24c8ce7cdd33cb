package io.hapg.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One entry of Patroni's dynamic {@code slots} key: a replication slot the cluster keeps whatever
 * its members are. A physical one is kept on the primary and on every replica (advanced to the
 * primary's published position, so a consumer finds it after a failover); a logical one is created
 * on the primary and copied to the replicas (Patroni's failover slots), then advanced likewise.
 *
 * @param name     the slot name ({@code [a-z0-9_]{1,63}}, as Patroni requires)
 * @param logical  {@code type: logical}
 * @param database a logical slot's database
 * @param plugin   a logical slot's output plugin
 */
public record PermanentSlot(String name, boolean logical, Optional<String> database, Optional<String> plugin) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9_]{1,63}");

    public PermanentSlot {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(plugin, "plugin");
    }

    /** A physical permanent slot. */
    public static PermanentSlot physical(String name) {
        return new PermanentSlot(name, false, Optional.empty(), Optional.empty());
    }

    /** A logical permanent slot of {@code database}, decoded by {@code plugin}. */
    public static PermanentSlot logical(String name, String database, String plugin) {
        return new PermanentSlot(name, true, Optional.of(database), Optional.of(plugin));
    }

    /** {@code physical} or {@code logical}, as {@code pg_replication_slots.slot_type} says. */
    public String type() {
        return logical ? "logical" : "physical";
    }

    /**
     * Patroni's {@code slot_name_from_member_name}: lower case, {@code -} and {@code .} as
     * {@code _}, any other character outside {@code [a-z0-9_]} as {@code u} and its code point in
     * at least four decimal digits ({@code :} is {@code u0058}), cut at 63 characters. A replica
     * asks its primary for the slot under this name whichever agent runs either of them, and a
     * permanent physical slot of this name is that member's.
     */
    public static String slotName(String member) {
        StringBuilder name = new StringBuilder();
        member.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
                name.appendCodePoint(c);
            } else if (c == '-' || c == '.') {
                name.append('_');
            } else {
                name.append('u').append(String.format(Locale.ROOT, "%04d", c));
            }
        });
        return name.length() > 63 ? name.substring(0, 63) : name.toString();
    }

    /**
     * Reads the {@code slots} key as Patroni does: {@code name: null} or no {@code type} without
     * database and plugin is physical; no {@code type} with both is logical. Unlike Patroni, which
     * logs and skips a bad entry, a bad entry is refused (it would silently keep no slot).
     *
     * @param slotsKey the key read, for the error ({@code slots}, or a legacy name)
     * @throws IllegalArgumentException {@code "slots.<name>: <what is wrong>"}
     */
    public static Map<String, PermanentSlot> parse(String slotsKey, Object value) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException(slotsKey + ": expected a mapping of slot name to {type, database, plugin},"
                    + " got '" + value + "'");
        }
        Map<String, PermanentSlot> out = new LinkedHashMap<>();
        ((Map<?, ?>) value).forEach((k, v) -> {
            String name = String.valueOf(k);
            String key = slotsKey + "." + name.replaceAll("\\p{Cntrl}", "?");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(key + ": a slot name is 1 to 63 lower case letters, digits"
                        + " and _");
            }
            out.put(name, entry(key, name, v));
        });
        return Collections.unmodifiableMap(out);
    }

    private static PermanentSlot entry(String key, String name, Object v) {
        if (v == null) {
            return physical(name);
        }
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException(key + ": expected {type: physical} or {type: logical, database,"
                    + " plugin}, got '" + v + "'");
        }
        Map<?, ?> m = (Map<?, ?>) v;
        List<Object> unknown = new ArrayList<>(m.keySet());
        unknown.removeAll(List.of("type", "database", "plugin"));
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(key + ": unknown field " + unknown.get(0)
                    + " (type, database and plugin are)");
        }
        Optional<String> database = text(key + ".database", m.get("database"));
        Optional<String> plugin = text(key + ".plugin", m.get("plugin"));
        String type = text(key + ".type", m.get("type"))
                .orElse(database.isPresent() && plugin.isPresent() ? "logical" : "physical");
        switch (type) {
            case "physical":
                if (database.isPresent() || plugin.isPresent()) {
                    throw new IllegalArgumentException(key + ": a physical slot takes no database or plugin");
                }
                return physical(name);
            case "logical":
                if (database.isEmpty() || plugin.isEmpty()) {
                    throw new IllegalArgumentException(key + ": a logical slot needs both database and plugin");
                }
                return logical(name, database.get(), plugin.get());
            default:
                throw new IllegalArgumentException(key + ".type: expected physical or logical, got '" + type + "'");
        }
    }

    static Optional<String> text(String key, Object v) {
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Map || v instanceof java.util.Collection || String.valueOf(v).isBlank()
                || String.valueOf(v).chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(key + ": expected a name, got '"
                    + String.valueOf(v).replaceAll("\\p{Cntrl}", "?") + "'");
        }
        return Optional.of(String.valueOf(v));
    }
}
