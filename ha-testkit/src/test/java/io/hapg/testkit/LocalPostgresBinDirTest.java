package io.hapg.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalPostgresBinDirTest {
    @TempDir
    Path dir;

    @Test
    void missingBinDirIsReportedWithThePathAndAnInstallHint() {
        Path absent = dir.resolve("no-such-bin");

        assertThatThrownBy(() -> LocalPostgres.builder().binDir(absent).createPrimary())
                .isInstanceOfSatisfying(MissingBinaryException.class, e -> assertThat(e.binary()).isEqualTo("postgres"))
                .hasMessageContaining(absent.resolve("postgres").toString())
                .hasMessageContaining("apt-get install -y postgresql");
    }

    @Test
    void binDirWithoutInitdbNamesInitdb() throws IOException {
        fakeTool("postgres", "postgres (PostgreSQL) 15.4");

        assertThatThrownBy(() -> LocalPostgres.builder().binDir(dir).createPrimary())
                .isInstanceOfSatisfying(MissingBinaryException.class, e -> assertThat(e.binary()).isEqualTo("initdb"))
                .hasMessageContaining(dir.resolve("initdb").toString());
    }

    @Test
    void unsupportedVersionIsReportedWithThePathAndTheVersion() throws IOException {
        fakeTool("postgres", "postgres (PostgreSQL) 12.9 (Debian 12.9-1)");
        fakeTool("initdb", "initdb (PostgreSQL) 12.9");

        assertThatThrownBy(() -> LocalPostgres.builder().binDir(dir).createPrimary())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(dir.resolve("postgres").toString())
                .hasMessageContaining("12.9")
                .hasMessageContaining("13 to 17");
    }

    @Test
    void binaryThatPrintsNoVersionIsReportedWithItsOutput() throws IOException {
        fakeTool("postgres", "segmentation fault");
        fakeTool("initdb", "");

        assertThatThrownBy(() -> LocalPostgres.builder().binDir(dir).createPrimary())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(dir.resolve("postgres").toString())
                .hasMessageContaining("segmentation fault");
    }

    @Test
    void installedPostgresIsFoundWithoutConfiguration() {
        // scripts/test.sh installs PostgreSQL when missing, so discovery must succeed here; an
        // explicit HAPG_PG_BINDIR, if set, is found the same way.
        PgBinaries found = PgBinaries.locate(Optional.empty());

        assertThat(found.majorVersion()).isBetween(PgBinaries.MIN_MAJOR, PgBinaries.MAX_MAJOR);
        assertThat(found.dir().resolve("postgres")).isExecutable();
    }

    private void fakeTool(String name, String versionLine) throws IOException {
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\necho '" + versionLine + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
