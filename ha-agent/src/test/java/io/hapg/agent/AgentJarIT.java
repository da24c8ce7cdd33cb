package io.hapg.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
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
