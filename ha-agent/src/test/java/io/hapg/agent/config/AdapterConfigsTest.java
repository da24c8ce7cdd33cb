package io.hapg.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.config.HaConfig;
import io.hapg.core.model.DynamicConfig;
import io.hapg.etcd.EtcdConfig;
import io.hapg.postgres.PostgresConfig;
import io.hapg.postgres.ReplicaMethod;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The two mappings from Patroni's sections to the adapters' own configs. */
class AdapterConfigsTest {
    @Test
    void etcdTakesTheYamlSection() {
        EtcdSection yaml = EtcdSection.builder().hosts("10.0.0.1:2379,10.0.0.2")
                .protocol("https").cacert(Path.of("/ca")).cert(Path.of("/c")).key(Path.of("/k"))
                .credentials("u", "p").build();
        EtcdConfig c = AdapterConfigs.etcd(yaml).scope("pg").member("n0").build();
        assertThat(c.endpoints()).containsExactly(URI.create("https://10.0.0.1:2379"),
                URI.create("https://10.0.0.2:2379"));
        assertThat(c.clientKey()).contains(Path.of("/k"));
        assertThat(c.credentials().get().username()).isEqualTo("u");
    }

    @Test
    void postgresTakesThePostgresqlAndBootstrapSectionsAndTheTimings() {
        DynamicConfig dcs = DynamicConfig.fromMap(Map.of("ttl", 30, "loop_wait", 4, "retry_timeout", 7,
                "postgresql", Map.of("use_pg_rewind", false)));
        NodeConfig node = NodeConfig.builder(HaConfig.builder().scope("s").name("pg-1").bootstrapDcs(dcs).build())
                .postgresql(PostgresqlSection.builder().dataDir(Path.of("/var/lib/pg")).listen("127.0.0.1:5433")
                        .connectAddress("db1:5433").parameters(Map.of("port", "1", "work_mem", "4MB"))
                        .beforeStop("/usr/local/bin/drain --now").build())
                .bootstrap(BootstrapSection.DEFAULTS.withInitdb(List.of(CliOption.flag("data-checksums")))
                        .withPgHba(List.of("host all all 0.0.0.0/0 md5")))
                .build();
        PostgresConfig c = AdapterConfigs.postgres(node).build();
        assertThat(c.memberName()).isEqualTo("pg-1");
        assertThat(c.port()).isEqualTo(5433);
        assertThat(c.connUrl()).isEqualTo("postgres://db1:5433/postgres");
        assertThat(c.parameters()).containsEntry("work_mem", "4MB").doesNotContainKey("port");
        assertThat(c.pgHba()).containsExactly("host all all 0.0.0.0/0 md5");
        assertThat(c.initdbOptions()).containsExactly("--data-checksums");
        assertThat(c.queryTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(c.probeTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.usePgRewind()).as("bootstrap.dcs.postgresql.use_pg_rewind wins").isFalse();
        assertThat(c.beforeStop()).contains("/usr/local/bin/drain --now");
        assertThat(c.beforeStopTimeout()).as("before_stop is bounded by retry_timeout").isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void postBootstrapIsSplitAsPatroniSplitsIt() {
        NodeConfig node = NodeConfig.builder(HaConfig.builder().scope("s").name("pg-1").build())
                .postgresql(PostgresqlSection.builder().dataDir(Path.of("/var/lib/pg")).build())
                .bootstrap(BootstrapSection.DEFAULTS.withPostBootstrap("/opt/post.sh --schema 'my app'"))
                .build();
        assertThat(AdapterConfigs.postgres(node).build().postBootstrap())
                .containsExactly("/opt/post.sh", "--schema", "my app");
        assertThatThrownBy(() -> BootstrapSection.DEFAULTS.withPostBootstrap("/opt/post.sh 'unclosed"))
                .hasMessageStartingWith("bootstrap.post_bootstrap: ");
    }

    @Test
    void basebackupOptionsBecomePgBasebackupArgumentsAndTheCloneOwnOnesAreRefused() {
        PostgresqlSection pg = PostgresqlSection.builder().dataDir(Path.of("/var/lib/pg"))
                .basebackup(List.of(CliOption.of("max-rate", "100M"), CliOption.flag("verbose"))).build();
        assertThat(AdapterConfigs.basebackupOptions(pg)).containsExactly("--max-rate=100M", "--verbose");

        PostgresqlSection own = PostgresqlSection.builder().dataDir(Path.of("/var/lib/pg"))
                .basebackup(List.of(CliOption.of("wal-method", "fetch"))).build();
        assertThatThrownBy(() -> AdapterConfigs.basebackupOptions(own))
                .hasMessageStartingWith("postgresql.basebackup.wal-method: not allowed");
    }

    /** Patroni's postgresql.rewind: the options follow hapg's own; rewind.py's not_allowed_options are refused. */
    @Test
    void rewindOptionsBecomePgRewindArgumentsAndTheRewindOwnOnesAreRefused() {
        PostgresqlSection pg = PostgresqlSection.builder().dataDir(Path.of("/var/lib/pg"))
                .rewind(List.of(CliOption.flag("debug"), CliOption.of("sync-method", "fsync"))).build();
        assertThat(AdapterConfigs.rewindOptions(pg)).containsExactly("--debug", "--sync-method=fsync");

        for (String own : List.of("target-pgdata", "source-server", "restore-target-wal", "dry-run",
                "no-ensure-shutdown", "config-file", "write-recovery-conf")) {
            PostgresqlSection refused = PostgresqlSection.builder().dataDir(Path.of("/var/lib/pg"))
                    .rewind(List.of(CliOption.flag(own))).build();
            assertThatThrownBy(() -> AdapterConfigs.rewindOptions(refused))
                    .hasMessageStartingWith("postgresql.rewind." + own + ": not allowed");
        }
    }

    @Test
    void replicaMethodsGetPatronisArgumentsInPatronisOrder() {
        PostgresqlSection pg = PostgresqlSection.builder().dataDir(Path.of("/var/lib/pg"))
                .createReplicaMethods(List.of("pgbackrest", "wal_g", "basebackup"))
                .replicaMethodOptions(Map.of("pgbackrest", new java.util.LinkedHashMap<>(Map.of(
                        "command", "/usr/bin/pgbackrest --stanza=main --delta restore")),
                        "wal_g", new java.util.LinkedHashMap<>(Map.of("command", "wal-g-restore 'a b'",
                                "no_params", true, "keep_data", true))))
                .build();
        List<ReplicaMethod> methods = AdapterConfigs.replicaMethods("batman", pg);
        assertThat(methods).extracting(ReplicaMethod::name).containsExactly("pgbackrest", "wal_g", "basebackup");
        assertThat(methods.get(0).command()).containsExactly("/usr/bin/pgbackrest", "--stanza=main", "--delta",
                "restore");
        assertThat(methods.get(0).arguments()).containsExactly("--scope=batman", "--role=replica");
        assertThat(methods.get(1).command()).containsExactly("wal-g-restore", "a b");
        assertThat(methods.get(1).arguments()).isEmpty();
        assertThat(methods.get(1).keepData()).isTrue();
        assertThat(methods.get(1).noParams()).isTrue();
        assertThat(methods.get(2)).isEqualTo(ReplicaMethod.BASEBACKUP);

        PostgresqlSection noCommand = PostgresqlSection.builder().dataDir(Path.of("/var/lib/pg"))
                .createReplicaMethods(List.of("restore")).replicaMethodOptions(Map.of("restore",
                        new java.util.LinkedHashMap<>(Map.of("keep_data", false)))).build();
        assertThat(AdapterConfigs.replicaMethods("s", noCommand).get(0)).isEqualTo(new ReplicaMethod("restore",
                List.of("restore"), List.of("--keep_data=False", "--scope=s", "--role=replica"), false,
                false));
        PostgresqlSection open = PostgresqlSection.builder().dataDir(Path.of("/var/lib/pg"))
                .createReplicaMethods(List.of("x")).replicaMethodOptions(Map.of("x", Map.of("command", "x 'oops")))
                .build();
        assertThatThrownBy(() -> AdapterConfigs.replicaMethods("s", open))
                .hasMessageStartingWith("postgresql.x.command: ");
    }

    @Test
    void postgresNeedsADataDirectory() {
        NodeConfig node = NodeConfig.builder(HaConfig.builder().scope("s").name("pg-1").build()).build();
        assertThatThrownBy(() -> AdapterConfigs.postgres(node)).hasMessage("postgresql.data_dir: required");
    }
}
