package io.hapg.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.config.PgUser;
import io.hapg.core.model.ClusterPgFiles;
import io.hapg.core.model.StandbyCluster;
import io.hapg.postgres.PostgresConfig;
import io.hapg.process.OsUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pg_ident.conf} from {@link PostgresConfig#pgIdent()} (Patroni's {@code replace_pg_ident}:
 * only when set) and the {@link PostgresConfig#recoveryConf()} settings in {@code postgresql.conf}
 * (on every role: inert outside recovery), under hapg's own recovery settings and the {@code standby_cluster} ones
 * (Patroni's {@code build_recovery_params}).
 */
class ConfigFilesIdentRecoveryTest {
    @TempDir
    Path dir;

    private ConfigFiles files(Path data, List<String> ident, Map<String, String> recovery) {
        PostgresConfig config = PostgresConfig.builder().memberName("pg1").dataDir(data).port(5432)
                .superuser(PgUser.of("postgres", "s")).replication(PgUser.of("replicator", "r"))
                .parameters(Map.of("restore_command", "from-parameters")).pgIdent(ident).recoveryConf(recovery)
                .build();
        return new ConfigFiles(config, OsUser.current(), dir, dir.resolve("pgpass"));
    }

    @Test
    void pgIdentIsWrittenWhenSetAndLeftAloneOtherwise() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        Files.writeString(data.resolve("pg_ident.conf"), "# initdb's\n");
        files(data, List.of(), Map.of()).writePrimary();
        assertThat(Files.readString(data.resolve("pg_ident.conf"))).isEqualTo("# initdb's\n");

        files(data, List.of("map1 sys1 pg1", "map1 sys2 pg2"), Map.of()).writeReplica(upstream());
        assertThat(Files.readString(data.resolve("pg_ident.conf")).split("\n")).containsExactly(
                "# Managed by hapg: rewritten before every start", "map1 sys1 pg1", "map1 sys2 pg2");
        assertThat(Files.readString(data.resolve("postgresql.conf"))).as("PostgreSQL's default ident_file is read")
                .doesNotContain("ident_file");
    }

    @Test
    void recoveryConfIsWrittenAfterTheParametersOnEveryRole() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        Map<String, String> recovery = new LinkedHashMap<>();
        recovery.put("restore_command", "cp /arch/%f \"%p\"");
        recovery.put("recovery_min_apply_delay", "5000");
        ConfigFiles files = files(data, List.of(), recovery);

        files.writeReplica(upstream());
        String replica = Files.readString(data.resolve("postgresql.conf"));
        assertThat(replica).contains("recovery_min_apply_delay = '5000'")
                .contains("restore_command = 'cp /arch/%f \"%p\"'")
                .contains("recovery_target_timeline = 'latest'").contains("primary_slot_name = 'pg1'");
        assertThat(replica.indexOf("restore_command = 'cp")).as("recovery_conf wins over parameters")
                .isGreaterThan(replica.indexOf("restore_command = 'from-parameters'"));

        files.writeStandbyWithoutUpstream();
        assertThat(Files.readString(data.resolve("postgresql.conf"))).contains("recovery_min_apply_delay = '5000'");

        files.writePrimary();
        assertThat(Files.readString(data.resolve("postgresql.conf")))
                .as("inert on a primary, and a promotion changes no restart-only setting (PostgreSQL 13)")
                .contains("recovery_min_apply_delay = '5000'").contains("restore_command = 'cp");
    }

    /**
     * A nostream member (Patroni's build_recovery_params with no member to follow): standby.signal,
     * restore_command from recovery_conf, and neither primary_conninfo nor primary_slot_name, even
     * after it streamed.
     */
    @Test
    void aReplicaOfNobodyRecoversFromTheArchiveOnly() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        ConfigFiles files = files(data, List.of(), Map.of("restore_command", "cp /arch/%f %p"));
        files.writeReplica(upstream());
        files.writeStandbyWithoutUpstream();
        String conf = Files.readString(data.resolve("postgresql.conf"));
        assertThat(conf).contains("restore_command = 'cp /arch/%f %p'").contains("recovery_target_timeline = 'latest'")
                .doesNotContain("primary_conninfo").doesNotContain("primary_slot_name");
        assertThat(data.resolve("standby.signal")).exists();
        assertThat(data.resolve("recovery.signal")).doesNotExist();
    }

    @Test
    void theStandbyClusterSectionWinsOverRecoveryConf() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        ConfigFiles files = files(data, List.of(), Map.of("restore_command", "mine", "archive_cleanup_command",
                "mine-too"));
        files.setStandbyCluster(StandbyCluster.parse(Map.of("host", "10.0.0.9", "port", 5433,
                "restore_command", "remote")));
        files.writeReplica(upstream());
        String conf = Files.readString(data.resolve("postgresql.conf"));
        assertThat(conf.lastIndexOf("restore_command = ")).isEqualTo(conf.indexOf("restore_command = 'remote'"));
        assertThat(conf).contains("archive_cleanup_command = 'mine-too'");
    }

    @Test
    void theClustersFilesApplyUnlessTheNodesOwnAreSet() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        ConfigFiles files = files(data, List.of(), Map.of());
        files.writeReplica(upstream());
        Map<String, String> recovery = new LinkedHashMap<>();
        recovery.put("recovery_min_apply_delay", "2min");
        recovery.put("primary_conninfo", "host=evil");
        recovery.put("promote_trigger_file", "/tmp/t");
        ClusterPgFiles cluster = new ClusterPgFiles(List.of("clustermap dave postgres"), recovery);

        assertThat(files.setClusterFiles(cluster)).isTrue();
        assertThat(files.setClusterFiles(cluster)).as("unchanged").isFalse();
        String conf = Files.readString(data.resolve("postgresql.conf"));
        assertThat(conf).as("rewritten as last written").contains("recovery_min_apply_delay = '2min'")
                .doesNotContain("evil").doesNotContain("/tmp/t");
        assertThat(Files.readString(data.resolve("pg_ident.conf"))).contains("clustermap dave postgres");

        assertThat(files.setClusterFiles(ClusterPgFiles.NONE)).isTrue();
        assertThat(Files.readString(data.resolve("postgresql.conf"))).doesNotContain("recovery_min_apply_delay");

        ConfigFiles own = files(data, List.of("own alice postgres"), Map.of("recovery_min_apply_delay", "1min"));
        own.writeReplica(upstream());
        assertThat(own.setClusterFiles(cluster)).as("the node's own win: nothing written changes").isFalse();
        assertThat(Files.readString(data.resolve("postgresql.conf"))).contains("recovery_min_apply_delay = '1min'")
                .doesNotContain("2min");
        assertThat(Files.readString(data.resolve("pg_ident.conf"))).contains("own alice").doesNotContain("clustermap");
    }

    @Test
    void recoveryConfMustNotSetWhatHapgWritesNorATriggerFile() {
        for (String name : List.of("primary_conninfo", "PRIMARY_SLOT_NAME", "standby_mode", "recovery_target_time",
                "recovery_target_timeline", "port")) {
            assertThatThrownBy(() -> files(dir.resolve("d"), List.of(), Map.of(name, "x")))
                    .hasMessageContaining("recoveryConf." + name + " is written by hapg itself");
        }
        assertThatThrownBy(() -> files(dir.resolve("d"), List.of(), Map.of("promote_trigger_file", "/tmp/t")))
                .hasMessageContaining("a trigger file would promote");
        assertThatThrownBy(() -> files(dir.resolve("d"), List.of("a\nb"), Map.of()))
                .hasMessageContaining("pgIdent must not contain a line break");
        assertThatThrownBy(() -> files(dir.resolve("d"), List.of(), Map.of("restore_command", "cp\nport = 1")))
                .hasMessageContaining("recoveryConf.restore_command must not contain a line break");
    }

    private static ConfigFiles.Upstream upstream() {
        return new ConfigFiles.Upstream(new Conninfo.Endpoint("127.0.0.1", 5434), Optional.of("pg1"));
    }
}
