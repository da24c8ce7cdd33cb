package io.hapg.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One external process started by the testkit, addressed only by its PID.
 *
 * <p>The process is a direct child of the JVM (never daemonized), so the JVM reaps it and
 * {@link #isAlive()} is exact; a reparented zombie would still answer {@code kill -0}. Its
 * standard output and error go to {@link #logFile()}, which outlives the process so a failing
 * test can print it. A JVM shutdown hook kills the process if its owner never closes it.
 *
 * <p>Nothing here signals a process by name: every signal goes to this PID (and, for
 * {@link #freeze()}/{@link #thaw()}, to its descendants, found through /proc).
 */
public final class ManagedProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path logFile;
    private final Thread shutdownHook;

    private ManagedProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.shutdownHook = new Thread(this::killQuietly, "testkit-reaper-" + name);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts {@code command} with its output appended to {@code logFile}.
     *
     * @throws UncheckedIOException when the executable cannot be started
     */
    public static ManagedProcess start(String name, List<String> command, Path logFile,
                                       Map<String, String> environment, Path workDir) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        builder.environment().putAll(environment);
        try {
            Files.writeString(logFile, "# " + String.join(" ", command) + System.lineSeparator(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            return new ManagedProcess(name, builder.start(), logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** The exit code, or -1 while the process runs. */
    public int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** Waits up to {@code timeout} for the process to exit; true if it did. */
    public boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * SIGTERM, then SIGKILL if the process has not exited within {@code grace}. A frozen
     * process is thawed first so that it can act on SIGTERM.
     */
    public void stop(Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        thaw();
        process.destroy();
        if (!waitForExit(grace)) {
            kill();
        }
    }

    /** SIGKILL, and waits until the kernel has reaped the process. */
    public void kill() {
        if (!process.isAlive()) {
            return;
        }
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(10));
    }

    /** SIGSTOP to the process and every descendant: it keeps its sockets but answers nothing. */
    public void freeze() {
        signalTree("STOP");
    }

    /** SIGCONT to the process and every descendant. */
    public void thaw() {
        signalTree("CONT");
    }

    /** The last {@code lines} lines of the log, for a failing test's output. */
    public String logTail(int lines) {
        return tail(logFile, lines);
    }

    /** Stops the process (SIGTERM, 10 s grace, then SIGKILL). Idempotent. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to; it will find the process gone.
        }
    }

    @Override
    public String toString() {
        return name + "(pid " + pid() + (isAlive() ? ")" : ", exited " + exitCode() + ")");
    }

    private void killQuietly() {
        if (process.isAlive()) {
            process.destroyForcibly();
            // A stopped process dies from SIGKILL too, but its descendants may be frozen.
            signalTree("CONT");
        }
    }

    private void signalTree(String signal) {
        if (!process.isAlive()) {
            return;
        }
        List<String> pids = new ArrayList<>();
        pids.add(Long.toString(process.pid()));
        pids.addAll(process.descendants().map(h -> Long.toString(h.pid())).collect(Collectors.toList()));
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        command.addAll(pids);
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send SIG" + signal + " to " + this, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last {@code lines} lines of {@code file}; a note instead when it is missing or unreadable. */
    public static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(no log at " + file + ")";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
