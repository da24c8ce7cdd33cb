package io.hapg.agent.ctl;

import io.hapg.core.model.DynamicConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * {@code edit-config -s key=value}: patronictl's {@code apply_config_changes} turned into a JSON
 * merge patch for {@code PATCH /config}. Keys are dotted paths ({@code postgresql.use_pg_rewind});
 * below {@code postgresql.parameters} the rest of the key is one parameter name, dots included
 * ({@code postgresql.parameters.auto_explain.log_min_duration}). Values are YAML 1.1 scalars, as
 * PyYAML reads them: {@code 8MB} is a string, {@code 10} a number, {@code on}/{@code true} a
 * boolean, {@code null} or nothing deletes the key; {@code [a, b]} and {@code {k: v}} are allowed.
 * A map value merges into the map already stored (merge-patch semantics).
 */
final class ConfigPatch {
    private static final String PG_PARAMETERS = "postgresql.parameters";

    /** One {@code -s} setting: the key path and the parsed value ({@code null} = delete). */
    record Setting(List<String> path, Object value) {
        Setting {
            path = List.copyOf(path);
        }

        String key() {
            return String.join(".", path);
        }
    }

    private final List<Setting> settings;

    private ConfigPatch(List<Setting> settings) {
        this.settings = List.copyOf(settings);
    }

    /**
     * @param sets the {@code -s KEY=VALUE} arguments
     * @param pgs  the {@code -p NAME=VALUE} arguments ({@code postgresql.parameters.NAME})
     * @throws CtlException (usage) for a setting without {@code =}, an empty key, or bad YAML
     */
    static ConfigPatch parse(List<String> sets, List<String> pgs) {
        List<Setting> settings = new ArrayList<>();
        for (String s : sets) {
            settings.add(setting(s, s));
        }
        for (String p : pgs) {
            settings.add(setting(PG_PARAMETERS + "." + p.strip(), p));
        }
        return new ConfigPatch(settings);
    }

    private static Setting setting(String pair, String asGiven) {
        int eq = pair.indexOf('=');
        if (eq < 0) {
            throw CtlException.usage("edit-config: invalid setting '" + asGiven + "': expected KEY=VALUE");
        }
        String key = pair.substring(0, eq).strip();
        if (key.isEmpty() || key.startsWith(".") || key.endsWith(".") || key.contains("..")) {
            throw CtlException.usage("edit-config: invalid key '" + key + "' in '" + asGiven
                    + "': expected a dotted path like postgresql.parameters.work_mem");
        }
        List<String> path = new ArrayList<>();
        if (key.startsWith(PG_PARAMETERS + ".")) {
            path.addAll(List.of("postgresql", "parameters", key.substring(PG_PARAMETERS.length() + 1)));
        } else {
            path.addAll(Arrays.asList(key.split("\\.")));
        }
        Object value = yamlValue(pair.substring(eq + 1), asGiven);
        if (path.size() == 3 && key.startsWith(PG_PARAMETERS + ".") && value != null) {
            checkParameter(path.get(2), value, asGiven);
        }
        return new Setting(path, value);
    }

    /** The server refuses these too (400); saying so here names the argument and asks no member. */
    private static void checkParameter(String name, Object value, String asGiven) {
        if (DynamicConfig.isManagedParameter(name)) {
            throw CtlException.usage("edit-config: '" + asGiven + "': " + name
                    + " is managed by hapg on each node (from its own postgresql section)");
        }
        try {
            DynamicConfig.checkParameter(name, value);
        } catch (IllegalArgumentException e) {
            throw CtlException.usage("edit-config: '" + asGiven + "': " + e.getMessage());
        }
    }

