package io.hapg.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.config.PgUser;
import io.hapg.postgres.PostgresConfig;
import io.hapg.process.OsUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Patroni's {@code config_dir} and {@code custom_conf}: {@code postgresql.conf}, {@code pg_hba.conf}
 * and {@code pg_ident.conf} in the configuration directory, naming {@code hba_file} and
 * {@code ident_file} there; the signal files stay in the data directory; a file of the data
 * directory is read only right after initdb.
 */
class ConfigFilesConfigDirTest {
    @TempDir
    Path dir;

    private PostgresConfig.Builder config(Path data) {
        return PostgresConfig.builder().memberName("pg1").dataDir(data).port(5432)
                .superuser(PgUser.of("postgres", "s")).replication(PgUser.of("replicator", "r"));
    }

    private ConfigFiles files(PostgresConfig config) {
        return new ConfigFiles(config, OsUser.current(), dir, dir.resolve("pgpass"));
    }

    @Test
    void theFilesGoToTheConfigDirAndTheDataDirectorysCopiesAreLeftAlone() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        Path etc = Files.createDirectory(dir.resolve("etc"));
        Files.writeString(data.resolve("postgresql.conf"), "port = 1111\n"); // a clone source's copy
        Files.writeString(etc.resolve("postgresql.conf"), "work_mem = '7MB'\n"); // Debian's
        files(config(data).configDir(etc).build()).writeReplica(
                new ConfigFiles.Upstream(new Conninfo.Endpoint("10.0.0.1", 5432), java.util.Optional.empty()));

        String conf = Files.readString(etc.resolve("postgresql.conf"));
        assertThat(conf).startsWith(ConfigFiles.HEADER).contains("include_if_exists = 'postgresql.base.conf'\n")
                .contains("hba_file = '" + etc.resolve("pg_hba.conf") + "'\n")
                .contains("ident_file = '" + etc.resolve("pg_ident.conf") + "'\n")
                .contains("data_directory = '" + data + "'\n")
                .contains("port = '5432'");
        assertThat(Files.readString(etc.resolve("postgresql.base.conf"))).isEqualTo("work_mem = '7MB'\n");
        assertThat(etc.resolve("pg_hba.conf")).exists();
        assertThat(Files.readString(etc.resolve("pg_ident.conf"))).startsWith("# Managed by hapg");
        assertThat(data.resolve("standby.signal")).exists();
        assertThat(etc.resolve("standby.signal")).doesNotExist();
        assertThat(Files.readString(data.resolve("postgresql.conf"))).isEqualTo("port = 1111\n");
        assertThat(data.resolve("postgresql.base.conf")).doesNotExist();
        assertThat(data.resolve("pg_hba.conf")).doesNotExist();
    }

    @Test
    void aCustomConfIsIncludedInsteadOfTheBaseFile() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        Path custom = Files.writeString(dir.resolve("custom's.conf"), "work_mem = '9MB'\n");
        files(config(data).customConf(custom).build()).writePrimary();

        String conf = Files.readString(data.resolve("postgresql.conf"));
        assertThat(conf).contains("include = '" + dir.resolve("custom''s.conf") + "'\n")
                .doesNotContain("postgresql.base.conf").doesNotContain("hba_file");
    }

    @Test
    void initdbsConfIsCopiedToTheConfigDirUnlessItHasItsOwn() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        Files.writeString(data.resolve("postgresql.conf"), "max_connections = 100\n");
        Path etc = dir.resolve("etc");
        Files.createDirectory(etc);
        ConfigFiles files = files(config(data).configDir(etc).build());
        files.adoptInitdbConf();
        files.writePrimary();
        assertThat(Files.readString(etc.resolve("postgresql.base.conf"))).isEqualTo("max_connections = 100\n");

        Path debian = Files.createDirectory(dir.resolve("debian"));
        Files.writeString(debian.resolve("postgresql.conf"), "work_mem = '7MB'\n");
        ConfigFiles own = files(config(data).configDir(debian).build());
        own.adoptInitdbConf();
        own.writePrimary();
        assertThat(Files.readString(debian.resolve("postgresql.base.conf"))).isEqualTo("work_mem = '7MB'\n");
    }

    @Test
    void theConfigDirIsTheDataDirectoryOrOutsideIt() {
        Path data = dir.resolve("data");
        assertThatThrownBy(() -> config(data).configDir(data.resolve("conf")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("configDir " + data.resolve("conf") + " must be the data directory or outside it");
        assertThatThrownBy(() -> config(data).configDir(Path.of("etc")).build())
                .hasMessageStartingWith("configDir must be an absolute path");
        assertThatThrownBy(() -> config(data).customConf(Path.of("x.conf")).build())
                .hasMessageStartingWith("customConf must be an absolute path");
        assertThat(config(data).configDir(data).build().configOutsideDataDir()).isFalse();
    }
}
