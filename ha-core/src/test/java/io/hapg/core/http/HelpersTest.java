package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The small parsers behind the endpoints: sizes, durations, schedules, networks, merge patches, queries. */
class HelpersTest {

    @Test
    void sizesFollowPatronisUnits() {
        assertThat(HealthChecks.parseSize("1000")).hasValue(1000);
        assertThat(HealthChecks.parseSize("16kB")).hasValue(16 * 1024);
        assertThat(HealthChecks.parseSize("64MB")).hasValue(64L << 20);
        assertThat(HealthChecks.parseSize("1GB")).hasValue(1L << 30);
        assertThat(HealthChecks.parseSize(" 2 TB ")).hasValue(2L << 40);
        assertThat(HealthChecks.parseSize("1gb")).isEqualTo(OptionalLong.empty());
        assertThat(HealthChecks.parseSize("-1")).isEmpty();
        assertThat(HealthChecks.parseSize("99999999999999999999")).isEmpty();
    }

    @Test
    void durationsFollowPatronisUnits() {
        assertThat(NodeActions.seconds("30")).contains(Duration.ofSeconds(30));
        assertThat(NodeActions.seconds("2min")).contains(Duration.ofMinutes(2));
        assertThat(NodeActions.seconds("1500ms")).contains(Duration.ofSeconds(2));
        assertThat(NodeActions.seconds("-3")).isEmpty();
        assertThat(NodeActions.seconds("soon")).isEmpty();
    }

    @Test
    void schedulesNeedAZoneAndAFuture() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(Schedules.parse("2026-01-01T01:00:00+00:00", "switchover", now))
                .isEqualTo(Instant.parse("2026-01-01T01:00:00Z"));
        assertThat(Schedules.parse("2026-01-01 03:00:00+02:00", "switchover", now))
                .isEqualTo(Instant.parse("2026-01-01T01:00:00Z"));
        assertThat(Schedules.parse("2026-01-01T01:00Z", "switchover", now))
                .isEqualTo(Instant.parse("2026-01-01T01:00:00Z"));
        assertThatThrownBy(() -> Schedules.parse("2026-01-01T01:00:00", "restart", now))
                .isInstanceOfSatisfying(Request.BadRequest.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessage("Timezone information is mandatory for the scheduled restart");
        assertThatThrownBy(() -> Schedules.parse("2025-12-31T23:00:00Z", "restart", now))
                .isInstanceOfSatisfying(Request.BadRequest.class, e -> assertThat(e.status()).isEqualTo(422));
        assertThat(Schedules.format(Instant.parse("2026-01-01T01:00:00Z"))).isEqualTo("2026-01-01T01:00:00+00:00");
    }

    @Test
    void networksMatchAddressesInsideThem() throws Exception {
        AccessControl.Network ten = AccessControl.Network.parse("10.0.0.0/8");
        assertThat(ten.contains(InetAddress.getByName("10.1.2.3"))).isTrue();
        assertThat(ten.contains(InetAddress.getByName("11.1.2.3"))).isFalse();
        AccessControl.Network odd = AccessControl.Network.parse("192.168.1.130/25");
        assertThat(odd.contains(InetAddress.getByName("192.168.1.200"))).isTrue();
        assertThat(odd.contains(InetAddress.getByName("192.168.1.100"))).isFalse();
        AccessControl.Network v6 = AccessControl.Network.parse("fd00::/8");
        assertThat(v6.contains(InetAddress.getByName("fd12::1"))).isTrue();
        assertThat(v6.contains(InetAddress.getByName("10.0.0.1"))).isFalse();
        assertThat(ten.contains(InetAddress.getByName("::ffff:10.0.0.1"))).isTrue();
        assertThatThrownBy(() -> AccessControl.Network.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AccessControl.Network.parse("example.com/8")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mergePatchDeletesWithNullAndMergesObjects() {
        Map<String, Object> config = ConfigEdits.copy(Map.of("ttl", 30, "postgresql",
                Map.of("parameters", Map.of("a", 1, "b", "x")), "tags", "flat"));
        Map<String, Object> patch = new LinkedHashMap<>();
        patch.put("ttl", 30);
        patch.put("postgresql", Map.of("parameters", new LinkedHashMap<>(Map.of("c", true))));
        @SuppressWarnings("unchecked")
        Map<String, Object> params = (Map<String, Object>) ((Map<String, Object>) patch.get("postgresql")).get(
                "parameters");
        params.put("a", null);
        patch.put("tags", Map.of("k", "v"));
        patch.put("missing", null);
        assertThat(ConfigEdits.merge(config, patch)).isTrue();
        assertThat(config).containsEntry("ttl", 30).containsEntry("tags", Map.of("k", "v"));
        assertThat(config.get("postgresql")).isEqualTo(Map.of("parameters", Map.of("b", "x", "c", true)));
        assertThat(ConfigEdits.merge(config, Map.of("ttl", "30"))).as("Patroni compares as strings").isFalse();
    }

    @Test
    void queriesKeepTheFirstValueAndDecode() {
        assertThat(Request.parseQuery("lag=1MB&lag=2MB&replication_state=in%20archive%20recovery&flag"))
                .containsExactly(Map.entry("lag", "1MB"), Map.entry("replication_state", "in archive recovery"));
    }

    @Test
    void versionsArePaddedLikePatronis() {
        assertThat(Metrics.paddedVersion("3.0.2")).isEqualTo("030002");
        assertThat(Metrics.paddedVersion("0.1.0")).isEqualTo("000100");
    }
}
