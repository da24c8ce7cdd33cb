package io.hapg.testkit;

import io.hapg.core.process.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** Signals by PID, and SIGKILL of a process together with all its descendants. */
final class ProcessTree {
    private ProcessTree() {
    }

    /** Sends {@code signal} (e.g. {@code INT}) to the one process {@code pid}. */
    static void signal(long pid, String signal) {
        Commands.Result result = Commands.run(List.of("kill", "-" + signal, Long.toString(pid)));
        if (result.exitCode() != 0 && isAlive(pid)) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + result.output().trim());
        }
    }

    /**
     * SIGKILLs {@code root} and every descendant, and waits (up to 10 s) until none runs. The root is
     * stopped first so it cannot fork a child that would escape the kill as an orphan.
     */
    static void killAll(ManagedProcess root) {
        if (!root.isAlive()) {
            return;
        }
        root.freeze();
        List<ProcessHandle> descendants = ProcessHandle.of(root.pid())
                .map(h -> h.descendants().collect(Collectors.toList())).orElse(List.of());
        root.kill();
        descendants.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (ProcessHandle child : descendants) {
            while (isAlive(child.pid()) && System.nanoTime() < deadline) {
                Commands.pause(20);
            }
        }
    }

    /**
     * Whether {@code pid} runs. A zombie counts as dead: orphans are reparented to a PID 1 that
     * may never reap them, and a zombie holds no memory, sockets or shared memory.
     */
    static boolean isAlive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            // "pid (comm) S ...": the command may contain spaces and parentheses, the state follows the last ')'.
            String afterComm = stat.substring(stat.lastIndexOf(')') + 1).trim();
            return !afterComm.startsWith("Z") && !afterComm.startsWith("X");
        } catch (IOException e) {
            return false;
        }
    }
}
