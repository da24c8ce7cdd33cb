package io.hapg.postgres.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Writes and reads {@code synchronous_standby_names}. */
public final class SyncNames {
    /**
     * What strict mode writes when no standby qualifies: a name no standby has, so commits wait
     * instead of going through unreplicated. Patroni's placeholder, so its tools recognise it.
     */
    public static final String STRICT_PLACEHOLDER = "__patroni_strict_sync_replica_placeholder__";
    private static final Pattern PRIORITY = Pattern.compile("(?is)^\\s*(?:(FIRST|ANY)\\s+)?(\\d+)\\s*\\((.*)\\)\\s*$");

    private SyncNames() {
    }

    /**
     * {@code FIRST n ("a", "b")} for all {@code members}; {@code ''} for none, or the strict
     * placeholder for none when {@code strict}.
     */
    public static String format(List<String> members, boolean strict) {
        if (members.isEmpty()) {
            return strict ? "FIRST 1 (" + Jdbc.identifier(STRICT_PLACEHOLDER) + ")" : "";
        }
        return "FIRST " + members.size() + " ("
                + members.stream().map(Jdbc::identifier).collect(Collectors.joining(", ")) + ")";
    }

    /** The standby names in a {@code synchronous_standby_names} value, without {@code *} or the placeholder. */
    public static List<String> parse(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        Matcher m = PRIORITY.matcher(value);
        String list = m.matches() ? m.group(3) : value;
        List<String> names = new ArrayList<>();
        for (String name : split(list)) {
            if (!name.isEmpty() && !name.equals("*") && !name.equals(STRICT_PLACEHOLDER)) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    private static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (c == '"') {
                if (quoted && i + 1 < list.length() && list.charAt(i + 1) == '"') {
                    current.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (c == ',' && !quoted) {
                out.add(current.toString().strip());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        out.add(current.toString().strip());
        return out;
    }
}
