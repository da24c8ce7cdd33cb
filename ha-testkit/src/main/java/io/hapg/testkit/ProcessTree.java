package io.hapg.testkit;

import io.hapg.process.Commands;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** SIGKILL of a started process together with all its descendants. */
final class ProcessTree {
    private ProcessTree() {
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
            while (Pids.isAlive(child.pid()) && System.nanoTime() < deadline) {
                Commands.pause(20);
            }
        }
    }
}
