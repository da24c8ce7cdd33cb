package io.hapg.agent.config;

import io.hapg.core.config.Callbacks;
import io.hapg.core.config.Credentials;
import io.hapg.core.config.HaConfig;
import io.hapg.core.config.HostPort;
import io.hapg.core.config.RestApiConfig;
import io.hapg.core.config.WatchdogConfig;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.DataRemoval;
import io.hapg.core.model.DynamicConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code patroni-example.yml}: the keys of Patroni's own example files. As given, every key loads
 * (those hapg does not need are warned about) and every value is checked. {@code REFUSED_LINES}
 * takes out the lines of keys hapg would refuse: none today.
 */
class ConfigLoaderPatroniExampleTest {
    /** The refused keys' lines, taken out for the checks below. */
    private static final List<String> REFUSED_LINES = List.of();
    private static String text;
    private static LoadedConfig loaded;
    private static NodeConfig node;
    private static HaConfig config;

    @BeforeAll
    static void load() throws Exception {
        try (Reader r = new InputStreamReader(
                ConfigLoaderPatroniExampleTest.class.getResourceAsStream("patroni-example.yml"),
                StandardCharsets.UTF_8)) {
            text = new BufferedReader(r).lines().collect(Collectors.joining("\n", "", "\n"));
        }
        String hapgReady = text.lines().filter(l -> REFUSED_LINES.stream().noneMatch(l::startsWith))
                .collect(Collectors.joining("\n", "", "\n"));
        loaded = ConfigLoader.parse(hapgReady);
        node = loaded.config();
        config = node.ha();
    }

    @Test
    void asGivenEveryKeyLoads() {
        ConfigLoader.Validation v = ConfigLoader.validate(new StringReader(text), Map.of());
        assertThat(v.errors()).isEmpty();
        assertThat(v.valid()).isTrue();
    }

    @Test
    void warnsAboutWhatIsHarmlessToIgnore() {
        assertThat(loaded.warnings()).extracting(ConfigWarning::keyPath).containsExactly(
                "postgresql.proxy_address", "postgresql.pgpass", "postgresql.parameters.wal_log_hints",
                "postgresql.use_unix_socket",
                "watchdog.device", "watchdog.safety_margin");
        assertThat(loaded.warningMessages().get(0)).isEqualTo("'postgresql.proxy_address' (line 61) ignored:"
                + " not published (no proxy_url in the member key)");
    }

    @Test
    void global() {
        assertThat(config.scope()).isEqualTo("batman");
        assertThat(config.namespace()).isEqualTo("/service/");
        assertThat(config.name()).isEqualTo("postgresql0");
    }

    @Test
    void restapi() {
        RestApiConfig r = config.restApi();
        assertThat(r.listen()).isEqualTo(new HostPort("127.0.0.1", 8008));
        assertThat(r.connectAddress()).contains(new HostPort("127.0.0.1", 8008));
        assertThat(r.certfile()).contains(Path.of("/etc/ssl/certs/ssl-cert-snakeoil.pem"));
        assertThat(r.keyfile()).contains(Path.of("/etc/ssl/private/ssl-cert-snakeoil.key"));
        assertThat(r.keyfilePassword().orElseThrow().reveal()).isEqualTo("key-pass");
        assertThat(r.cafile()).contains(Path.of("/etc/ssl/certs/ssl-cacert-snakeoil.pem"));
        assertThat(r.ciphers()).contains("ECDHE-RSA-AES256-GCM-SHA384");
        assertThat(r.verifyClient()).isEqualTo(RestApiConfig.VerifyClient.OPTIONAL);
        assertThat(r.allowlist()).containsExactly("127.0.0.1", "10.0.0.0/8");
        assertThat(r.allowlistIncludeMembers()).isTrue();
        assertThat(r.httpExtraHeaders()).containsExactly(Map.entry("X-Frame-Options", "SAMEORIGIN"));
        assertThat(r.httpsExtraHeaders()).isEmpty();
        assertThat(r.requestQueueSize()).isEqualTo(10);
        assertThat(r.threadPoolSize()).isEqualTo(5);
        assertThat(r.serverTokens()).isEqualTo("original");
        assertThat(r.tls()).isTrue();
        Credentials auth = r.authentication().orElseThrow();
        assertThat(auth.username()).isEqualTo("username");
        assertThat(auth.password().reveal()).isEqualTo("password");
    }

