package io.hapg.testkit;

import io.hapg.process.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;

/** Signals and liveness by PID only; never by process name. For tests and tools that stop what they started. */
public final class Pids {
    private Pids() {
    }

    /** Sends {@code SIG<signal>} to one PID; a PID already gone is not an error. */
    public static void signal(long pid, String signal) {
        Commands.Result r = Commands.run(List.of("kill", "-" + signal, Long.toString(pid)));
        if (!r.succeeded() && isAlive(pid)) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + r.output().trim());
        }
    }

    /** SIGKILLs every PID in {@code pids} and waits (up to 10 s) until none runs. */
    public static void killAll(List<Long> pids) {
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (long pid : pids) {
            while (isAlive(pid) && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            }
        }
    }

    /** The descendants of {@code pid}, children first. */
    public static List<Long> descendants(long pid) {
        return ProcessHandle.of(pid).map(h -> h.descendants().map(ProcessHandle::pid).toList()).orElse(List.of());
    }

    /**
     * Whether {@code pid} runs. A zombie counts as dead: an orphaned postmaster is reparented to a
     * PID 1 that may never reap it (STACK.md §6).
     */
    public static boolean isAlive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            String state = stat.substring(stat.lastIndexOf(')') + 1).trim();
            return !state.startsWith("Z") && !state.startsWith("X");
        } catch (IOException e) {
            return false;
        }
    }

    /** The PID on the first line of {@code dataDir/postmaster.pid}, if the file is there. */
    public static OptionalLong postmasterPidFile(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            return lines.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The process's command line as {@code ps} shows it ({@code /proc/<pid>/cmdline}, NULs as
     * spaces): for PostgreSQL its process title, e.g. {@code postgres: walsender replicator ...};
     * empty when the process is gone.
     */
    public static String commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }
}
