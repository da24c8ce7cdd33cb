package io.hapg.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.config.ConfigException;
import io.hapg.core.config.Credentials;
import io.hapg.core.config.HostPort;
import io.hapg.core.config.Secret;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Patroni's {@code PATRONI_*} environment overrides, given as a map: the environment wins over the
 * file, as in Patroni ({@code Config._load_config_file} patches the file with the environment).
 */
class EnvOverridesTest {
    private static final String HEAD = "scope: shop\nname: n0\netcd3:\n  hosts: 127.0.0.1:2379\n"
            + "postgresql:\n  data_dir: /var/lib/pg\n  listen: 127.0.0.1:5432\n";

    private static Path seed() throws Exception {
        URI uri = EnvOverridesTest.class.getResource("seed-patroni.yml").toURI();
        return Path.of(uri);
    }

    @Test
    void theSeedsPatroniYmlNeedsPatroniNameAsPatroniDoes() throws Exception {
        assertThatThrownBy(() -> ConfigLoader.load(seed(), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("name: required");

        LoadedConfig loaded = ConfigLoader.load(seed(), Map.of("PATRONI_NAME", "pg-node-2",
                "PATRONI_RESTAPI_CONNECT_ADDRESS", "10.0.1.12:8008",
                "PATRONI_POSTGRESQL_CONNECT_ADDRESS", "10.0.1.12:5432", "HOME", "/root"));
        NodeConfig node = loaded.config();
        assertThat(node.ha().name()).isEqualTo("pg-node-2");
        assertThat(node.ha().scope()).isEqualTo("shopify-pg-cluster");
        assertThat(node.ha().restApi().connectAddress()).contains(new HostPort("10.0.1.12", 8008));
        assertThat(node.postgresql().connectAddress()).contains(new HostPort("10.0.1.12", 5432));
        assertThat(node.ha().connUrl()).contains("postgres://10.0.1.12:5432/postgres");
        assertThat(node.etcd().orElseThrow().hosts()).hasSize(3);
        assertThat(loaded.warningMessages()).anyMatch(w -> w.startsWith("'replication' (line 31) ignored: not a"
                + " Patroni key (Patroni ignores it too); synchronous replication is bootstrap.dcs.synchronous_mode"));
    }

    @Test
    void variablesWinOverTheFileAndFillWhatItLacks() {
        NodeConfig node = ConfigLoader.parse(HEAD, Map.of(
                "PATRONI_NAME", "n7",
                "PATRONI_SCOPE", "shop2",
                "PATRONI_NAMESPACE", "/hapg/",
                "PATRONI_RESTAPI_LISTEN", "127.0.0.1:8018",
                "PATRONI_RESTAPI_USERNAME", "admin",
                "PATRONI_RESTAPI_PASSWORD", "s3cret",
                "PATRONI_ETCD3_HOSTS", "'127.0.0.2:2379','127.0.0.3:2379'",
                "PATRONI_POSTGRESQL_LISTEN", "127.0.0.1:5433",
                "PATRONI_POSTGRESQL_DATA_DIR", "/srv/pg",
                "PATRONI_SUPERUSER_USERNAME", "root")).config();
        assertThat(node.ha().name()).isEqualTo("n7");
        assertThat(node.ha().scope()).isEqualTo("shop2");
        assertThat(node.ha().namespace()).isEqualTo("/hapg/");
        assertThat(node.ha().restApi().listen()).isEqualTo(new HostPort("127.0.0.1", 8018));
        assertThat(node.ha().restApi().authentication()).contains(new Credentials("admin", Secret.of("s3cret")));
        // hosts from the environment replace the file's (Patroni's patch_config replaces a list).
        assertThat(node.etcd().orElseThrow().hosts()).containsExactly(new HostPort("127.0.0.2", 2379),
                new HostPort("127.0.0.3", 2379));
        assertThat(node.postgresql().listenPort()).isEqualTo(5433);
        assertThat(node.postgresql().dataDir()).contains(Path.of("/srv/pg"));
        assertThat(node.postgresql().authentication().superuser().username()).isEqualTo("root");
    }

    @Test
    void anEmptyVariableIsNotAnOverride() {
        assertThat(ConfigLoader.parse(HEAD, Map.of("PATRONI_NAME", "")).config().ha().name()).isEqualTo("n0");
    }

    @Test
    void aBadValueNamesItsVariableNotALineOfTheFile() {
        assertThatThrownBy(() -> ConfigLoader.parse(HEAD, Map.of("PATRONI_POSTGRESQL_LISTEN", "nowhere")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("postgresql.listen: ")
                .hasMessageEndingWith("(from PATRONI_POSTGRESQL_LISTEN)");
        assertThatThrownBy(() -> ConfigLoader.parse(HEAD, Map.of("PATRONI_POSTGRESQL_CONFIG_DIR", "etc/pg")))
                .hasMessageStartingWith("postgresql.config_dir: must be an absolute path, got 'etc/pg'")
                .hasMessageEndingWith("(from PATRONI_POSTGRESQL_CONFIG_DIR)");
        assertThat(ConfigLoader.parse(HEAD, Map.of("PATRONI_POSTGRESQL_CONFIG_DIR", "/etc/pg")).config().postgresql()
                .configDir()).contains(java.nio.file.Path.of("/etc/pg"));
    }

    @Test
    void aWarnedVariableSaysItCameFromTheEnvironment() {
        assertThat(ConfigLoader.parse(HEAD, Map.of("PATRONI_LOG_MAX_QUEUE_SIZE", "100")).warningMessages())
                .containsExactly("'log.max_queue_size' (from the environment) ignored: hapg writes each line when it"
                        + " is logged (Logback), with no queue");
    }
}