    @Test
    void etcd3() {
        EtcdSection e = node.etcd().orElseThrow();
        assertThat(e.section()).isEqualTo("etcd3");
        assertThat(e.hosts()).containsExactly(new HostPort("127.0.0.1", 2379), new HostPort("127.0.0.2", 2380),
                new HostPort("etcd3.example.org", 2379));
        assertThat(e.protocol()).isEqualTo("https");
        assertThat(e.endpoints()).containsExactly(URI.create("https://127.0.0.1:2379"),
                URI.create("https://127.0.0.2:2380"), URI.create("https://etcd3.example.org:2379"));
        assertThat(e.tls()).isTrue();
        assertThat(e.url()).isEmpty();
        assertThat(e.proxy()).isEmpty();
        assertThat(e.useProxies()).isFalse();
        assertThat(e.cacert()).contains(Path.of("/etc/etcd/ca.crt"));
        assertThat(e.cert()).contains(Path.of("/etc/etcd/client.crt"));
        assertThat(e.key()).contains(Path.of("/etc/etcd/client.key"));
        assertThat(e.credentials().orElseThrow().username()).isEqualTo("etcd-user");
        assertThat(e.credentials().orElseThrow().password().reveal()).isEqualTo("etcd-pass");
    }

    @Test
    void bootstrap() {
        BootstrapSection b = node.bootstrap();
        DynamicConfig dcs = config.bootstrapDcs();
        assertThat(dcs.ttl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(dcs.loopWait()).isEqualTo(Duration.ofSeconds(10));
        assertThat(dcs.retryTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(dcs.maximumLagOnFailover()).isEqualTo(1_048_576L);
        assertThat(dcs.primaryStartTimeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(dcs.synchronousMode()).isFalse();
        assertThat(dcs.usePgRewind()).isTrue();
        @SuppressWarnings("unchecked")
        Map<String, Object> pg = (Map<String, Object>) dcs.raw().get("postgresql");
        assertThat(pg.get("pg_hba")).isEqualTo(List.of("host replication replicator 127.0.0.1/32 md5",
                "host all all 0.0.0.0/0 md5"));
        // bootstrap.dcs is written to the store as read: YAML types are kept there.
        assertThat(pg.get("parameters")).isEqualTo(Map.of("wal_level", "hot_standby", "hot_standby", "on",
                "max_connections", 100));
        assertThat(b.initdb()).containsExactly(CliOption.of("encoding", "UTF8"), CliOption.flag("data-checksums"));
        assertThat(b.initdb()).extracting(CliOption::toArgument).containsExactly("--encoding=UTF8", "--data-checksums");
        assertThat(b.postBootstrap()).contains("/usr/local/bin/setup_cluster.sh");
        assertThat(b.method()).isEmpty();
        assertThat(b.pgHba()).isEmpty();
        assertThat(b.users()).isEmpty();
    }

    @Test
    void postgresql() {
        PostgresqlSection p = node.postgresql();
        assertThat(p.listen()).isEqualTo("127.0.0.1:5432");
        assertThat(p.listenHosts()).containsExactly("127.0.0.1");
        assertThat(p.listenPort()).isEqualTo(5432);
        assertThat(p.connectAddress()).contains(new HostPort("127.0.0.1", 5432));
        assertThat(config.connUrl()).contains("postgres://127.0.0.1:5432/postgres");
        assertThat(p.proxyAddress()).contains(new HostPort("127.0.0.1", 5433));
        assertThat(p.dataDir()).contains(Path.of("data/postgresql0"));
        assertThat(p.binDir()).contains(Path.of("/usr/lib/postgresql/16/bin"));
        assertThat(p.configDir()).contains(Path.of("/etc/postgresql/16/main"));
        assertThat(p.customConf()).isEmpty();
        assertThat(p.pgpass()).contains(Path.of("/tmp/pgpass0"));
        assertThat(p.osUser()).contains("postgres");
        assertThat(p.pgHba()).containsExactly("host replication replicator 127.0.0.1/32 md5",
                "host all all 0.0.0.0/0 md5");
        assertThat(p.pgIdent()).isEmpty();
        // Raw text for everything but booleans: 0777 stays octal, 1.10 keeps its zero.
        // wal_log_hints: ignored here as Patroni ignores it (always on).
        assertThat(p.parameters()).containsExactly(Map.entry("unix_socket_directories", ".."),
                Map.entry("archive_mode", "off"),
                Map.entry("unix_socket_permissions", "0777"), Map.entry("random_page_cost", "1.10"));
        assertThat(config.callbacks()).isEqualTo(new Callbacks(Optional.of("/scripts/on_start.sh"),
                Optional.of("/scripts/on_stop.sh"), Optional.of("/scripts/on_restart.sh"),
                Optional.of("/scripts/on_reload.sh"), Optional.of("/scripts/on_role_change.sh")));
        assertThat(config.prePromote()).contains("/path/to/pre_promote.sh");
        assertThat(p.beforeStop()).contains("/path/to/before_stop.sh");
        assertThat(p.usePgRewind()).isTrue();
        assertThat(p.useUnixSocket()).isTrue();
        assertThat(p.useUnixSocketRepl()).isFalse();
        assertThat(p.removeDataDirectoryOnRewindFailure()).isTrue();
        assertThat(p.removeDataDirectoryOnDivergedTimelines()).isTrue();
        assertThat(config.dataRemoval()).as("the decision engine's policy").isEqualTo(DataRemoval.ALWAYS);
        assertThat(p.createReplicaMethods()).containsExactly("pgbackrest", "basebackup");
        assertThat(p.replicaMethodOptions().get("pgbackrest")).containsEntry("command",
                "/usr/bin/pgbackrest --stanza=main --delta restore");
        assertThat(p.basebackup()).containsExactly(CliOption.flag("verbose"), CliOption.of("max-rate", "100M"));
        assertThat(p.rewind()).isEmpty();
        assertThat(p.pgCtlTimeout()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void postgresqlAuthentication() {
        PgAuthentication a = node.postgresql().authentication();
        assertThat(a.superuser().username()).isEqualTo("postgres");
        assertThat(a.superuser().password().orElseThrow().reveal()).isEqualTo("patroni");
        assertThat(a.superuser().options()).containsExactly(Map.entry("sslmode", "verify-full"),
                Map.entry("sslrootcert", "/etc/ssl/root.crt"));
        assertThat(a.replication().username()).isEqualTo("replicator");
        assertThat(a.replication().password().orElseThrow().reveal()).isEqualTo("rep-pass");
        assertThat(a.rewind().orElseThrow().username()).isEqualTo("rewind_user");
        assertThat(a.rewindUser().password().orElseThrow().reveal()).isEqualTo("rewind_password");
    }

    @Test
    void watchdogAndTags() {
        // "mode: off" is a YAML 1.1 boolean false; Patroni reads it as off too.
        assertThat(config.watchdog()).isEqualTo(new WatchdogConfig(WatchdogConfig.Mode.OFF,
                Path.of("/dev/watchdog"), 5));
        assertThat(config.tags().values()).containsExactly(Map.entry("nofailover", false),
                Map.entry("noloadbalance", false), Map.entry("clonefrom", true), Map.entry("nosync", false),
                Map.entry("datacenter", "eu-1"));
        assertThat(config.tags().nofailover()).isFalse();
        assertThat(config.tags().clonefrom()).isTrue();
        assertThat(config.log()).isEmpty();
    }

    @Test
    void toStringNeverShowsAPassword() {
        String text = node.toString();
        for (String secret : List.of("key-pass", "etcd-pass", "rep-pass", "patroni", "rewind_password")) {
            assertThat(text).doesNotContain(secret);
        }
        assertThat(text).contains("password=******");
    }
}
