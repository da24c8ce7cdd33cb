package io.hapg.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of Patroni's dynamic {@code ignore_slots} key: slots that match every given field are
 * managed outside hapg and never dropped. A field left out matches anything.
 *
 * @param name     the slot name
 * @param type     {@code physical} or {@code logical}
 * @param database a logical slot's database
 * @param plugin   a logical slot's output plugin
 */
public record IgnoreSlot(Optional<String> name, Optional<String> type, Optional<String> database,
                         Optional<String> plugin) {

    public IgnoreSlot {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(plugin, "plugin");
    }

    /** Whether a slot with these properties matches this entry (Patroni's {@code ignore_replication_slot}). */
    public boolean matches(String slotName, String slotType, Optional<String> slotDatabase,
                           Optional<String> slotPlugin) {
        return name.map(slotName::equals).orElse(true) && type.map(slotType::equals).orElse(true)
                && database.map(d -> slotDatabase.equals(Optional.of(d))).orElse(true)
                && plugin.map(p -> slotPlugin.equals(Optional.of(p))).orElse(true);
    }

    /**
     * Reads the {@code ignore_slots} key: a list of mappings with any of {@code name},
     * {@code type}, {@code database}, {@code plugin}.
     *
     * @throws IllegalArgumentException {@code "ignore_slots[<i>]: <what is wrong>"}
     */
    public static List<IgnoreSlot> parse(Object value) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List)) {
            throw new IllegalArgumentException("ignore_slots: expected a list of {name, type, database, plugin},"
                    + " got '" + value + "'");
        }
        List<IgnoreSlot> out = new ArrayList<>();
        List<?> entries = (List<?>) value;
        for (int i = 0; i < entries.size(); i++) {
            String key = "ignore_slots[" + i + "]";
            if (!(entries.get(i) instanceof Map) || ((Map<?, ?>) entries.get(i)).isEmpty()) {
                throw new IllegalArgumentException(key + ": expected a mapping with at least one of name, type,"
                        + " database, plugin, got '" + entries.get(i) + "'");
            }
            Map<?, ?> m = (Map<?, ?>) entries.get(i);
            List<Object> unknown = new ArrayList<>(m.keySet());
            unknown.removeAll(List.of("name", "type", "database", "plugin"));
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException(key + ": unknown field " + unknown.get(0)
                        + " (name, type, database and plugin are)");
            }
            Optional<String> type = PermanentSlot.text(key + ".type", m.get("type"));
            if (type.isPresent() && !List.of("physical", "logical").contains(type.get())) {
                throw new IllegalArgumentException(key + ".type: expected physical or logical, got '"
                        + type.get() + "'");
            }
            out.add(new IgnoreSlot(PermanentSlot.text(key + ".name", m.get("name")), type,
                    PermanentSlot.text(key + ".database", m.get("database")),
                    PermanentSlot.text(key + ".plugin", m.get("plugin"))));
        }
        return Collections.unmodifiableList(out);
    }
}
