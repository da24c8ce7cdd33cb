package io.hapg.core.config;

import io.hapg.core.model.Tags;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Patroni's typing of the well-known tags; custom tags are free-form. */
final class TagRules {
    private static final Set<String> BOOLEAN_TAGS = Set.of("nofailover", "clonefrom", "noloadbalance", "nosync",
            "nostream");
    private static final Set<String> PRIORITY_TAGS = Set.of("failover_priority", "sync_priority");

    private TagRules() {
    }

    /** @throws ConfigException naming {@code tags.<tag>} */
    static void check(Tags tags) {
        tags.values().forEach((key, value) -> {
            String path = "tags." + key;
            if (BOOLEAN_TAGS.contains(key) && !isBoolean(value)) {
                throw new ConfigException(path, "expected true or false, got " + describe(value));
            }
            if (PRIORITY_TAGS.contains(key)) {
                Long n = wholeNumber(value);
                if (n == null) {
                    throw new ConfigException(path, "expected a whole number, got " + describe(value));
                }
                Checks.atLeast(n, 0, path);
            }
            if (key.equals("replicatefrom") && !(value instanceof String)) {
                throw new ConfigException(path, "expected a member name, got " + describe(value));
            }
        });
        // A boolean tag beside its priority loads, as in Patroni: the boolean wins (Tags.contradictions).
    }

    private static boolean isBoolean(Object value) {
        if (value instanceof Boolean) {
            return true;
        }
        return value instanceof String && Set.of("true", "false", "on", "off", "yes", "no")
                .contains(((String) value).toLowerCase(Locale.ROOT));
    }

    static Long wholeNumber(Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof BigInteger && ((BigInteger) value).bitLength() < 64) {
            return ((BigInteger) value).longValue();
        }
        if (value instanceof String) {
            try {
                return Long.parseLong(((String) value).strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** A scalar as {@code 'text'}; a list or mapping by its kind only. */
    static String describe(Object value) {
        if (value instanceof Map) {
            return "a mapping";
        }
        if (value instanceof List) {
            return "a list";
        }
        return "'" + value + "'";
    }
}
