package io.hapg.core.model;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The cluster's {@code postgresql.pg_ident} and {@code postgresql.recovery_conf} from the dynamic
 * configuration, as every node is to write them when its own configuration does not set them
 * (Patroni's {@code _build_effective_configuration}: a node's own value replaces the cluster's
 * whole). Immutable.
 *
 * @param pgIdent      the lines of {@code pg_ident.conf}; empty: the file is not written
 * @param recoveryConf recovery setting name to its PostgreSQL text, for the times the node runs in
 *                     recovery; which names a node writes is the node's business (Patroni ignores
 *                     {@code primary_conninfo} and the others it writes itself)
 */
public record ClusterPgFiles(List<String> pgIdent, Map<String, String> recoveryConf) {
    /** Neither key set. */
    public static final ClusterPgFiles NONE = new ClusterPgFiles(List.of(), Map.of());

    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    /** @throws IllegalArgumentException for a line or value with a line break, or an invalid setting name */
    public ClusterPgFiles {
        pgIdent = List.copyOf(Objects.requireNonNull(pgIdent, "pgIdent"));
        for (String line : pgIdent) {
            if (line.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("postgresql.pg_ident: a line must not contain line breaks or other"
                        + " control characters");
            }
        }
        Map<String, String> copy = new LinkedHashMap<>();
        Objects.requireNonNull(recoveryConf, "recoveryConf").forEach((name, value) -> {
            if (!SETTING_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("postgresql.recovery_conf: invalid setting name '"
                        + name.replaceAll("\\p{Cntrl}", "?") + "' (letters, digits, _ and . only)");
            }
            if (value.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("postgresql.recovery_conf." + name
                        + ": the value must not contain line breaks or other control characters");
            }
            copy.put(name, value);
        });
        recoveryConf = Collections.unmodifiableMap(copy);
    }

    /** The line count and the setting names only: a {@code restore_command} may carry a password. */
    @Override
    public String toString() {
        return "ClusterPgFiles[pgIdent=" + pgIdent.size() + " line(s), recoveryConf=" + recoveryConf.keySet() + "]";
    }

    /** Whether neither key is set. */
    public boolean isEmpty() {
        return pgIdent.isEmpty() && recoveryConf.isEmpty();
    }

    /**
     * Reads the two keys of a dynamic configuration's {@code postgresql} section (absent or null:
     * not set). {@code pg_ident} must be a list of text lines, {@code recovery_conf} a mapping of
     * single values (booleans become {@code on}/{@code off}, numbers their text); null values are
     * left out.
     *
     * @throws IllegalArgumentException naming {@code postgresql.pg_ident} or
     *                                  {@code postgresql.recovery_conf[.<name>]} for any other shape
     */
    static ClusterPgFiles parse(Map<?, ?> postgresql) {
        Object ident = postgresql.get("pg_ident");
        List<String> lines = new java.util.ArrayList<>();
        if (ident != null) {
            if (!(ident instanceof List)) {
                throw new IllegalArgumentException("postgresql.pg_ident: expected a list of pg_ident.conf lines, got "
                        + kind(ident));
            }
            for (Object line : (List<?>) ident) {
                if (!(line instanceof String)) {
                    throw new IllegalArgumentException("postgresql.pg_ident: expected text lines, got "
                            + kind(line));
                }
                lines.add((String) line);
            }
        }
        Object recovery = postgresql.get("recovery_conf");
        Map<String, String> settings = new LinkedHashMap<>();
        if (recovery != null) {
            if (!(recovery instanceof Map)) {
                throw new IllegalArgumentException("postgresql.recovery_conf: expected a mapping of recovery settings,"
                        + " got " + kind(recovery));
            }
            ((Map<?, ?>) recovery).forEach((name, value) -> {
                if (value instanceof Map || value instanceof Collection) {
                    throw new IllegalArgumentException("postgresql.recovery_conf." + name
                            + ": expected a string, number or boolean");
                }
                if (value != null) {
                    settings.put(String.valueOf(name), value instanceof Boolean ? ((Boolean) value ? "on" : "off")
                            : value.toString());
                }
            });
        }
        return new ClusterPgFiles(lines, settings);
    }

    /** What a value is, without the value (a recovery setting may carry a password). */
    private static String kind(Object value) {
        if (value instanceof Map) {
            return "a mapping";
        }
        if (value instanceof Collection) {
            return "a list";
        }
        return value == null ? "null" : value instanceof String ? "text" : "a " + value.getClass().getSimpleName();
    }
}
