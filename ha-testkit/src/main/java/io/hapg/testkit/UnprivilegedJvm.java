package io.hapg.testkit;

import io.hapg.process.OsUser;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
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

/**
 * Runs a class's {@code main} in a child JVM as {@link OsUser#unprivileged()}, with this JVM's
 * classpath. A build that runs as root sends every PostgreSQL command through {@code setpriv};
 * this lets a test also cover the path where the JVM itself is the unprivileged account and runs
 * the commands directly. Run from a normal user's JVM, the child simply runs as that user.
 *
 * <pre>{@code
 * UnprivilegedJvm.Result result = UnprivilegedJvm.run(MyScenario.class, Duration.ofSeconds(100));
 * assertThat(result.exitCode()).isZero();
 * }</pre>
 */
public final class UnprivilegedJvm {
    // Small and quick to start: the scenarios are short and share the machine with the build.
    private static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");

    private UnprivilegedJvm() {
    }

    /**
     * How the child JVM ended.
     *
     * @param user     the account it ran as
     * @param exited   false when it was still running at the timeout and was stopped
     * @param exitCode its exit code (that of the stop when it did not exit by itself)
     * @param output   its standard output and error, after a first line with the command
     */
    public record Result(OsUser user, boolean exited, int exitCode, String output) {
    }

    /**
     * Runs {@code mainClass} with no arguments and waits up to {@code timeout} for it. The test
     * classpath is copied to a temporary directory the user owns (the originals are under the
     * build directory and {@code /root/.m2}, which it cannot read), which is also its working
     * directory and {@code HOME}, and deleted afterwards. A child still running at the timeout
     * gets SIGTERM, then SIGKILL, and so do the processes it started. The output is echoed to
     * {@code System.out} so that the test report shows it.
     *
     * @param forwardedProperties names of system properties passed on to the child when set here
     * @throws UncheckedIOException when the classpath cannot be copied or the child cannot start
     */
    public static Result run(Class<?> mainClass, Duration timeout, String... forwardedProperties) {
        OsUser user = OsUser.unprivileged();
        Path classpathCopy = null;
        Path log = null;
        try {
            classpathCopy = Files.createTempDirectory("hapg-child-cp-");
            log = Files.createTempFile("hapg-child-jvm-", ".log");
            List<String> java = new ArrayList<>();
            java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            java.addAll(JVM_OPTIONS);
            java.addAll(List.of("-cp", copyClasspath(classpathCopy)));
            for (String property : forwardedProperties) {
                String value = System.getProperty(property);
                if (value != null) {
                    java.add("-D" + property + "=" + value);
                }
            }
            java.add(mainClass.getName());
            user.chownRecursively(classpathCopy);
            Result result = runAndWait(user, java, log, classpathCopy, timeout);
            System.out.println("child JVM as " + user + ":\n" + result.output());
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a child JVM for " + mainClass.getName(), e);
        } finally {
            deleteQuietly(classpathCopy);
            deleteQuietly(log);
        }
    }

    private static Result runAndWait(OsUser user, List<String> java, Path log, Path workDir, Duration timeout)
            throws IOException {
        try (ManagedProcess child = ManagedProcess.start("child-jvm-as-" + user.name(), user.wrap(java), log,
                Map.of("HOME", workDir.toString()), workDir)) {
            boolean exited = child.waitForExit(timeout);
            if (!exited) {
                // Once the child is gone its servers are reparented, so they are collected first.
                List<ProcessHandle> started = ProcessHandle.of(child.pid()).stream()
                        .flatMap(ProcessHandle::descendants).toList();
                child.stop(Duration.ofSeconds(10));
                started.forEach(ProcessHandle::destroyForcibly);
            }
            return new Result(user, exited, child.exitCode(), Files.readString(log, StandardCharsets.UTF_8));
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
            // The index keeps entries with the same file name (two target/classes) apart.
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

    private static void deleteQuietly(Path root) {
        if (root == null) {
            return;
        }
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path p : (Iterable<Path>) tree.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // A leftover in the temporary directory is harmless and must not hide the test's result.
        }
    }
}
