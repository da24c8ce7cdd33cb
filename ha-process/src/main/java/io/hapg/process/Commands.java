package io.hapg.process;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs short helper commands ({@code getent}, {@code useradd}, {@code kill}, {@code pg_controldata})
 * and captures their output. Standard input is {@code /dev/null}; standard error is merged into
 * the output, which goes through a temporary file so that the timeout holds even when the
 * command never closes its output. {@link #onPath} finds an executable as a shell would.
 */
public final class Commands {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private Commands() {
    }

    /**
     * The exit code ({@code -1} when the command timed out) and the merged output of one run.
     *
     * @param exitCode the exit code, or {@code -1} on timeout
     * @param output   standard output and error, as UTF-8 text
     */
    public record Result(int exitCode, String output) {
        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    /** {@link #run(List, Duration)} with a 30 s timeout. */
    public static Result run(List<String> command) {
        return run(command, DEFAULT_TIMEOUT);
    }

    /**
     * Runs {@code command} and waits up to {@code timeout} for it to exit; a command still running
     * then is killed (SIGKILL) and reported with exit code {@code -1}.
     *
     * @throws UncheckedIOException when the executable cannot be started
     * @throws IllegalStateException when interrupted (the command is killed, the interrupt flag restored)
     */
    public static Result run(List<String> command, Duration timeout) {
        Path out = null;
        Process process = null;
        try {
            out = Files.createTempFile("hapg-cmd-", ".out");
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            return exited ? new Result(process.exitValue(), output) : new Result(-1, output + " (timed out)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // A leftover temporary file is harmless.
                }
            }
        }
    }

    /**
     * The first file called {@code executable} in a PATH directory that is executable and not a
     * directory, as a shell finds it, except that empty PATH entries (the current directory) are
     * skipped.
     */
    public static Optional<Path> onPath(String executable) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, executable);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Sleeps {@code millis}.
     *
     * @throws IllegalStateException when interrupted (the interrupt flag is restored)
     */
    public static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
