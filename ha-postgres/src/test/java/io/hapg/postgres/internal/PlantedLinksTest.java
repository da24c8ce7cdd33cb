package io.hapg.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hapg.core.config.PgUser;
import io.hapg.postgres.PostgresConfig;
import io.hapg.process.OsUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The PostgreSQL OS user owns the run and data directories and may plant symbolic links there; an
 * agent running as root must neither write nor read through them. Each test plants a link to a
 * root-only file outside and checks that file is untouched and the error names the link.
 */
@Timeout(60)
class PlantedLinksTest {
    private static final String SECRET = "root-only content\n";

    private final OsUser user = OsUser.unprivileged();
    private Path base;
    private Path runDir;
    private Path outside;

    @BeforeEach
    void directories() throws IOException {
        base = Files.createTempDirectory(Path.of("/tmp"), "hapg-links-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        runDir = Files.createDirectory(base.resolve("run"));
        user.chown(runDir);
        outside = base.resolve("outside");
        Files.writeString(outside, SECRET);
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rw-------"));
    }

    @AfterEach
    void delete() throws IOException {
        try (Stream<Path> tree = Files.walk(base)) {
            for (Path p : (Iterable<Path>) tree.sorted((a, b) -> b.compareTo(a))::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void aToolLogThatIsALinkIsRefusedAndItsTargetUntouched() throws IOException {
        Path log = Files.createSymbolicLink(runDir.resolve("echo.log"), outside);
        ToolRunner tools = new ToolRunner("pg1", user, runDir, runDir.resolve("pgpass"));

        assertThatThrownBy(() -> tools.run("echo", List.of("echo", "planted"), Duration.ofSeconds(10)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(log.toString()).hasMessageContaining("symbolic link")
                .hasMessageContaining(outside.toString());
        assertThat(Files.readString(outside)).isEqualTo(SECRET);
    }

    @Test
    void aProcessLogIsOpenedAsThePostgresUserSoALinkLeadsNowhereItCouldNotWriteItself() throws Exception {
        assumeTrue(OsUser.current().isRoot(), "only a root JVM opens files the PostgreSQL user could not");
        Path log = Files.createSymbolicLink(runDir.resolve("postgres.log"), outside);
        ToolRunner tools = new ToolRunner("pg1", user, runDir, runDir.resolve("pgpass"));

        Process process = tools.start(List.of("echo", "planted"), log);

        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isNotZero();
        assertThat(Files.readString(outside)).isEqualTo(SECRET);
    }

    @Test
    void toolOutputStillReachesAnOrdinaryLog() {
        ToolRunner tools = new ToolRunner("pg1", user, runDir, runDir.resolve("pgpass"));

        assertThat(tools.run("echo", List.of("echo", "hello"), Duration.ofSeconds(10))).contains("hello");
        assertThatThrownBy(() -> tools.run("false", List.of("sh", "-c", "echo broken; exit 3"), Duration.ofSeconds(10)))
                .hasMessageContaining("exit code 3").hasMessageContaining("broken");
    }

    @Test
    void aLinkedAutoConfIsNeitherReadNorCopiedIntoTheDataDirectory() throws IOException {
        Files.writeString(outside, "primary_conninfo = 'x'\n" + SECRET);
        Path data = Files.createDirectory(base.resolve("data"));
        user.chown(data);
        Path autoConf = Files.createSymbolicLink(data.resolve("postgresql.auto.conf"), outside);
        PostgresConfig config = PostgresConfig.builder().memberName("pg1").dataDir(data).port(5432)
                .superuser(PgUser.of("postgres", "s")).replication(PgUser.of("replicator", "r")).build();
        ConfigFiles files = new ConfigFiles(config, user, runDir, runDir.resolve("pgpass"));

        assertThatThrownBy(files::writePrimary).hasMessageContaining(autoConf.toString())
                .hasMessageContaining("symbolic link");
        assertThat(Files.isSymbolicLink(autoConf)).isTrue();
        assertThat(Files.readString(outside)).isEqualTo("primary_conninfo = 'x'\n" + SECRET);
    }

    @Test
    void wipingTheDataDirectoryDeletesLinksNotWhatTheyPointTo() throws IOException {
        Path data = Files.createDirectory(base.resolve("data"));
        Files.writeString(data.resolve("PG_VERSION"), "16\n");
        Files.createDirectories(data.resolve("base/1"));
        Files.writeString(data.resolve("base/1/1259"), "x");
        Path keep = Files.createDirectory(base.resolve("keep"));
        Files.writeString(keep.resolve("1259"), SECRET);
        Files.createSymbolicLink(data.resolve("base/2"), keep);
        Files.createSymbolicLink(data.resolve("pg_tblspc"), outside);
        user.chownRecursively(data);

        new DataDir(data, user).wipe();

        try (Stream<Path> left = Files.list(data)) {
            assertThat(left).isEmpty();
        }
        assertThat(Files.readString(keep.resolve("1259"))).isEqualTo(SECRET);
        assertThat(Files.readString(outside)).isEqualTo(SECRET);
    }

    @Test
    void aPrivateFileIsNeverWrittenThroughALinkSwappedInForItsTemporaryFile() throws Exception {
        Path file = runDir.resolve("pgpass");
        Path tmp = runDir.resolve(".pgpass.tmp");
        AtomicBoolean planting = new AtomicBoolean(true);
        // What the PostgreSQL user can do in its own directory: replace the temporary file with a link
        // between its creation and the write.
        Thread planter = new Thread(() -> {
            while (planting.get()) {
                try {
                    Files.deleteIfExists(tmp);
                    Files.createSymbolicLink(tmp, outside);
                } catch (IOException | UncheckedIOException e) {
                    // lost this round of the race; try again
                }
            }
        }, "planter");
        planter.start();
        try {
            for (int i = 0; i < 2000; i++) {
                try {
                    PassFile.writePrivate(file, "*:*:*:u:pw" + i + "\n", user);
                } catch (UncheckedIOException e) {
                    // the planted link won this round; what matters is where the bytes went
                }
            }
        } finally {
            planting.set(false);
            planter.join();
        }
        assertThat(Files.readString(outside, StandardCharsets.UTF_8)).isEqualTo(SECRET);
    }
}
