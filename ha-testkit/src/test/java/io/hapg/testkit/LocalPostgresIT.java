package io.hapg.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.process.OsUser;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(120)
class LocalPostgresIT {
    @RegisterExtension
    static final ProcessLogs logs = new ProcessLogs();

    @Test
    void replicaStreamsFromPrimaryThatSurvivesKillAndFreeze() throws Exception {
        PrimaryReplicaScenario.run(logs::watch, System.out);
    }

    /**
     * CI runs as root, where every PostgreSQL command goes through setpriv. This runs the same
     * scenario in a JVM that is itself the unprivileged user, where commands run directly.
     */
    @Test
    void sameScenarioPassesInAJvmRunningAsANormalUser() throws Exception {
        if (!OsUser.current().isRoot()) {
            PrimaryReplicaScenario.run(logs::watch, System.out);
            return;
        }
        OsUser user = OsUser.unprivileged();
        // The test classpath lives under /root/.m2 and the build dir, which the user cannot read.
        Path classpathCopy = Files.createTempDirectory("hapg-cp-");
        Path log = Files.createTempFile("hapg-child-jvm-", ".log");
        try {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> java = new ArrayList<>(List.of(javaBin, "-Xmx256m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-cp", copyClasspath(classpathCopy)));
            String binDir = System.getProperty(PgBinaries.BINDIR_PROPERTY);
            if (binDir != null) {
                java.add("-D" + PgBinaries.BINDIR_PROPERTY + "=" + binDir);
            }
            java.add(PrimaryReplicaScenario.class.getName());
            user.chownRecursively(classpathCopy);
            ManagedProcess child = ManagedProcess.start("scenario-jvm-as-" + user.name(), user.wrap(java), log,
                    Map.of("HOME", classpathCopy.toString()), classpathCopy);
            logs.watch(() -> List.of(child));
            boolean exited = child.waitForExit(Duration.ofSeconds(100));
            child.close();
            String output = Files.readString(log, StandardCharsets.UTF_8);
            System.out.println("child JVM as " + user + ":\n" + output);
            assertThat(exited).as("child JVM finished").isTrue();
            assertThat(child.exitCode()).as("child JVM exit code").isZero();
            assertThat(output).contains(PrimaryReplicaScenario.PASSED + " as " + user.name() + "(uid " + user.uid());
            Files.delete(log); // kept only when the child failed, for the process logs
        } finally {
            deleteRecursively(classpathCopy);
        }
    }

    @Test
    void startMovesToAFreshPortWhenItsPortIsTaken() throws IOException {
        try (LocalPostgres pg = LocalPostgres.builder().name("port-taken").createPrimary();
             ServerSocket squatter = new ServerSocket()) {
            logs.watch(pg);
            int taken = pg.port();
            squatter.bind(new InetSocketAddress("127.0.0.1", taken));

            pg.start();

            assertThat(pg.port()).isNotEqualTo(taken);
            assertThat(pg.query("SHOW port")).containsExactly(List.of(Integer.toString(pg.port())));
        }
    }

    private static String copyClasspath(Path target) throws IOException {
        List<String> copied = new ArrayList<>();
        int index = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.exists(source)) {
                continue;
            }
            Path copy = target.resolve(String.format("%03d-%s", index++, source.getFileName()));
            try (Stream<Path> tree = Files.walk(source)) {
                for (Path p : (Iterable<Path>) tree::iterator) {
                    Files.copy(p, copy.resolve(source.relativize(p).toString()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            copied.add(copy.toString());
        }
        return String.join(File.pathSeparator, copied);
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path p : (Iterable<Path>) tree.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
