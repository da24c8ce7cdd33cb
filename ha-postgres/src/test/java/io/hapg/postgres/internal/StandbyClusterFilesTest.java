package io.hapg.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.StandbyCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recovery settings of a standby cluster (Patroni {@code build_recovery_params}): the standby
 * leader streams from the remote through {@code primary_slot_name} with
 * {@code target_session_attrs=read-write} and {@code recovery_min_apply_delay}; every member gets
 * {@code restore_command} and {@code archive_cleanup_command}; they go when the section goes.
 */
class StandbyClusterFilesTest {
    @TempDir
    Path dir;

    @Test
    void theStandbyLeaderAndItsReplicasGetPatronisRecoverySettings() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        ConfigFiles files = ClusterSettingsFileTest.files(dir, data);
        StandbyCluster section = StandbyCluster.parse(Map.of("host", "10.0.0.9", "port", 5433,
                "primary_slot_name", "standby_b", "restore_command", "cp /arch/%f \"%p\"",
                "archive_cleanup_command", "pg_archivecleanup /arch %r", "recovery_min_apply_delay", "5min"))
                .orElseThrow();
        assertThat(files.setStandbyCluster(Optional.of(section))).isTrue();

        files.writeReplica(new ConfigFiles.Upstream(new Conninfo.Endpoint("10.0.0.9", 5433), Optional.of("standby_b"),
                true));
        String leader = Files.readString(data.resolve("postgresql.conf"));
        assertThat(leader).contains("primary_slot_name = 'standby_b'")
                .containsPattern("primary_conninfo = 'host=''10\\.0\\.0\\.9'' port=''5433'' user=''replicator''[^\\n]*"
                        + "target_session_attrs=''read-write''")
                .contains("restore_command = 'cp /arch/%f \"%p\"'")
                .contains("archive_cleanup_command = 'pg_archivecleanup /arch %r'")
                .contains("recovery_min_apply_delay = '5min'");
        assertThat(Files.exists(data.resolve("standby.signal"))).isTrue();

        files.writeReplica(new ConfigFiles.Upstream(new Conninfo.Endpoint("127.0.0.1", 5434), Optional.of("pg1")));
        String replica = Files.readString(data.resolve("postgresql.conf"));
        assertThat(replica).contains("restore_command = ").contains("archive_cleanup_command = ")
                .doesNotContain("recovery_min_apply_delay").doesNotContain("target_session_attrs");

        assertThat(files.setStandbyCluster(Optional.empty())).isTrue();
        assertThat(Files.readString(data.resolve("postgresql.conf"))).as("rewritten without the section")
                .doesNotContain("restore_command").doesNotContain("archive_cleanup_command");
    }
}
