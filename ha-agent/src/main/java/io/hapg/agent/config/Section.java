package io.hapg.agent.config;

import io.hapg.core.config.ConfigException;
import io.hapg.core.config.Secret;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Typed reads from one YAML mapping. Every read marks its key as known; {@link #finish} then
 * applies {@link KeyRules} to every key present (refusals are collected, not thrown, so that
 * {@code --validate-config} can list them all) and warns about unknown ones. Errors carry the key
 * path and line and never the value of a secret.
 */
final class Section {
    /** Dynamic-configuration keys, for "did you mean 'bootstrap.dcs.x'?" hints. */
    static final Set<String> DCS_KEYS = Set.of("ttl", "loop_wait", "retry_timeout", "primary_race_backoff",
            "maximum_lag_on_failover", "maximum_lag_on_syncnode", "max_timelines_history", "primary_start_timeout",
            "primary_stop_timeout", "synchronous_mode", "synchronous_mode_strict", "synchronous_node_count",
            "failsafe_mode", "check_timeline", "pause", "postgresql", "standby_cluster", "member_slots_ttl", "slots",
            "ignore_slots", "master_start_timeout", "master_stop_timeout", "fast_failover");

    private final YNode node;
    private final List<ConfigWarning> warnings;
    private final List<ConfigException> refusals;
    private final Set<String> used = new HashSet<>();

    /**
     * @param warnings where warnings go
     * @param refusals where refused keys go (the loader throws the first after binding)
     */
    Section(YNode node, List<ConfigWarning> warnings, List<ConfigException> refusals) {
        this.node = node;
        this.warnings = warnings;
        this.refusals = refusals;
    }

    /** A section for a mapping under this one, reporting to the same lists. */
    Section child(YNode n) {
        return new Section(n, warnings, refusals);
    }

    String path() {
        return node.path;
    }

    int line() {
        return node.line;
    }

    YNode node() {
        return node;
    }

    /** The node under {@code key}, marked known; empty when absent or null. */
    Optional<YNode> take(String key) {
        used.add(key);
        YNode n = node.entries.get(key);
        return n == null || n.kind == YNode.Kind.NULL ? Optional.empty() : Optional.of(n);
    }

    boolean has(String key) {
        YNode n = node.entries.get(key);
        return n != null && n.kind != YNode.Kind.NULL;
    }

    Optional<String> string(String key) {
        return take(key).map(n -> text(n, "a string"));
    }

    String requiredString(String key) {
        return string(key).orElseThrow(() -> new ConfigException(YNode.child(path(), key), "required", line(), null));
    }

    Optional<Secret> secret(String key) {
        return take(key).map(n -> Secret.of(text(n, "a string")));
    }

    Optional<Path> file(String key) {
        return string(key).filter(s -> !s.isBlank()).map(Path::of);
    }

    Optional<Boolean> bool(String key) {
        return take(key).map(Section::bool);
    }

    Optional<Long> integer(String key) {
        return take(key).map(Section::integer);
    }

    /** A list of scalars; a single scalar is a one-item list. */
    List<String> strings(String key) {
        Optional<YNode> n = take(key);
        if (n.isEmpty()) {
            return List.of();
        }
        if (n.get().kind == YNode.Kind.SCALAR) {
            return List.of(n.get().text);
        }
        if (n.get().kind != YNode.Kind.LIST) {
            throw error(n.get(), "expected a list, got " + n.get().describeKind());
        }
        List<String> out = new ArrayList<>();
        n.get().items.forEach(i -> out.add(text(i, "a string")));
        return out;
    }

    /** A mapping of scalars, as their text. */
    Map<String, String> stringMap(String key) {
        Map<String, String> out = new LinkedHashMap<>();
        section(key).ifPresent(s -> s.node.entries.forEach((k, v) -> {
            s.used.add(k);
            out.put(k, text(v, "a string"));
        }));
        return out;
    }

    Optional<Section> section(String key) {
        return take(key).map(n -> {
            if (n.kind != YNode.Kind.MAP) {
                throw error(n, "expected a mapping, got " + n.describeKind());
            }
            return child(n);
        });
    }

    /** The entries of this mapping, for free-form sections (parameters, tags). Marks all as known. */
    Map<String, YNode> entries() {
        used.addAll(node.entries.keySet());
        return node.entries;
    }

    /** This mapping as plain Java (see {@link YNode#toJava}), null values dropped; marks all keys known. */
    @SuppressWarnings("unchecked")
    Map<String, Object> toJavaMap(boolean maskSecrets) {
        entries();
        Map<String, Object> out = new LinkedHashMap<>();
        ((Map<String, Object>) node.toJava(maskSecrets)).forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Records a refused key; the loader throws the first after binding. */
    void refuse(YNode at, String detail) {
        refusals.add(new ConfigException(at.path, detail, at.line, null));
    }

    void warn(YNode at, String message) {
        warnings.add(new ConfigWarning(at.path, at.line, message));
    }

    Optional<YNode> peek(String key) {
        return Optional.ofNullable(node.entries.get(key));
    }

    /**
     * Applies {@link KeyRules} to every key present (read or not), then warns about every key
     * neither read nor in the table, per leaf key.
     */
    void finish() {
        node.entries.forEach((key, child) -> {
            Optional<KeyRules.Rule> rule = child.kind == YNode.Kind.NULL ? Optional.empty()
                    : KeyRules.rule(child.path);
            if (rule.isPresent()) {
                apply(rule.get(), child);
            } else if (!used.contains(key)) {
                unknown(child);
            }
        });
    }

    private void apply(KeyRules.Rule rule, YNode n) {
        if (rule.accepts(n)) {
            return;
        }
        if (rule.verdict() == KeyRules.Verdict.REFUSED) {
            refuse(n, "not supported by hapg: " + rule.reason());
        } else {
            warn(n, "'" + n.path + "' " + where(n) + " ignored: " + rule.reason());
        }
    }

    /** {@code (line 12)}, or {@code (from the environment)} for a value an environment variable set. */
    static String where(YNode n) {
        return n.line > 0 ? "(line " + n.line + ")" : "(from the environment)";
    }

    private void unknown(YNode n) {
        if (n.kind == YNode.Kind.MAP && !n.entries.isEmpty()) {
            n.entries.values().forEach(this::unknown);
            return;
        }
        String last = n.path.substring(n.path.lastIndexOf('.') + 1);
        String hint = DCS_KEYS.contains(last) && !last.equals("postgresql") && !n.path.startsWith("bootstrap.dcs.")
                ? "; did you mean 'bootstrap.dcs." + last + "'?" : "";
        warn(n, "unknown key '" + n.path + "' " + where(n) + " ignored" + hint);
    }

    static ConfigException error(YNode n, String detail) {
        return new ConfigException(n.path, detail, n.line, null);
    }

    /** A scalar's text; errors name only the kind of what was found. */
    static String text(YNode n, String expected) {
        if (n.kind != YNode.Kind.SCALAR) {
            throw error(n, "expected " + expected + ", got " + n.describeKind());
        }
        return n.text;
    }

    static boolean bool(YNode n) {
        if (n.value instanceof Boolean) {
            return (Boolean) n.value;
        }
        String s = text(n, "true or false").strip().toLowerCase(Locale.ROOT);
        if (s.equals("true")) {
            return true;
        }
        if (s.equals("false")) {
            return false;
        }
        throw error(n, "expected true or false, got '" + n.text + "'");
    }

    static long integer(YNode n) {
        Object value = n.isWholeNumber() ? n.value : text(n, "a whole number");
        try {
            return new BigInteger(String.valueOf(value).strip()).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw error(n, "expected a whole number, got '" + n.text + "'");
        }
    }
}
