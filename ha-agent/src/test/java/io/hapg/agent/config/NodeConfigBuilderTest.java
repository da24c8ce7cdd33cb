package io.hapg.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.config.HaConfig;
import io.hapg.core.config.PgUser;
import io.hapg.core.model.DynamicConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Patroni sections only the adapters read, from the builders: Patroni's defaults, fail-fast validation. */
class NodeConfigBuilderTest {

    private static HaConfig.Builder minimal() {
        return HaConfig.builder().scope("s").name("n");
    }

    @Test
    void minimalConfigTakesPatroniDefaults() {
        NodeConfig c = NodeConfig.builder(minimal().build()).build();
        assertThat(c.etcd()).isEmpty();
        assertThat(c.postgresql().listen()).isEqualTo("0.0.0.0:5432");
        assertThat(c.postgresql().createReplicaMethods()).containsExactly("basebackup");
        assertThat(c.postgresql().pgCtlTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.postgresql().authentication().superuser().username()).isEqualTo("postgres");
        assertThat(c.postgresql().authentication().replication().username()).isEqualTo("replicator");
        assertThat(c.postgresql().osUser()).isEmpty();
        // Patroni's fallback without connect_address: localhost for a wildcard listen.
        assertThat(c.postgresql().connUrl()).isEqualTo("postgres://localhost:5432/postgres");
        assertThat(c.bootstrap()).isEqualTo(BootstrapSection.DEFAULTS);
    }

    @Test
    void bootstrapDcsAndBootstrapCompose() {
        DynamicConfig dcs = DynamicConfig.fromMap(Map.of("ttl", 40));
        NodeConfig c = NodeConfig.builder(minimal().bootstrapDcs(dcs).build())
                .bootstrap(BootstrapSection.DEFAULTS.withInitdb(List.of(CliOption.flag("data-checksums"))))
                .build();
        assertThat(c.ha().bootstrapDcs()).isSameAs(dcs);
        assertThat(c.bootstrap().initdb()).extracting(CliOption::toArgument).containsExactly("--data-checksums");
    }

    @Test
    void etcdEndpoints() {
        EtcdSection e = EtcdSection.builder().hosts("a:2379, b").hosts(List.of("c:2381")).build();
        assertThat(e.endpoints()).containsExactly(URI.create("http://a:2379"), URI.create("http://b:2379"),
                URI.create("http://c:2381"));
        assertThat(e.tls()).isFalse();
        EtcdSection viaProxy = EtcdSection.builder().hosts("a").url("https://u:2379").proxy("http://p:8080").build();
        assertThat(viaProxy.endpoints()).containsExactly(URI.create("http://p:8080"));
        assertThatThrownBy(() -> EtcdSection.builder().build())
                .hasMessage("etcd3: one of host, hosts, url or proxy is required");
        assertThatThrownBy(() -> EtcdSection.builder().hosts("a").protocol("grpc").build())
                .hasMessage("etcd3.protocol: expected http or https, got 'grpc'");
        assertThatThrownBy(() -> EtcdSection.builder("etcd").url("ftp://user:s3cr3t@x").build())
                .hasMessage("etcd.url: expected an http:// or https:// URL with a host");
    }

    @Test
    void postgresqlValidation() {
        assertThatThrownBy(() -> PostgresqlSection.builder().listen("0.0.0.0").build())
                .hasMessage("postgresql.listen: expected host:port, got '0.0.0.0' (no port)");
        assertThatThrownBy(() -> PostgresqlSection.builder().listen(",a:5432").build())
                .hasMessage("postgresql.listen: expected host[,host...]:port, got ',a:5432'");
        assertThatThrownBy(() -> PostgresqlSection.builder().pgCtlTimeout(Duration.ofMillis(-1500)).build())
                .hasMessage("postgresql.pg_ctl_timeout: must not be negative, got -1.5 s");
        assertThatThrownBy(() -> PostgresqlSection.builder().createReplicaMethods(List.of()).build())
                .hasMessage("postgresql.create_replica_methods: must list at least one method");
        assertThatThrownBy(() -> PostgresqlSection.builder().osUser(" ").build())
                .hasMessage("postgresql.os_user: must not be blank");
        assertThatThrownBy(() -> PostgresqlSection.builder().connectAddress(":5432").build())
                .hasMessage("postgresql.connect_address: expected host:port, got ':5432'");
        PostgresqlSection p = PostgresqlSection.builder().osUser("postgres").dataDir(Path.of("/d"))
                .parameters(Map.of("wal_level", "replica"))
                .authentication(new PgAuthentication(PgUser.of("postgres", "pw"), PgUser.of("repl", "rpw"),
                        Optional.empty()))
                .connectAddress("10.0.0.1:5433")
                .build();
        assertThat(p.osUser()).contains("postgres");
        assertThat(p.connUrl()).isEqualTo("postgres://10.0.0.1:5433/postgres");
        assertThat(p.authentication().rewindUser().username()).isEqualTo("postgres");
        assertThat(p.toString()).doesNotContain("rpw").doesNotContain("=pw");
    }

    @Test
    void secretsAreMasked() {
        NodeConfig c = NodeConfig.builder(minimal().build())
                .etcd(EtcdSection.builder().hosts("e:2379").credentials("root", "hunter2").build()).build();
        assertThat(c.toString()).doesNotContain("hunter2");
    }
}
