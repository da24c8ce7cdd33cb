package io.hapg.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.DatabaseState;
import io.hapg.process.OsUser;
import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.core.spi.FatalHaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bad input fails early with the path in the message, and the data is never touched. */
@Timeout(60)
class PostgresNodeValidationIT {
    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private final TestNodes nodes = logs.watch(new TestNodes());

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void aMissingBinDirIsNamed() {
        Path bin = nodes.base().resolve("no-such-bin");
        assertThatThrownBy(() -> nodes.node(nodes.config("n1").binDir(bin).build()))
                .isInstanceOf(FatalHaException.class).hasMessageContaining(bin.toString());
    }

    @Test
    void aVersionOutside13To17IsRefused() throws IOException {
        Path bin = Files.createDirectories(nodes.base().resolve("pg12/bin"));
        for (String tool : List.of("postgres", "initdb", "pg_basebackup", "pg_rewind", "pg_controldata")) {
            Path script = bin.resolve(tool);
            Files.writeString(script, "#!/bin/sh\necho 'postgres (PostgreSQL) 12.22'\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        assertThatThrownBy(() -> nodes.node(nodes.config("n1").binDir(bin).build()))
                .isInstanceOf(FatalHaException.class)
                .hasMessageContaining(bin.resolve("postgres").toString())
                .hasMessageContaining("PostgreSQL 12").hasMessageContaining("13 to 17");
    }

    @Test
    void aDataDirWithOtherFilesIsRefusedAndLeftAlone() throws IOException {
        PostgresConfig config = nodes.config("n1").build();
        Files.createDirectories(config.dataDir());
        Path notes = Files.writeString(config.dataDir().resolve("notes.txt"), "not a database");

        assertThatThrownBy(() -> nodes.node(config)).isInstanceOf(FatalHaException.class)
                .hasMessageContaining(config.dataDir().toString()).hasMessageContaining("PG_VERSION");
        assertThat(Files.readString(notes)).isEqualTo("not a database");
    }

    @Test
    void aDataDirOfAnotherVersionIsRefused() throws IOException {
        PostgresConfig config = nodes.config("n1").build();
        Files.createDirectories(config.dataDir());
        Files.writeString(config.dataDir().resolve("PG_VERSION"), "12\n");

        assertThatThrownBy(() -> nodes.node(config)).isInstanceOf(FatalHaException.class)
                .hasMessageContaining(config.dataDir().toString()).hasMessageContaining("PostgreSQL 12 cluster");
    }

    @Test
    void aDataDirOfAnotherClusterIsRefusedAndNotTouched() {
        PostgresNode n1 = nodes.node("n1");
        n1.bootstrap();
        n1.stop(StopMode.FAST);
        DatabaseState before = n1.probe();
        assertThatThrownBy(() -> n1.bootstrap()).isInstanceOf(FatalHaException.class)
                .hasMessageContaining(n1.config().dataDir().toString());

        PostgresConfig wrongCluster = nodes.config("n1").dataDir(n1.config().dataDir())
                .expectedSystemIdentifier("1234567890").build();
        assertThatThrownBy(() -> nodes.node(wrongCluster)).isInstanceOf(FatalHaException.class)
                .hasMessageContaining(n1.config().dataDir().toString())
                .hasMessageContaining(before.systemIdentifier().orElseThrow())
                .hasMessageContaining("1234567890");

        DatabaseState after = n1.probe();
        assertThat(after.systemIdentifier()).isEqualTo(before.systemIdentifier());
        assertThat(after.checkpointLsn()).isEqualTo(before.checkpointLsn());
        assertThat(after.cleanShutdown()).isTrue();
    }

    @Test
    void startWithoutDataSaysWhatToDo() {
        PostgresNode n1 = nodes.node("n1");
        assertThatThrownBy(() -> n1.start(Optional.empty())).isInstanceOf(DatabaseUnavailableException.class)
                .hasMessageContaining("bootstrap or clone");
    }

    @Test
    void asRootAnOsUserIsRequiredOtherwiseItMustBeTheCurrentOne() {
        if (OsUser.current().isRoot()) {
            PostgresConfig noUser = PostgresConfig.builder().memberName("n1")
                    .dataDir(nodes.base().resolve("n1/data")).build();
            assertThatThrownBy(() -> PostgresNode.create(noUser)).isInstanceOf(FatalHaException.class)
                    .hasMessageContaining("osUser is required when running as root");
            PostgresConfig rootUser = PostgresConfig.builder().memberName("n1").osUser("root")
                    .dataDir(nodes.base().resolve("n1/data")).build();
            assertThatThrownBy(() -> PostgresNode.create(rootUser)).hasMessageContaining("root");
        } else {
            PostgresConfig other = nodes.config("n1").osUser("root").build();
            assertThatThrownBy(() -> PostgresNode.create(other)).isInstanceOf(FatalHaException.class)
                    .hasMessageContaining("only root can switch accounts");
        }
    }

    /**
     * A cluster setting the server does not know (a typo in {@code PATCH /config}) stays out of
     * {@code postgresql.conf}: with it there, PostgreSQL would not start again.
     */
    @Test
    void aMistypedClusterSettingIsLeftOutAndTheNodeStillRestarts() throws IOException {
        PostgresNode n1 = nodes.node("n1");
        n1.bootstrap();

        assertThat(n1.configure(Map.of("wrok_mem", "8MB", "work_mem", "8MB", "auto_explain.log_min_duration", "250")))
                .isTrue();

        String conf = Files.readString(n1.config().dataDir().resolve("postgresql.conf"));
        assertThat(conf).contains("work_mem = '8MB'").contains("auto_explain.log_min_duration = '250'")
                .doesNotContain("wrok_mem");
        n1.stop(StopMode.FAST);
        n1.start(Optional.empty());
        assertThat(n1.probe().isRunningPrimary()).isTrue();
        assertThat(TestNodes.value(n1, "SHOW work_mem")).isEqualTo("8MB");
    }
}
