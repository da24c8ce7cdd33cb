package io.hapg.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DynamicConfigTest {
    @Test
    void postgresqlParametersBecomeSettingStrings() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("work_mem", "8MB");
        params.put("max_connections", 200);
        params.put("hot_standby_feedback", true);
        params.put("jit", false);
        params.put("random_page_cost", 1.1);
        params.put("unset_me", null);
        params.put("nested", Map.of("a", 1));
        params.put("listed", List.of(1));
        DynamicConfig config = DynamicConfig.fromMap(Map.of("postgresql", Map.of("parameters", params)));
        assertThat(config.postgresqlParameters()).containsExactly(Map.entry("hot_standby_feedback", "on"),
                Map.entry("jit", "off"), Map.entry("max_connections", "200"), Map.entry("random_page_cost", "1.1"),
                Map.entry("work_mem", "8MB"));
        assertThat(DynamicConfig.fromMap(Map.of()).postgresqlParameters()).isEmpty();
        assertThat(DynamicConfig.fromMap(Map.of("postgresql", "garbage")).postgresqlParameters()).isEmpty();
    }
}
