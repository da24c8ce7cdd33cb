package io.hapg.postgres.internal;

import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.process.Commands;
import io.hapg.process.OsUser;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs PostgreSQL's tools (initdb, pg_basebackup, pg_rewind, single-user postgres,
 * pg_controldata) as the OS user, each with a deadline. Output is appended to
 * {@code <runDir>/<tool>.log} (opened as the OS user; see {@link #start}); a failure's message holds
 * that run's tail. A tool past its deadline, or whose caller is interrupted, is SIGKILLed with its descendants before the call returns.
 */
public final class ToolRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ToolRunner.class);
    private static final int TAIL_LINES = 25;

    private final String member;
    private final OsUser user;
    private final Path runDir;
    private final Map<String, String> environment;

    public ToolRunner(String member, OsUser user, Path runDir, Path passFile) {
        this.member = member;
        this.user = user;
        this.runDir = runDir;
        Map<String, String> env = new HashMap<>();
        env.put("PGPASSFILE", passFile.toString());
        env.put("HOME", runDir.toString());
        env.put("PGAPPNAME", "hapg-" + member);
        this.environment = Map.copyOf(env);
    }

    /**
     * Runs {@code command} (a tool and its arguments) to completion.
     *
     * @return the output of this run
     * @throws DatabaseUnavailableException on a non-zero exit or timeout, with the output's tail
     */
    public String run(String tool, List<String> command, Duration timeout) {
        Path log = runDir.resolve(tool + ".log");
        long offset = append(log, "# " + Instant.now() + " " + String.join(" ", command) + "\n");
        long started = System.nanoTime();
        Process process = start(command, log);
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(process);
                throw new DatabaseUnavailableException(member + ": " + tool + " did not finish within " + timeout
                        + "; " + log + ":\n" + tail(log, offset));
            }
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
            throw new DatabaseUnavailableException(member + ": interrupted while running " + tool, e);
        }
        String output = readFrom(log, offset);
        if (process.exitValue() != 0) {
            throw new DatabaseUnavailableException(member + ": " + tool + " failed with exit code "
                    + process.exitValue() + "; " + log + ":\n" + tail(log, offset));
        }
        LOG.debug("{} - {} took {} ms", member, tool, (System.nanoTime() - started) / 1_000_000);
        return output;
    }

    /**
     * Runs a short read-only tool ({@code pg_controldata}) in the C locale and returns its result,
     * whatever the exit code.
     */
    public Commands.Result capture(List<String> command, Duration timeout) {
        List<String> wrapped = new ArrayList<>(List.of("env", "LC_ALL=C", "LANG=C"));
        wrapped.addAll(command);
        return Commands.run(user.wrap(wrapped), timeout);
    }

    /**
     * Starts a process as the OS user with this runner's environment, output appended to {@code log}.
     * The log is opened by a shell running as the OS user, not by this JVM: a root JVM opening it
     * would follow a symbolic link that account planted there and hand the process root's file.
     * The shell execs the command, so the process's PID is the command's own.
     */
    public Process start(List<String> command, Path log) {
        if (Files.exists(log, LinkOption.NOFOLLOW_LINKS)) {
            // The header this JVM appended (or an older hapg) created it as root; lchown, never a link's target.
            user.chown(log);
        }
        List<String> redirected = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" >>\"$0\" 2>&1",
                log.toString()));
        redirected.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(user.wrap(redirected))
                .redirectErrorStream(true)
                // Only what fails before the shell's redirection (setpriv, the shell) writes here.
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .directory(runDir.toFile());
        builder.environment().putAll(environment);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new DatabaseUnavailableException(member + ": cannot start " + String.join(" ", command), e);
        }
    }

    /** SIGKILLs {@code process} and every descendant, and waits (bounded) until it is reaped. */
    public static void killTree(Process process) {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Appends {@code text} to {@code file} (creating it) and returns the offset where it starts; a
     * symbolic link at {@code file} is refused ({@link NoFollowFiles}).
     */
    public static long append(Path file, String text) {
        return NoFollowFiles.append(file, text);
    }

    /** The last lines of {@code file} written after {@code offset}. */
    public static String tail(Path file, long offset) {
        String[] lines = readFrom(file, offset).split("\n");
        int from = Math.max(0, lines.length - TAIL_LINES);
        return String.join("\n", Arrays.copyOfRange(lines, from, lines.length));
    }

    /** Up to 1 MiB of {@code file} from {@code offset}; empty when unreadable or a symbolic link. */
    public static String readFrom(Path file, long offset) {
        try {
            return NoFollowFiles.readFrom(file, offset);
        } catch (UncheckedIOException e) {
            return "";
        }
    }
}
