package io.hapg.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgInstallationTest {
    @TempDir
    Path dir;

    @Test
    void aConfiguredDirectoryIsTakenAsGiven() {
        Path absent = dir.resolve("no-such-bin");

        assertThat(PgInstallation.findBinDir(Optional.of(absent))).contains(absent);
    }

    @Test
    void theNewestSupportedVersionWithAPostgresWins() throws IOException {
        fakePostgres(Files.createDirectories(dir.resolve("12/bin")), "exit 0");
        fakePostgres(Files.createDirectories(dir.resolve("14/bin")), "exit 0");
        fakePostgres(Files.createDirectories(dir.resolve("16/bin")), "exit 0");
        fakePostgres(Files.createDirectories(dir.resolve("18/bin")), "exit 0");
        fakePostgres(Files.createDirectories(dir.resolve("main/bin")), "exit 0");
        Files.createDirectories(dir.resolve("17/bin")); // no postgres in it

        assertThat(PgInstallation.newestUnder(dir)).contains(dir.resolve("16/bin"));
        assertThat(PgInstallation.newestUnder(dir.resolve("absent"))).isEmpty();
    }

    @Test
    void versionIsReadFromPostgresVersion() throws IOException {
        fakePostgres(dir, "echo 'postgres (PostgreSQL) 15.4 (Debian 15.4-1)'");

        PgInstallation installation = PgInstallation.inspect(dir, IllegalStateException::new);

        assertThat(installation.binDir()).isEqualTo(dir);
        assertThat(installation.postgres()).isEqualTo(dir.resolve("postgres"));
        assertThat(installation.majorVersion()).isEqualTo(15);
        assertThat(installation.version()).isEqualTo("15.4");
        assertThat(installation.isSupported()).isTrue();
    }

    @Test
    void aBetaHasOnlyAMajorVersion() throws IOException {
        fakePostgres(dir, "echo 'postgres (PostgreSQL) 17beta1'");

        PgInstallation installation = PgInstallation.inspect(dir, IllegalStateException::new);

        assertThat(installation.majorVersion()).isEqualTo(17);
        assertThat(installation.version()).isEqualTo("17");
    }

    @Test
    void versionsOutside13To17AreReadButNotSupported() throws IOException {
        fakePostgres(dir, "echo 'postgres (PostgreSQL) 12.9'");
        assertThat(PgInstallation.inspect(dir, IllegalStateException::new).isSupported()).isFalse();

        fakePostgres(dir, "echo 'postgres (PostgreSQL) 18.0'");
        assertThat(PgInstallation.inspect(dir, IllegalStateException::new).isSupported()).isFalse();
    }

    @Test
    void anUnreadableVersionGoesThroughTheCallersException() throws IOException {
        fakePostgres(dir, "echo 'segmentation fault'");

        assertThatThrownBy(() -> PgInstallation.inspect(dir, IllegalArgumentException::new))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir.resolve("postgres").toString())
                .hasMessageContaining("exit 0")
                .hasMessageContaining("segmentation fault");
    }

    @Test
    void aFailingPostgresIsUnreadableEvenWhenItPrintsAVersion() throws IOException {
        fakePostgres(dir, "echo 'postgres (PostgreSQL) 15.4'; exit 3");

        assertThatThrownBy(() -> PgInstallation.inspect(dir, IllegalArgumentException::new))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exit 3");
    }

    @Test
    void theInstalledPostgresIsFoundAndSupported() {
        // The test command installs PostgreSQL 13 to 17, so discovery must succeed here.
        Path binDir = PgInstallation.findBinDir(Optional.empty()).orElseThrow();

        PgInstallation installation = PgInstallation.inspect(binDir, IllegalStateException::new);

        assertThat(installation.postgres()).isExecutable();
        assertThat(installation.isSupported()).as("%s", installation).isTrue();
    }

    private static void fakePostgres(Path binDir, String script) throws IOException {
        Path postgres = binDir.resolve("postgres");
        Files.writeString(postgres, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(postgres, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