    /** The value as PyYAML's {@code safe_load} would read it (YAML 1.1). */
    static Object yamlValue(String text, String asGiven) {
        try {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (YAMLException e) {
            throw CtlException.usage("edit-config: the value in '" + asGiven + "' is not valid YAML: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    List<Setting> settings() {
        return settings;
    }

    /** The merge patch: nested objects down to each setting, {@code null} where a key is deleted. */
    Map<String, Object> patch() {
        Map<String, Object> patch = new LinkedHashMap<>();
        for (Setting s : settings) {
            Map<String, Object> at = patch;
            for (String step : s.path().subList(0, s.path().size() - 1)) {
                at = child(at, step);
            }
            at.put(s.path().get(s.path().size() - 1), s.value());
        }
        return patch;
    }

    /** {@code config} with the patch merged in (a deep copy; {@code config} is not changed). */
    Map<String, Object> applyTo(Map<String, ?> config) {
        Map<String, Object> result = deepCopy(config);
        merge(result, patch());
        return result;
    }

    /** One line per setting that changes something: {@code ttl: 30 -> 20}. */
    List<String> describeChanges(Map<String, ?> before) {
        List<String> lines = new ArrayList<>();
        Map<String, Object> after = applyTo(before);
        for (Setting s : settings) {
            Object old = lookup(before, s.path());
            Object now = lookup(after, s.path());
            if (!Objects.equals(old, now)) {
                lines.add(s.key() + ": " + shown(old) + " -> " + shown(now));
            }
        }
        return lines;
    }

    /** Patroni's {@code format_config_for_editing}: block-style YAML, keys sorted, 200 columns. */
    static String toYaml(Map<String, ?> config) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setWidth(200);
        options.setAllowUnicode(true);
        return new Yaml(options).dump(sortedCopy(config));
    }

    private static String shown(Object value) {
        return value == null ? "(unset)" : Format.cell(value);
    }

    @SuppressWarnings("unchecked")
    private static Object lookup(Map<String, ?> config, List<String> path) {
        Object at = config;
        for (String step : path) {
            if (!(at instanceof Map)) {
                return null;
            }
            at = ((Map<String, Object>) at).get(step);
        }
        return at;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> child(Map<String, Object> map, String key) {
        Object existing = map.get(key);
        if (existing instanceof Map) {
            return (Map<String, Object>) existing;
        }
        Map<String, Object> created = new LinkedHashMap<>();
        map.put(key, created);
        return created;
    }

    /**
     * A YAML document that must be a mapping (or empty: no keys), as {@code --apply}/{@code
     * --replace} files and the edited text are read.
     *
     * @param source names the document in the error, e.g. {@code file new.yml}
     * @throws CtlException (failed) naming {@code source} when it is not YAML or not a mapping
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> document(String text, String source) {
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (YAMLException e) {
            throw CtlException.failed("edit-config: " + source + " is not valid YAML: " + e.getMessage().strip());
        }
        if (doc == null) {
            return new LinkedHashMap<>();
        }
        if (!(doc instanceof Map)) {
            throw CtlException.failed("edit-config: " + source + " must be a YAML mapping of settings (ttl: 30, ...),"
                    + " not a " + (doc instanceof List ? "list" : "single value"));
        }
        for (Object key : ((Map<?, ?>) doc).keySet()) {
            if (!(key instanceof String)) {
                throw CtlException.failed("edit-config: " + source + ": the key " + key + " is not text");
            }
        }
        return deepCopy((Map<String, ?>) doc);
    }

    /**
     * The merge patch that turns {@code before} into {@code after}: keys only in {@code before}
     * as {@code null}, changed maps as their own patch, other changed values as they are.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> between(Map<String, ?> before, Map<String, ?> after) {
        Map<String, Object> patch = new LinkedHashMap<>();
        before.keySet().stream().filter(k -> !after.containsKey(k)).forEach(k -> patch.put(k, null));
        after.forEach((k, v) -> {
            Object old = before.get(k);
            if (v instanceof Map && old instanceof Map) {
                Map<String, Object> inner = between((Map<String, ?>) old, (Map<String, ?>) v);
                if (!inner.isEmpty()) {
                    patch.put(k, inner);
                }
            } else if (!before.containsKey(k) || !Objects.equals(old, v)) {
                patch.put(k, v);
            }
        });
        return patch;
    }

    /** JSON merge patch (RFC 7386), as the agents' {@code PATCH /config} applies it. */
    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> target, Map<String, Object> patch) {
        for (Map.Entry<String, Object> e : patch.entrySet()) {
            Object value = e.getValue();
            Object current = target.get(e.getKey());
            if (value == null) {
                target.remove(e.getKey());
            } else if (value instanceof Map && current instanceof Map) {
                merge((Map<String, Object>) current, (Map<String, Object>) value);
            } else {
                target.put(e.getKey(), value instanceof Map ? deepCopy((Map<String, ?>) value) : value);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> deepCopy(Map<String, ?> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(k, v instanceof Map ? deepCopy((Map<String, ?>) v) : v));
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sortedCopy(Map<String, ?> map) {
        Map<String, Object> copy = new TreeMap<>();
        map.forEach((k, v) -> copy.put(k, v instanceof Map ? sortedCopy((Map<String, ?>) v) : v));
        return copy;
    }
}
