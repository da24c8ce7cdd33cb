package io.hapg.agent.config;

import io.hapg.core.config.ConfigException;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.DynamicKeys;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads {@code bootstrap.dcs} into a {@link DynamicConfig}. */
final class DcsReader {
    private DcsReader() {
    }

    static DynamicConfig read(Section s, YNode dcs) {
        if (dcs.kind != YNode.Kind.MAP) {
            throw Section.error(dcs, "expected a mapping, got " + dcs.describeKind());
        }
        dcs.entries.forEach((k, n) -> {
            if (!Section.DCS_KEYS.contains(k)) {
                s.warn(n, "unknown key '" + n.path + "' (line " + n.line + ") is not a Patroni dynamic setting;"
                        + " stored in the cluster config but not used");
            }
        });
        Map<String, Object> map = s.toJavaMap(false);
        refuse(s, dcs, map);
        try {
            DynamicConfig config = DynamicConfig.fromMap(map);
            return config;
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw relocate(dcs, e.getMessage());
        }
    }

    /**
     * Records each key {@link DynamicKeys} refuses (with its line) and removes it from {@code map},
     * so that every refused key is reported, not only the first.
     */
    private static void refuse(Section s, YNode dcs, Map<String, Object> map) {
        for (String path : DynamicKeys.refused().keySet()) {
            String[] parts = path.split("\\.");
            YNode n = dcs;
            for (String part : parts) {
                n = n == null || n.kind != YNode.Kind.MAP ? null : n.entries.get(part);
            }
            if (n == null || n.kind == YNode.Kind.NULL) {
                continue;
            }
            Map<String, Object> single = parts.length == 1 ? Map.of(path, n.toJava(false))
                    : Map.of(parts[0], Map.of(parts[1], n.toJava(false)));
            try {
                DynamicKeys.check(single);
            } catch (IllegalArgumentException e) {
                s.refuse(n, e.getMessage().substring(path.length() + 2));
                remove(map, parts);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void remove(Map<String, Object> map, String[] parts) {
        if (parts.length == 1) {
            map.remove(parts[0]);
        } else if (map.get(parts[0]) instanceof Map) {
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) map.get(parts[0]));
            copy.remove(parts[1]);
            map.put(parts[0], copy);
        }
    }

    /**
     * DynamicConfig says {@code ttl: ...}; make it {@code bootstrap.dcs.ttl: ...}, at the line of
     * the deepest node of that path ({@code slots.x.type}, {@code ignore_slots[1].name}).
     */
    private static ConfigException relocate(YNode dcs, String message) {
        int colon = message.indexOf(": ");
        String key = colon > 0 ? message.substring(0, colon) : "";
        String detail = colon > 0 ? message.substring(colon + 2) : message;
        String prefix = key.equals("use_pg_rewind") || key.equals("use_slots") ? "bootstrap.dcs.postgresql."
                : "bootstrap.dcs.";
        if (key.isEmpty() || key.contains(" ")) {
            return new ConfigException("bootstrap.dcs", message);
        }
        int line = line(dcs, key);
        return line > 0 ? new ConfigException(prefix + key, detail, line, null) : new ConfigException(prefix + key, detail);
    }

    /** The line of the node at {@code key}, or 0 when the path does not lead to one (the caller finds the line). */
    private static int line(YNode dcs, String key) {
        YNode n = dcs;
        for (String part : key.replace("[", ".[").split("\\.")) {
            YNode next = null;
            if (part.startsWith("[") && part.endsWith("]") && n.kind == YNode.Kind.LIST) {
                int i = Integer.parseInt(part.substring(1, part.length() - 1));
                next = i < n.items.size() ? n.items.get(i) : null;
            } else if (n.kind == YNode.Kind.MAP) {
                next = n.entries.get(part);
            }
            if (next == null) {
                return 0;
            }
            n = next;
        }
        return n.line;
    }
}
