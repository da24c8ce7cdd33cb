package io.hapg.agent.config;

import io.hapg.core.config.Secret;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One node of a parsed YAML document, with its dotted key path and 1-based line. Scalars keep
 * both the typed value (as YAML 1.1 resolves it: {@code on} is {@code true}) and the raw text.
 */
final class YNode {
    enum Kind { MAP, LIST, SCALAR, NULL }

    final Kind kind;
    final String path;
    final int line;
    /** MAP entries, in document order. */
    final Map<String, YNode> entries;
    /** LIST items. */
    final List<YNode> items;
    /** SCALAR value: String, Boolean, Integer, Long, BigInteger, Double or BigDecimal. */
    final Object value;
    /** SCALAR text as written (without quotes). */
    final String text;

    private YNode(Kind kind, String path, int line, Map<String, YNode> entries, List<YNode> items, Object value,
                  String text) {
        this.kind = kind;
        this.path = path;
        this.line = line;
        this.entries = entries;
        this.items = items;
        this.value = value;
        this.text = text;
    }

    static YNode map(String path, int line, Map<String, YNode> entries) {
        return new YNode(Kind.MAP, path, line, Collections.unmodifiableMap(entries), List.of(), null, null);
    }

    static YNode list(String path, int line, List<YNode> items) {
        return new YNode(Kind.LIST, path, line, Map.of(), Collections.unmodifiableList(items), null, null);
    }

    static YNode scalar(String path, int line, Object value, String text) {
        return new YNode(Kind.SCALAR, path, line, Map.of(), List.of(), value, text);
    }

    static YNode nul(String path, int line) {
        return new YNode(Kind.NULL, path, line, Map.of(), List.of(), null, null);
    }

    static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    static String item(String path, int index) {
        return path + "[" + index + "]";
    }

    /** A deep copy placed at another path (for aliases and merge keys); every line becomes {@code newLine}. */
    YNode relocate(String newPath, int newLine, Map<String, Integer> lines) {
        lines.putIfAbsent(newPath, newLine);
        switch (kind) {
            case MAP: {
                Map<String, YNode> copy = new LinkedHashMap<>();
                entries.forEach((k, v) -> copy.put(k, v.relocate(child(newPath, k), newLine, lines)));
                return map(newPath, newLine, copy);
            }
            case LIST: {
                List<YNode> copy = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    copy.add(items.get(i).relocate(item(newPath, i), newLine, lines));
                }
                return list(newPath, newLine, copy);
            }
            case SCALAR:
                return scalar(newPath, newLine, value, text);
            default:
                return nul(newPath, newLine);
        }
    }

    /** What this node is, for error messages; never the value itself. */
    String describeKind() {
        switch (kind) {
            case MAP:
                return "a mapping";
            case LIST:
                return "a list";
            case NULL:
                return "nothing";
            default:
                return value instanceof Boolean ? "a boolean" : value instanceof Number ? "a number" : "a string";
        }
    }

    boolean isWholeNumber() {
        return value instanceof Integer || value instanceof Long || value instanceof BigInteger;
    }

    /**
     * Plain Java: LinkedHashMap, ArrayList, or the scalar value (null for NULL).
     *
     * @param maskSecrets whether values under keys containing {@code password} become {@link Secret}s
     */
    Object toJava(boolean maskSecrets) {
        switch (kind) {
            case MAP: {
                Map<String, Object> out = new LinkedHashMap<>();
                entries.forEach((k, v) -> {
                    boolean secret = maskSecrets && v.kind == Kind.SCALAR
                            && k.toLowerCase(Locale.ROOT).contains("password");
                    out.put(k, secret ? Secret.of(v.text) : v.toJava(maskSecrets));
                });
                return out;
            }
            case LIST: {
                List<Object> out = new ArrayList<>();
                items.forEach(i -> out.add(i.toJava(maskSecrets)));
                return out;
            }
            case SCALAR:
                return value;
            default:
                return null;
        }
    }
}
