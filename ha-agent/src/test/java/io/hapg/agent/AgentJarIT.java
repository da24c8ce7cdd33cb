package io.hapg.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import io.hapg.process.OsUser;
import io.hapg.testkit.Await;
import io.hapg.testkit.FreePorts;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ha-agent/target/hapg.jar} as an operator gets it: runnable, and nothing of the tests inside. */
class AgentJarIT {
    private static final Path JAR = Path.of(System.getProperty("hapg.jar", "target/hapg.jar"));

    @Test
    void holdsTheAgentAndNoTestCode() throws IOException {
        assertThat(JAR).as("built by mvn package").isRegularFile();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = jar.stream().map(ZipEntry::getName).toList();
            assertThat(names).contains("io/hapg/agent/Main.class", "io/hapg/core/HaAgent.class",
                    "io/hapg/etcd/EtcdConsensus.class", "io/hapg/postgres/PostgresNode.class");
            assertThat(names).noneMatch(n -> n.startsWith("io/hapg/testkit/"))
                    .noneMatch(n -> n.startsWith("io/hapg/examples/"))
                    .noneMatch(n -> n.startsWith("io/hapg/hikari/"))
                    .noneMatch(n -> n.startsWith("org/junit/"))
                    .noneMatch(n -> n.startsWith("org/assertj/"))
                    .noneMatch(n -> n.startsWith("org/opentest4j/"));
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("io.hapg.agent.Main");
        }
    }

    @Test
    void runsAsJavaDashJarFromAnotherDirectory(@TempDir Path dir) throws Exception {
        Run run = run(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toAbsolutePath().toString(), "version"), dir);
        assertThat(run.code()).as(run.out()).isZero();
        assertThat(run.out().strip()).startsWith("hapg-");
    }

    @Test
    void theLauncherRunsItWithItsJvmFlagsFromAnotherDirectory(@TempDir Path dir) throws Exception {
        ProcessBuilder launcher = new ProcessBuilder(Path.of("bin", "hapg").toAbsolutePath().toString(), "version");
        launcher.environment().put("HAPG_JAR", JAR.toAbsolutePath().toString());
        launcher.environment().put("HAPG_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Run run = run(launcher, dir);
        assertThat(run.code()).as(run.out()).isZero();
        assertThat(run.out().strip()).startsWith("hapg-");
    }

    @Test
    void theLauncherSaysWhereTheJarIsMissing(@TempDir Path dir) throws Exception {
        Path copy = dir.resolve("hapg");
        Files.copy(Path.of("bin", "hapg"), copy);
        Run run = run(new ProcessBuilder(copy.toString(), "version"), dir);
        assertThat(run.code()).as(run.out()).isEqualTo(2);
        assertThat(run.out()).contains("hapg.jar not found");
    }

    @Test
    void validatesTheSeedsPatroniYmlWithPatroniNameFromTheEnvironment(@TempDir Path dir) throws Exception {
        Path seed = dir.resolve("patroni.yml");
        try (var in = AgentJarIT.class.getResourceAsStream("config/seed-patroni.yml")) {
            Files.copy(in, seed);
        }
        ProcessBuilder launcher = new ProcessBuilder(Path.of("bin", "hapg").toAbsolutePath().toString(), "agent",
                "--validate-config", seed.toString());
        launcher.environment().put("HAPG_JAR", JAR.toAbsolutePath().toString());
        launcher.environment().put("HAPG_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        launcher.environment().remove("PATRONI_NAME");
        Run without = run(launcher, dir);
        assertThat(without.code()).as(without.out()).isEqualTo(1);
        assertThat(without.out()).contains("ERROR: name: required");

        launcher.environment().put("PATRONI_NAME", "pg-node-1");
        Run with = run(launcher, dir);
        assertThat(with.code()).as(with.out()).isZero();
        assertThat(with.out()).contains("WARNING: 'replication' (line 31) ignored: not a Patroni key")
                .contains(seed + ": valid");
    }

    /**
     * An agent whose etcd does not answer, at DEBUG, logs enough (etcd client set-up, retries) to
     * show the log: section at work in the real jar: DIR/patroni.log in hapg's timestamped lines,
     * rotated by file_size, file_num rotated files kept, nothing on stderr, no password.
     */
    @Test
    void theLogSectionWritesPatroniLogRotatedBySize(@TempDir Path dir) throws Exception {
        // PostgreSQL's unprivileged user must reach the data directory's parent.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path logs = dir.resolve("logs");
        Path yaml = dir.resolve("n0.yml");
        int rest = FreePorts.next();
        int pg = FreePorts.next();
        Files.writeString(yaml, "scope: shop\nname: n0\nrestapi:\n  listen: 127.0.0.1:" + rest + "\n"
                + "  connect_address: 127.0.0.1:" + rest + "\n"
                + "etcd3:\n  hosts: [127.0.0.1:" + FreePorts.next() + "]\n  username: root\n  password: etcd-Secret1\n"
                + "postgresql:\n  data_dir: " + dir.resolve("data") + "\n  listen: 127.0.0.1:" + pg + "\n"
                + "  connect_address: 127.0.0.1:" + pg + "\n"
                + (OsUser.current().isRoot() ? "  os_user: " + OsUser.unprivileged().name() + "\n" : "")
                + "  authentication:\n    superuser: {username: postgres, password: su-Secret2}\n"
                + "    replication: {username: replicator, password: repl-Secret3}\n"
                + "log: {dir: " + logs + ", level: DEBUG, file_size: 8000, file_num: 2}\n");
        Path out = dir.resolve("stderr.txt");
        Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toAbsolutePath().toString(), "agent", yaml.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            Await.until("patroni.log rotated twice", Duration.ofSeconds(60),
                    () -> Files.exists(logs.resolve("patroni.log.2")) || !agent.isAlive());
        } finally {
            agent.destroy();
            assertThat(agent.waitFor(30, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
        }
        try (Stream<Path> files = Files.list(logs)) {
            assertThat(files.map(f -> f.getFileName().toString())).as(Files.readString(out))
                    .containsExactlyInAnyOrder("patroni.log", "patroni.log.1", "patroni.log.2");
        }
        Pattern stamped = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S* (DEBUG|INFO |WARN |ERROR) \\[.*");
        StringBuilder all = new StringBuilder();
        for (String name : List.of("patroni.log.2", "patroni.log.1", "patroni.log")) {
            List<String> lines = Files.readAllLines(logs.resolve(name));
            // Lines that are not events are the stack traces under one (traceback_level ERROR prints them).
            assertThat(lines.get(0)).as(name + " starts with an event").matches(stamped);
            all.append(String.join("\n", lines)).append('\n');
        }
        assertThat(all.toString().lines().filter(l -> stamped.matcher(l).matches()).count()).isGreaterThan(50);
        assertThat(all.toString()).contains("INFO  [main] io.hapg.agent.logging.LogbackSetup - logging at DEBUG to " + logs)
                .contains(" DEBUG [").doesNotContain("etcd-Secret1").doesNotContain("su-Secret2")
                .doesNotContain("repl-Secret3");
        assertThat(Files.readString(out)).as("nothing on stderr once the section applies").isEmpty();
    }

    private record Run(int code, String out) {
    }

    /** Runs a command in {@code dir} (output in a file there) and waits for it. */
    private static Run run(ProcessBuilder command, Path dir) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = command.directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s").isTrue();
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }
}
