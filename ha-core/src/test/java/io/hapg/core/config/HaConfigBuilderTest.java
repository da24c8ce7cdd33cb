package io.hapg.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Tags;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What embedding code gets from the builders: Patroni's defaults, and fail-fast validation. */
class HaConfigBuilderTest {

    private static HaConfig.Builder minimal() {
        return HaConfig.builder().scope("s").name("n");
    }

    @Test
    void minimalConfigTakesPatroniDefaults() {
        HaConfig c = minimal().build();
        assertThat(c.scope()).isEqualTo("s");
        assertThat(c.name()).isEqualTo("n");
        assertThat(c.namespace()).isEqualTo("/service/");
        assertThat(c.bootstrapDcs()).isEqualTo(DynamicConfig.DEFAULTS);
        assertThat(c.tags()).isEqualTo(Tags.NONE);
        assertThat(c.restApi().listen()).isEqualTo(new HostPort("0.0.0.0", 8008));
        assertThat(c.restApi().verifyClient()).isEqualTo(RestApiConfig.VerifyClient.NONE);
        // hapg's own default: Patroni's 5 drops the connections of a burst of clients.
        assertThat(c.restApi().requestQueueSize()).isEqualTo(128);
        assertThat(c.callbacks()).isEqualTo(Callbacks.NONE);
        assertThat(c.prePromote()).isEmpty();
        assertThat(c.connUrl()).isEmpty();
        assertThat(c.watchdog()).isEqualTo(WatchdogConfig.DEFAULTS);
        assertThat(c.log()).isEmpty();
    }

    @Test
    void requiredKeys() {
        assertThatThrownBy(() -> HaConfig.builder().name("n").build())
                .isInstanceOf(ConfigException.class).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("scope: required");
        assertThatThrownBy(() -> HaConfig.builder().scope("s").build()).hasMessage("name: required");
        assertThatThrownBy(() -> minimal().name(" ").build()).hasMessage("name: required");
        assertThatThrownBy(() -> minimal().namespace("").build()).hasMessage("namespace: required");
        assertThatThrownBy(() -> minimal().name(HaConfig.RESERVED_NAME).build())
                .hasMessage("name: '__patroni_strict_sync_replica_placeholder__' is reserved");
        assertThat(((ConfigException) catchConfig(() -> HaConfig.builder().name("n").build())).keyPath())
                .isEqualTo("scope");
    }

    @Test
    void timingConstraintIsRejectedWithTheThreeValues() {
        DynamicConfig tooShort = DynamicConfig.fromMap(Map.of("ttl", 20, "loop_wait", 10, "retry_timeout", 10));
        assertThatThrownBy(() -> minimal().bootstrapDcs(tooShort).build()).hasMessage(
                "bootstrap.dcs: loop_wait + 2 * retry_timeout must not exceed ttl, got loop_wait=10,"
                        + " retry_timeout=10, ttl=20 (10 + 2 * 10 = 30 > 20)");
        DynamicConfig fast = DynamicConfig.fromMap(Map.of("ttl", 3, "loop_wait", 1, "retry_timeout", 1));
        assertThat(minimal().bootstrapDcs(fast).build().bootstrapDcs()).isSameAs(fast);
    }

    @Test
    void restApiValidation() {
        assertThatThrownBy(() -> RestApiConfig.builder().listen("0.0.0.0:0").build())
                .hasMessage("restapi.listen: port must be between 1 and 65535, got 0");
        assertThatThrownBy(() -> RestApiConfig.builder().listen("localhost").build())
                .hasMessage("restapi.listen: expected host:port, got 'localhost' (no port)");
        assertThatThrownBy(() -> RestApiConfig.builder().connectAddress(":8008").build())
                .hasMessage("restapi.connect_address: expected host:port, got ':8008'");
        assertThatThrownBy(() -> RestApiConfig.builder().requestQueueSize(-1).build())
                .hasMessage("restapi.request_queue_size: must be between 0 and 4096, got -1");
        assertThatThrownBy(() -> RestApiConfig.builder().threadPoolSize(4).build())
                .hasMessage("restapi.thread_pool_size: must be at least 5, got 4");
        assertThatThrownBy(() -> RestApiConfig.builder().serverTokens("full").build())
                .hasMessage("restapi.server_tokens: expected minimal, productonly or original, got 'full'");
        assertThatThrownBy(() -> RestApiConfig.builder().keyfile(Path.of("k.pem")).build())
                .hasMessage("restapi.keyfile: requires restapi.certfile");
        assertThat(RestApiConfig.builder().listen(":8008").build().listen()).isEqualTo(new HostPort("", 8008));
        assertThat(RestApiConfig.builder().listen("[::1]:8008").build().listen().toString()).isEqualTo("[::1]:8008");
    }

    @Test
    void tagsAreTypedLikePatroni() {
        assertThatThrownBy(() -> minimal().tags(Tags.of(Map.of("nosync", 3))).build())
                .hasMessage("tags.nosync: expected true or false, got '3'");
        assertThatThrownBy(() -> minimal().tags(Tags.of(Map.of("sync_priority", "high"))).build())
                .hasMessage("tags.sync_priority: expected a whole number, got 'high'");
        assertThatThrownBy(() -> minimal().tags(Tags.of(Map.of("replicatefrom", List.of("a")))).build())
                .hasMessage("tags.replicatefrom: expected a member name, got a list");
        assertThat(minimal().tags(Tags.of(Map.of("nofailover", true, "zone", 3))).build().tags().nofailover())
                .isTrue();
        // Was refused while hapg's replicas always streamed; a nostream member now recovers from the archive.
        assertThat(minimal().tags(Tags.of(Map.of("nostream", true))).build().tags().nostream()).isTrue();
        assertThatThrownBy(() -> minimal().tags(Tags.of(Map.of("nostream", "maybe"))).build())
                .hasMessage("tags.nostream: expected true or false, got 'maybe'");
    }

    @Test
    void watchdogModes() {
        assertThat(WatchdogConfig.Mode.parse("Auto")).isEqualTo(WatchdogConfig.Mode.AUTOMATIC);
        assertThat(WatchdogConfig.Mode.parse("disabled")).isEqualTo(WatchdogConfig.Mode.OFF);
        assertThatThrownBy(() -> new WatchdogConfig(WatchdogConfig.Mode.OFF, Path.of("/dev/watchdog"), -2))
                .hasMessage("watchdog.safety_margin: must be at least -1, got -2");
    }

    @Test
    void secretsAreMasked() {
        Secret s = Secret.of("hunter2");
        assertThat(s).hasToString("******");
        assertThat(s.reveal()).isEqualTo("hunter2");
        assertThat(s.matches("hunter2")).isTrue();
        assertThat(s.matches("hunter3")).isFalse();
        assertThat(s.matches(null)).isFalse();
        assertThat(s).isEqualTo(Secret.of("hunter2")).hasSameHashCodeAs(Secret.of("hunter2"));
        assertThat(Credentials.of("admin", "hunter2")).hasToString("Credentials[username=admin, password=******]");
        HaConfig c = minimal().restApi(RestApiConfig.builder().authentication("admin", "hunter2").build()).build();
        assertThat(c.toString()).doesNotContain("hunter2");
    }

    private static Throwable catchConfig(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("no exception");
    }
}
