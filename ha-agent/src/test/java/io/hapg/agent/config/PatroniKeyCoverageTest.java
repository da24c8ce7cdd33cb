package io.hapg.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.config.ConfigException;
import io.hapg.core.model.DynamicKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every key and {@code PATRONI_*} variable Patroni documents ({@code patroni-keys.tsv}, read from
 * Patroni's docs) either works, or is refused, or is warned about, as the binder's one table says
 * ({@link KeyRules}, {@link DynamicKeys}): a key the binder neither implements nor lists fails
 * here (it would come out as an "unknown key" warning or not at all). Each key is set alone on a
 * minimal valid file (with the companions it needs) and the file is validated.
 */
class PatroniKeyCoverageTest {
    /** One row of the resource. */
    record Key(String key, String sample, Map<String, String> companions, String expectation) {
        @Override
        public String toString() {
            return key + "=" + sample + (companions.isEmpty() ? "" : " " + companions);
        }
    }

    static Stream<Key> fileKeys() {
        return keys().filter(k -> !isVariable(k.key()));
    }

    static Stream<Key> variables() {
        return keys().filter(k -> isVariable(k.key()));
    }

    @ParameterizedTest
    @MethodSource("fileKeys")
    void everyDocumentedKeyWorksOrIsRefusedOrWarned(Key k) {
        Map<String, Object> doc = base(k.key().startsWith("etcd.") ? "etcd" : "etcd3");
        put(doc, k.key(), k.sample());
        k.companions().forEach((path, value) -> put(doc, path, value));
        ConfigLoader.Validation v = ConfigLoader.validate(new StringReader(yaml(doc, "")), Map.of());
        check(v, k.key(), expectation(k.expectation(), k.key()));
    }

    @ParameterizedTest
    @MethodSource("variables")
    void everyDocumentedVariableWorksOrIsRefusedOrWarned(Key k) {
        Map<String, Object> doc = base(k.key().startsWith("PATRONI_ETCD_") ? "etcd" : "etcd3");
        Map<String, String> env = new LinkedHashMap<>(k.companions());
        env.put(k.key(), k.sample());
        EnvOverrides.Applied applied = EnvOverrides.apply(YNode.map("", 1, new LinkedHashMap<>()), env);
        Optional<String> path = applied.sources().entrySet().stream().filter(e -> e.getValue().equals(k.key()))
                .map(Map.Entry::getKey).findFirst();
        ConfigLoader.Validation v = ConfigLoader.validate(new StringReader(yaml(doc, "")), env);
        String expectation = k.expectation();
        if (expectation.isEmpty()) {
            assertThat(path).as(k.key() + " sets no key; give its expectation in patroni-keys.tsv").isPresent();
            expectation = expectation("", path.get());
        }
        check(v, path.orElse(k.key()), expectation);
    }

    /** Refused, warned or working, as the table says for {@code key} or the section holding it. */
    static String expectation(String given, String key) {
        if (!given.isEmpty()) {
            return given;
        }
        if (key.startsWith("bootstrap.dcs.")) {
            String dynamic = key.substring("bootstrap.dcs.".length());
            for (String refused : DynamicKeys.refused().keySet()) {
                if (dynamic.equals(refused) || dynamic.startsWith(refused + ".")) {
                    return "refused:bootstrap.dcs." + refused;
                }
            }
            return "works";
        }
        for (String prefix = key; !prefix.isEmpty();
                prefix = prefix.contains(".") ? prefix.substring(0, prefix.lastIndexOf('.')) : "") {
            Optional<KeyRules.Rule> rule = KeyRules.rule(prefix);
            if (rule.isPresent()) {
                return rule.get().verdict().name().toLowerCase() + ":" + prefix;
            }
        }
        return "works";
    }

    private static void check(ConfigLoader.Validation v, String key, String expectation) {
        List<String> errors = v.errors().stream().map(ConfigException::getMessage).collect(Collectors.toList());
        List<String> warnings = v.warnings().stream().map(ConfigWarning::message).collect(Collectors.toList());
        String describe = key + " (" + expectation + "): errors " + errors + ", warnings " + warnings;
        if (expectation.equals("works")) {
            assertThat(v.errors()).as(describe).isEmpty();
            assertThat(v.warnings()).as(describe).noneMatch(w -> related(w.keyPath(), key));
            return;
        }
        String[] parts = expectation.split(":", 2);
        if (parts[0].equals("refused")) {
            assertThat(v.errors()).as(describe).anyMatch(e -> e.keyPath().equals(parts[1])
                    && e.getMessage().contains("not supported by hapg: "));
        } else {
            assertThat(v.errors()).as(describe).isEmpty();
            assertThat(v.warnings()).as(describe).anyMatch(w -> w.keyPath().equals(parts[1])
                    && w.message().contains("ignored"));
        }
        assertThat(warnings).as(describe).noneMatch(w -> w.startsWith("unknown key"));
    }

    private static boolean related(String a, String b) {
        return a.equals(b) || a.startsWith(b + ".");
    }

    static boolean isVariable(String key) {
        return key.equals(key.toUpperCase()) && key.contains("_");
    }

    /** A minimal valid node: scope, name, etcd, data directory, the three roles. */
    static Map<String, Object> base(String etcd) {
        Map<String, Object> doc = new LinkedHashMap<>();
        put(doc, "scope", "shop");
        put(doc, "name", "n0");
        put(doc, etcd + ".hosts", "[127.0.0.1:2379]");
        put(doc, "postgresql.data_dir", "/var/lib/postgresql/data");
        put(doc, "postgresql.authentication.superuser.username", "postgres");
        put(doc, "postgresql.authentication.replication.username", "replicator");
        put(doc, "postgresql.authentication.rewind.username", "rewind_user");
        return doc;
    }

    @SuppressWarnings("unchecked")
    static void put(Map<String, Object> doc, String path, String flowValue) {
        String[] parts = path.split("\\.");
        Map<String, Object> m = doc;
        for (int i = 0; i < parts.length - 1; i++) {
            Object next = m.get(parts[i]);
            if (!(next instanceof Map)) {
                next = new LinkedHashMap<String, Object>();
                m.put(parts[i], next);
            }
            m = (Map<String, Object>) next;
        }
        m.put(parts[parts.length - 1], flowValue);
    }

    @SuppressWarnings("unchecked")
    static String yaml(Map<String, Object> doc, String indent) {
        StringBuilder out = new StringBuilder();
        doc.forEach((k, v) -> {
            if (v instanceof Map) {
                out.append(indent).append(k).append(":\n").append(yaml((Map<String, Object>) v, indent + "  "));
            } else {
                out.append(indent).append(k).append(": ").append(v).append('\n');
            }
        });
        return out.toString();
    }

    static Stream<Key> keys() {
        List<Key> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                PatroniKeyCoverageTest.class.getResourceAsStream("patroni-keys.tsv"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] cols = line.split("\t", -1);
                Map<String, String> companions = new LinkedHashMap<>();
                if (cols.length > 2 && !cols[2].isEmpty()) {
                    for (String c : cols[2].split(";")) {
                        companions.put(c.substring(0, c.indexOf('=')), c.substring(c.indexOf('=') + 1));
                    }
                }
                out.add(new Key(cols[0], cols[1], companions, cols.length > 3 ? cols[3] : ""));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(out).hasSizeGreaterThan(300);
        return out.stream();
    }
}
