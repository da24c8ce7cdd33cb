package io.hapg.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.process.OsUser;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CI runs as root, where every PostgreSQL process goes through setpriv to {@code osUser}. This runs
 * {@link NormalUserScenario} in a JVM that is itself the unprivileged account, where PostgresNode
 * runs the tools directly (the testkit's child-JVM trick).
 */
@Timeout(120)
class RunsAsANormalUserIT {
    @Test
    void bootstrapClonePromoteRewindWorkWithoutRoot() throws Exception {
        if (!OsUser.current().isRoot()) {
            NormalUserScenario.main(new String[0]);
            return;
        }
        OsUser user = OsUser.unprivileged();
        Path classpathCopy = Files.createTempDirectory("hapg-pg-cp-"); // the build dir is under /root
        Path log = Files.createTempFile("hapg-pg-child-", ".log");
        try {
            List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                    copyClasspath(classpathCopy), NormalUserScenario.class.getName()));
            user.chownRecursively(classpathCopy);
            user.chown(log);
            ProcessBuilder builder = new ProcessBuilder(user.wrap(java)).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .directory(classpathCopy.toFile());
            builder.environment().put("HOME", classpathCopy.toString());
            Process child = builder.start();
            boolean exited = child.waitFor(Duration.ofSeconds(100).toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                child.descendants().forEach(ProcessHandle::destroyForcibly);
                child.destroyForcibly();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            System.out.println("child JVM as " + user + ":\n" + output);
            assertThat(exited).as("child JVM finished").isTrue();
            assertThat(child.exitValue()).as("child JVM exit code").isZero();
            assertThat(output).contains(NormalUserScenario.PASSED + " as " + user.name() + "(uid " + user.uid());
        } finally {
            deleteRecursively(classpathCopy);
            Files.deleteIfExists(log);
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
