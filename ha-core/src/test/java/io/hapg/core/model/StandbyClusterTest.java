package io.hapg.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Patroni's {@code standby_cluster} section: what counts as a standby cluster, and what hapg refuses. */
class StandbyClusterTest {

    @Test
    void aSectionWithHostIsAStandbyClusterWithPatronisSettings() {
        DynamicConfig config = DynamicConfig.fromMap(Map.of("standby_cluster", Map.of("host", "10.0.0.9", "port", 5433,
                "primary_slot_name", "Standby-B", "restore_command", "cp /arch/%f %p",
                "archive_cleanup_command", "pg_archivecleanup /arch %r", "recovery_min_apply_delay", "5min",
                "create_replica_methods", List.of("basebackup"))));
        StandbyCluster section = config.standbyCluster().orElseThrow();
        assertThat(section.connUrl()).isEqualTo("postgres://10.0.0.9:5433/postgres");
        // Patroni's slot_name_from_member_name.
        assertThat(section.primarySlotName()).contains("standby_b");
        assertThat(section.recoverySettings(true)).containsExactly(Map.entry("restore_command", "cp /arch/%f %p"),
                Map.entry("archive_cleanup_command", "pg_archivecleanup /arch %r"),
                Map.entry("recovery_min_apply_delay", "5min"));
        assertThat(section.recoverySettings(false)).doesNotContainKey("recovery_min_apply_delay");
        assertThat(section.remoteMember().name()).isEqualTo(StandbyCluster.REMOTE_MEMBER);
    }

    @Test
    void withoutHostPortOrRestoreCommandItIsANormalCluster() {
        assertThat(StandbyCluster.parse(null)).isEmpty();
        assertThat(StandbyCluster.parse(Map.of())).isEmpty();
        assertThat(StandbyCluster.parse(Map.of("primary_slot_name", "s"))).isEmpty();
        assertThat(StandbyCluster.parse(Map.of("host", "h")).map(StandbyCluster::port)).isEqualTo(Optional.of(5432));
        assertThat(DynamicConfig.DEFAULTS.standbyCluster()).isEmpty();
    }

    @Test
    void whatHapgCannotDoIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("standby_cluster",
                Map.of("restore_command", "cp /a/%f %p"))))
                .hasMessageStartingWith("standby_cluster.host: not supported by hapg without a host");
        assertThatThrownBy(() -> StandbyCluster.parse(Map.of("host", "a,b")))
                .hasMessageContaining("standby_cluster.host: 'a,b'");
        assertThatThrownBy(() -> StandbyCluster.parse(Map.of("host", "a", "create_replica_methods",
                List.of("wal_e", "basebackup")))).hasMessageStartingWith("standby_cluster.create_replica_methods");
        assertThatThrownBy(() -> StandbyCluster.parse(Map.of("host", "a", "hots", "b")))
                .hasMessageStartingWith("standby_cluster.hots: unknown key");
        assertThatThrownBy(() -> StandbyCluster.parse(Map.of("host", "a", "port", "x")))
                .hasMessageStartingWith("standby_cluster.port");
        assertThatThrownBy(() -> StandbyCluster.parse("10.0.0.9")).hasMessageStartingWith("standby_cluster:");
    }
}
