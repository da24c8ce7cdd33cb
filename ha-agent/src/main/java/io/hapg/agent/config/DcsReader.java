package io.hapg.agent.config;

import io.hapg.core.config.ConfigException;
import io.hapg.core.model.DynamicConfig;
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
        try {
            return DynamicConfig.fromMap(map);
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw relocate(e.getMessage());
        }
    }

    /** DynamicConfig says {@code ttl: ...}; make it {@code bootstrap.dcs.ttl: ...}. */
    private static ConfigException relocate(String message) {
        int colon = message.indexOf(": ");
        String key = colon > 0 ? message.substring(0, colon) : "";
        String detail = colon > 0 ? message.substring(colon + 2) : message;
        String prefix = key.equals("use_pg_rewind") || key.equals("use_slots") ? "bootstrap.dcs.postgresql."
                : "bootstrap.dcs.";
        return key.isEmpty() || key.contains(" ") ? new ConfigException("bootstrap.dcs", message)
                : new ConfigException(prefix + key, detail);
    }
}
