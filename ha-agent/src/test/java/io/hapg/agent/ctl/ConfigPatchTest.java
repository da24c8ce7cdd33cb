package io.hapg.agent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigPatchTest {

    @Test
    void valuesAreYamlScalarsAsPyYamlReadsThem() {
        assertThat(ConfigPatch.yamlValue("8MB", "")).isEqualTo("8MB");
        assertThat(ConfigPatch.yamlValue("10", "")).isEqualTo(10);
        assertThat(ConfigPatch.yamlValue("1.5", "")).isEqualTo(1.5);
        assertThat(ConfigPatch.yamlValue("true", "")).isEqualTo(true);
        assertThat(ConfigPatch.yamlValue("on", "")).isEqualTo(true); // YAML 1.1, like PyYAML
        assertThat(ConfigPatch.yamlValue("off", "")).isEqualTo(false);
        assertThat(ConfigPatch.yamlValue("'on'", "")).isEqualTo("on");
        assertThat(ConfigPatch.yamlValue("null", "")).isNull();
        assertThat(ConfigPatch.yamlValue("", "")).isNull();
        assertThat(ConfigPatch.yamlValue("[a, b]", "")).isEqualTo(List.of("a", "b"));
        assertThat(ConfigPatch.yamlValue("{x: 1}", "")).isEqualTo(Map.of("x", 1));
        assertThat(ConfigPatch.yamlValue("a=b", "")).isEqualTo("a=b");
    }

    @Test
    void dottedKeysNestAndParameterNamesKeepTheirDots() {
        ConfigPatch p = ConfigPatch.parse(List.of("ttl=20", "postgresql.parameters.work_mem=8MB",
                "postgresql.parameters.auto_explain.log_min_duration=100", "postgresql.use_slots=false"),
                List.of("max_connections=200"));
        assertThat(p.patch()).isEqualTo(Map.of(
                "ttl", 20,
                "postgresql", Map.of(
                        "parameters", Map.of("work_mem", "8MB", "auto_explain.log_min_duration", 100,
                                "max_connections", 200),
                        "use_slots", false)));
        assertThat(p.settings().get(2).path()).containsExactly("postgresql", "parameters",
                "auto_explain.log_min_duration");
    }

    @Test
    void nullDeletesAndTheMergeFollowsTheAgents() {
        Map<String, Object> stored = new LinkedHashMap<>();
        stored.put("ttl", 30);
        stored.put("postgresql", new LinkedHashMap<>(Map.of("parameters",
                new LinkedHashMap<>(Map.of("work_mem", "4MB", "wal_keep_size", "1GB")))));
        ConfigPatch p = ConfigPatch.parse(List.of("postgresql.parameters.work_mem=null", "ttl=20", "pause=true"),
                List.of());
        Map<String, Object> after = p.applyTo(stored);
        assertThat(after).isEqualTo(Map.of("ttl", 20, "pause", true,
                "postgresql", Map.of("parameters", Map.of("wal_keep_size", "1GB"))));
        assertThat(stored.get("ttl")).as("the input is not changed").isEqualTo(30);
        assertThat(p.describeChanges(stored)).containsExactly(
                "postgresql.parameters.work_mem: 4MB -> (unset)",
                "ttl: 30 -> 20",
                "pause: (unset) -> true");
        assertThat(ConfigPatch.parse(List.of("ttl=30"), List.of()).applyTo(stored)).isEqualTo(stored);
    }

    @Test
    void badSettingsAreUsageErrors() {
        CtlArgsTest.assertUsage(() -> ConfigPatch.parse(List.of("ttl"), List.of()),
                "edit-config: invalid setting 'ttl': expected KEY=VALUE");
        CtlArgsTest.assertUsage(() -> ConfigPatch.parse(List.of("=5"), List.of()), "edit-config: invalid key ''");
        CtlArgsTest.assertUsage(() -> ConfigPatch.parse(List.of("postgresql..x=5"), List.of()),
                "edit-config: invalid key 'postgresql..x'");
        CtlArgsTest.assertUsage(() -> ConfigPatch.parse(List.of("ttl=[1, 2"), List.of()),
                "edit-config: the value in 'ttl=[1, 2' is not valid YAML");
        CtlArgsTest.assertUsage(() -> ConfigPatch.parse(List.of(), List.of("work_mem")),
                "edit-config: invalid setting 'work_mem': expected KEY=VALUE");
    }

    @Test
    void postgresSettingsAreCheckedBeforeAnyMemberIsAsked() {
        CtlArgsTest.assertUsage(() -> ConfigPatch.parse(List.of(), List.of("PORT=5433")),
                "edit-config: 'PORT=5433': PORT is managed by hapg");
        CtlArgsTest.assertUsage(() -> ConfigPatch.parse(List.of("postgresql.parameters.Include=/x"), List.of()),
                "edit-config: 'postgresql.parameters.Include=/x': Include is managed by hapg");
        CtlArgsTest.assertUsage(() -> ConfigPatch.parse(List.of(), List.of("work_mem=\"4MB\\nfoo = bar\"")),
                "edit-config: 'work_mem=\"4MB\\nfoo = bar\"': postgresql.parameters.work_mem: the value must not"
                        + " contain line breaks");
        CtlArgsTest.assertUsage(() -> ConfigPatch.parse(List.of(), List.of("work mem=4MB")),
                "edit-config: 'work mem=4MB': postgresql.parameters: invalid setting name 'work mem'");
        assertThat(ConfigPatch.parse(List.of(), List.of("port=null", "auto_explain.log_min_duration=250")).patch())
                .isEqualTo(Map.of("postgresql", Map.of("parameters",
                        mapOf("port", null, "auto_explain.log_min_duration", 250))));
    }

    private static Map<String, Object> mapOf(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    @Test
    void showConfigYamlIsBlockStyleWithSortedKeys() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("ttl", 30);
        config.put("postgresql", Map.of("use_pg_rewind", true, "pg_hba", List.of("host all all 0.0.0.0/0 md5")));
        config.put("loop_wait", 10);
        assertThat(ConfigPatch.toYaml(config)).isEqualTo(""
                + "loop_wait: 10\n"
                + "postgresql:\n"
                + "  pg_hba:\n"
                + "  - host all all 0.0.0.0/0 md5\n"
                + "  use_pg_rewind: true\n"
                + "ttl: 30\n");
    }
}
