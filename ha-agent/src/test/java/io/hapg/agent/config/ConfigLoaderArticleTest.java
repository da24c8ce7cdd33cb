package io.hapg.agent.config;

import io.hapg.core.config.HaConfig;
import io.hapg.core.config.HostPort;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The article's {@code patroni.yml} (seed 000_46ba229b298057f8), in
 * {@code article-patroni.yml}, loads with its placeholders filled in. The resource is the
 * article's text verbatim except for:
 * <ul>
 *   <li>{@code <POSTGRES_NODE_IP>} = 10.0.1.11, {@code <ETCD_NODE_n_IP>} = 10.0.0.n;</li>
 *   <li>a {@code name: pg-node-1} line (line 3), the member name being one more placeholder the
 *       article leaves out: Patroni has no default for it either;</li>
 *   <li>the article's separate "within patroni.yml" snippet ({@code callbacks:}) appended.</li>
 * </ul>
 */
class ConfigLoaderArticleTest {

    private static LoadedConfig load() throws URISyntaxException {
        URI uri = ConfigLoaderArticleTest.class.getResource("article-patroni.yml").toURI();
        return ConfigLoader.load(Path.of(uri));
    }

    @Test
    void loadsWithWarningsForWhatPatroniWouldNotReadEither() throws Exception {
        assertThat(load().warningMessages()).containsExactly(
                "'etcd' (line 7) read as 'etcd3': hapg speaks only the etcd v3 API;"
                        + " keys Patroni wrote through the v2 API are not visible to it",
                "'etcd.host' (line 8) lists 3 endpoints; read as 'etcd.hosts'"
                        + " (Patroni takes a single endpoint from 'host')",
                clusterOnly("max_connections", 17), clusterOnly("wal_level", 26), clusterOnly("hot_standby", 27),
                clusterOnly("max_wal_senders", 28), clusterOnly("max_replication_slots", 29),
                "'replication' (line 32) ignored: not a Patroni key (Patroni ignores it too); synchronous"
                        + " replication is bootstrap.dcs.synchronous_mode (with synchronous_mode_strict and"
                        + " synchronous_node_count)",
                "'callbacks' (line 39) belongs under 'postgresql'; used as 'postgresql.callbacks'");
        assertThat(load().warnings()).extracting(ConfigWarning::keyPath).containsExactly("etcd", "etcd.host",
                "postgresql.parameters.max_connections", "postgresql.parameters.wal_level",
                "postgresql.parameters.hot_standby", "postgresql.parameters.max_wal_senders",
                "postgresql.parameters.max_replication_slots", "replication", "callbacks");
    }

    /** Patroni takes these only from the cluster configuration: a node's own value is ignored. */
    private static String clusterOnly(String parameter, int line) {
        return "'postgresql.parameters." + parameter + "' (line " + line + ") ignored, as Patroni ignores it: every"
                + " member runs the cluster's value (bootstrap.dcs.postgresql.parameters, or hactl edit-config),"
                + " PostgreSQL's default without one";
    }

    @Test
    void warningsAreAlsoLoggedAtWarn() throws Exception {
        // Logback's console appender (logback-test.xml) writes to whatever System.err is at the time of the call.
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            load();
        } finally {
            System.setErr(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .contains("WARN  [" + Thread.currentThread().getName() + "] io.hapg.agent.config.ConfigLoader - ")
                .contains("article-patroni.yml: 'replication' (line 32) ignored: not a Patroni key");
    }

    @Test
    void readsTheArticlesValues() throws Exception {
        NodeConfig node = load().config();
        HaConfig c = node.ha();
        assertThat(c.scope()).isEqualTo("shopify-pg-cluster");
        assertThat(c.namespace()).isEqualTo("/service/");
        assertThat(c.name()).isEqualTo("pg-node-1");
        assertThat(c.restApi().listen()).isEqualTo(new HostPort("0.0.0.0", 8008));
        assertThat(c.restApi().connectAddress()).contains(new HostPort("10.0.1.11", 8008));

        EtcdSection etcd = node.etcd().orElseThrow();
        assertThat(etcd.section()).isEqualTo("etcd");
        assertThat(etcd.endpoints()).containsExactly(URI.create("http://10.0.0.1:2379"),
                URI.create("http://10.0.0.2:2379"), URI.create("http://10.0.0.3:2379"));

        PostgresqlSection pg = node.postgresql();
        assertThat(pg.listen()).isEqualTo("0.0.0.0:5432");
        assertThat(pg.listenPort()).isEqualTo(5432);
        assertThat(pg.connectAddress()).contains(new HostPort("10.0.1.11", 5432));
        assertThat(pg.dataDir()).contains(Path.of("/var/lib/postgresql/14/main"));
        assertThat(pg.binDir()).contains(Path.of("/usr/lib/postgresql/14/bin"));
        assertThat(pg.pgHba()).containsExactly(
                "host    all             all             0.0.0.0/0               md5");
        assertThat(c.connUrl()).contains("postgres://10.0.1.11:5432/postgres");
        assertThat(c.callbacks().onRoleChange()).contains("/opt/patroni/scripts/on_role_change.sh");
        assertThat(c.callbacks().onStart()).isEmpty();
        assertThat(c.callbacks().asMap()).containsExactly(
                Map.entry("on_role_change", "/opt/patroni/scripts/on_role_change.sh"));
    }

    @Test
    void keepsParametersAsPostgresqlTextWithYaml11BooleansAsOnOff() throws Exception {
        Map<String, String> params = load().config().postgresql().parameters();
        // max_connections, wal_level, hot_standby, max_wal_senders, max_replication_slots: ignored as Patroni
        // ignores them here (cluster-wide settings only).
        assertThat(params).containsExactly(
                Map.entry("shared_buffers", "1GB"),
                Map.entry("effective_cache_size", "3GB"),
                Map.entry("maintenance_work_mem", "512MB"),
                Map.entry("logging_collector", "on"),
                Map.entry("log_directory", "/var/log/postgresql"),
                Map.entry("log_filename", "postgresql-%Y-%m-%d_%H-%M-%S.log"),
                Map.entry("log_statement", "ddl"),
                Map.entry("log_replication_commands", "on"),
                Map.entry("synchronous_commit", "on"),
                Map.entry("synchronous_standby_names", "1"));
    }

    @Test
    void fallsBackToPatroniDefaultsForWhatTheArticleLeavesOut() throws Exception {
        NodeConfig node = load().config();
        HaConfig c = node.ha();
        assertThat(c.bootstrapDcs().ttl().toSeconds()).isEqualTo(30);
        assertThat(c.bootstrapDcs().loopWait().toSeconds()).isEqualTo(10);
        assertThat(c.bootstrapDcs().retryTimeout().toSeconds()).isEqualTo(10);
        assertThat(node.postgresql().authentication()).isEqualTo(PgAuthentication.DEFAULTS);
        assertThat(node.postgresql().createReplicaMethods()).isEqualTo(List.of("basebackup"));
        assertThat(c.restApi().authentication()).isEmpty();
        assertThat(c.tags().values()).isEmpty();
    }
}
