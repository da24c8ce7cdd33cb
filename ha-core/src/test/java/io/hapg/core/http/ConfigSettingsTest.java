package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code PATCH|PUT /config} refuse PostgreSQL settings that would break {@code postgresql.conf}
 * or that each node writes itself, with 400 naming the setting, and write nothing.
 */
@Timeout(60)
class ConfigSettingsTest {
    private ApiHarness h;

    @BeforeEach
    void start() {
        h = ApiHarness.start("pg1");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        h.control.cluster = Clusters.healthy().config("ttl", 30).config("loop_wait", 10)
                .config("postgresql", Map.of("parameters", Map.of("work_mem", "4MB"))).build();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private ApiHarness.Response patchParameters(String parameters) {
        return h.send("PATCH", "/config", "{\"postgresql\":{\"parameters\":" + parameters + "}}", null);
    }

    @Test
    void aValueWithALineBreakIsRefusedNamingTheSetting() {
        ApiHarness.Response r = patchParameters("{\"work_mem\":\"4MB\\nfoo = bar\"}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("postgresql.parameters.work_mem").contains("line breaks");
        assertThat(patchParameters("{\"application_name\":\"a\\rb\"}").body())
                .contains("postgresql.parameters.application_name");
        assertThat(patchParameters("{\"cluster_name\":\"a\\u0000b\"}").status()).isEqualTo(400);
        assertThat(h.control.config).as("nothing written").isNull();
    }

    /** hapg's {@code fast_failover} is a boolean: anything else is refused naming the key, true is written. */
    @Test
    void fastFailoverMustBeABoolean() {
        ApiHarness.Response r = h.send("PATCH", "/config", "{\"fast_failover\":\"soon\"}", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("fast_failover: expected true or false, got 'soon'");
        assertThat(h.control.config).as("nothing written").isNull();

        assertThat(h.send("PATCH", "/config", "{\"fast_failover\":true,\"synchronous_mode\":true}", null).status())
                .isEqualTo(200);
        assertThat(h.control.config.fastFailover().enabled()).isTrue();
    }

    /**
     * Patroni demotes a running primary when standby_cluster appears; hapg refuses the change
     * instead, while removing the section (promoting a standby cluster) or editing it passes.
     */
    @Test
    void addingStandbyClusterOverARunningPrimaryIsRefusedAndRemovingItPasses() {
        String section = "{\"standby_cluster\":{\"host\":\"10.0.0.9\",\"port\":5432}}";
        ApiHarness.Response r = h.send("PATCH", "/config", section, null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("standby_cluster: not supported by hapg on a running cluster: its leader pg1"
                + " runs as a primary");
        assertThat(h.send("PUT", "/config", "{\"ttl\":30,\"standby_cluster\":{\"host\":\"h\"}}", null).status())
                .isEqualTo(400);
        assertThat(h.control.config).as("nothing written").isNull();

        h.control.cluster = Clusters.healthy().member(Clusters.member("pg1").replica())
                .config("standby_cluster", Map.of("host", "10.0.0.9", "port", 5432)).build();
        assertThat(h.send("PATCH", "/config", "{\"standby_cluster\":{\"port\":5433}}", null).status()).isEqualTo(200);
        r = h.send("PATCH", "/config", "{\"standby_cluster\":null}", null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(h.control.config.standbyCluster()).isEmpty();
    }

    @Test
    void badSlotsAndIgnoreSlotsAreRefusedNamingTheEntryAndGoodOnesAreWritten() {
        ApiHarness.Response r = h.send("PATCH", "/config", "{\"slots\":{\"cdc\":{\"type\":\"logical\"}}}", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("slots.cdc: a logical slot needs both database and plugin");
        r = h.send("PATCH", "/config", "{\"ignore_slots\":[{\"nmae\":\"barman\"}]}", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("ignore_slots[0]: unknown field nmae");
        assertThat(h.control.config).as("nothing written").isNull();

        r = h.send("PATCH", "/config", "{\"slots\":{\"consumer\":{\"type\":\"physical\"}},"
                + "\"ignore_slots\":[{\"name\":\"barman\"}]}", null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(h.control.config).isNotNull();
    }

    @Test
    void aNameThatIsNotASettingNameIsRefused() {
        ApiHarness.Response r = patchParameters("{\"work_mem = '1MB'\\nshared_preload_libraries\":\"x\"}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("invalid setting name").contains("work_mem = '1MB'?shared_preload_libraries");
        assertThat(patchParameters("{\"\":\"x\"}").status()).isEqualTo(400);
        assertThat(patchParameters("{\"work_mem\":{\"nested\":1}}").body()).contains("postgresql.parameters.work_mem");
        assertThat(h.control.config).as("nothing written").isNull();
    }

    @Test
    void managedSettingsAreRefusedInAnyCase() {
        for (String name : new String[] {"port", "PORT", "Include", "include_dir", "Listen_Addresses",
                "synchronous_standby_names"}) {
            ApiHarness.Response r = patchParameters("{\"" + name + "\":\"5433\"}");
            assertThat(r.status()).as(name).isEqualTo(400);
            assertThat(r.body()).as(name).contains("postgresql.parameters." + name).contains("managed by hapg");
        }
        ApiHarness.Response put = h.send("PUT", "/config",
                "{\"ttl\":30,\"postgresql\":{\"parameters\":{\"Port\":5433}}}", null);
        assertThat(put.status()).isEqualTo(400);
        assertThat(put.body()).contains("postgresql.parameters.Port");
        assertThat(h.control.config).as("nothing written").isNull();
    }

    @Test
    void ordinarySettingsAndDeletionsStillPass() {
        ApiHarness.Response r = patchParameters("{\"work_mem\":\"8MB\",\"auto_explain.log_min_duration\":250,"
                + "\"log_line_prefix\":\"%m [%p] \",\"port\":null}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(h.control.config.postgresqlParameters()).containsEntry("work_mem", "8MB")
                .containsEntry("auto_explain.log_min_duration", "250").containsEntry("log_line_prefix", "%m [%p] ");
    }
}
