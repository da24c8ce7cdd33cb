package io.hapg.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.config.PgUser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresConfigTest {
    private static PostgresConfig.Builder valid() {
        return PostgresConfig.builder().memberName("pg-1").dataDir(Path.of("/var/lib/hapg/data"));
    }

    @Test
    void defaultsAreUsable() {
        PostgresConfig config = valid().build();
        assertThat(config.port()).isEqualTo(5432);
        assertThat(config.useSlots()).isTrue();
        assertThat(config.usePgRewind()).isTrue();
        assertThat(config.effectiveRunDir()).isEqualTo(Path.of("/var/lib/hapg/data.hapg"));
        assertThat(config.connUrl()).isEqualTo("postgres://127.0.0.1:5432/postgres");
        assertThat(config.rewindUser()).isEqualTo(config.superuser());
    }

    @Test
    void connUrlUsesTheConnectAddressOrALoopbackForAWildcard() {
        assertThat(valid().connectAddress("db1.example:6432").build().connUrl())
                .isEqualTo("postgres://db1.example:6432/postgres");
        assertThat(valid().listenAddresses("*").port(5433).build().connUrl())
                .isEqualTo("postgres://127.0.0.1:5433/postgres");
        assertThat(valid().listenAddresses("::").build().connUrl()).isEqualTo("postgres://[::1]:5432/postgres");
    }

    /** Patroni's bin_name keys only, each a non-blank name; the default renames nothing. */
    @Test
    void binNamesAreToolsWithFileNames() {
        assertThat(valid().build().binNames()).isEmpty();
        assertThat(valid().binNames(Map.of("postgres", "pg-postgres")).build().binNames())
                .containsExactly(Map.entry("postgres", "pg-postgres"));
        assertThatThrownBy(() -> valid().binNames(Map.of("psql", "my-psql")).build())
                .hasMessageStartingWith("binNames: 'psql' is not one of");
        assertThatThrownBy(() -> valid().binNames(Map.of("initdb", " ")).build())
                .hasMessage("binNames initdb must be a file name, got ' '");
    }

    @Test
    void errorsNameTheField() {
        assertThatThrownBy(() -> PostgresConfig.builder().dataDir(Path.of("/d")).build())
                .hasMessageContaining("memberName");
        assertThatThrownBy(() -> valid().dataDir(Path.of("relative/data")).build()).hasMessageContaining("dataDir");
        assertThatThrownBy(() -> valid().binDir(Path.of("bin")).build()).hasMessageContaining("binDir");
        assertThatThrownBy(() -> valid().port(0).build()).hasMessageContaining("port");
        assertThatThrownBy(() -> valid().connectAddress("nohost").build()).hasMessageContaining("connectAddress");
        assertThatThrownBy(() -> valid().probeTimeout(Duration.ZERO).build()).hasMessageContaining("probeTimeout");
        assertThatThrownBy(() -> valid().stopTimeout(Duration.ofSeconds(-1)).build())
                .hasMessageContaining("stopTimeout");
        assertThatThrownBy(() -> valid().osUser("Not A User").build()).hasMessageContaining("osUser");
        assertThatThrownBy(() -> valid().expectedSystemIdentifier("abc").build())
                .hasMessageContaining("expectedSystemIdentifier");
        assertThatThrownBy(() -> valid().pgHba(List.of("host all all 0.0.0.0/0 trust\nlocal all all trust")).build())
                .hasMessageContaining("pgHba");
        assertThatThrownBy(() -> valid().initdbOptions(List.of("--pgdata=/elsewhere")).build())
                .hasMessageContaining("initdbOptions");
        assertThatThrownBy(() -> valid().rewindOptions(List.of("--source-server=host=x")).build())
                .hasMessage("rewindOptions must not set --source-server=host=x: the rewind decides it");
        assertThatThrownBy(() -> valid().rewindOptions(List.of("-n")).build())
                .hasMessage("rewindOptions must not set -n: long options (--name[=value]) only");
        assertThatThrownBy(() -> valid().basebackupOptions(List.of("--wal-method=fetch")).build())
                .hasMessage("basebackupOptions must not set --wal-method=fetch: the clone decides it");
        assertThat(valid().rewindOptions(List.of("--debug")).build().rewindOptions()).containsExactly("--debug");
    }

    @Test
    void parametersHapgManagesAreRefused() {
        assertThatThrownBy(() -> valid().parameters(Map.of("port", "5433")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parameters.port");
        assertThatThrownBy(() -> valid().parameters(Map.of("primary_conninfo", "host=x")).build())
                .hasMessageContaining("parameters.primary_conninfo");
        assertThatThrownBy(() -> valid().parameters(Map.of("wal_level", "minimal")).build())
                .hasMessageContaining("parameters.wal_level");
        assertThat(valid().parameters(Map.of("max_connections", "200")).build().parameters())
                .containsEntry("max_connections", "200");
    }

    @Test
    void passwordsNeverShowInToString() {
        PostgresConfig config = valid().superuser(PgUser.of("postgres", "s3cret-su"))
                .replication(PgUser.of("repl", "s3cret-repl")).rewind(PgUser.of("rw", "s3cret-rw")).build();
        assertThat(config.toString()).doesNotContain("s3cret").contains("repl");
    }
}
