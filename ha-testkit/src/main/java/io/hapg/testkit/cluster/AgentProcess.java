package io.hapg.testkit.cluster;

import io.hapg.testkit.ManagedProcess;
import io.hapg.testkit.Pids;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One node's agent JVM ({@code <main class> agent nK.yml}) and the PostgreSQL it runs:
 * start, SIGTERM, kill -9 of the whole node, kill -9 of the postmaster alone, freeze. The
 * postmaster is the PID in {@code postmaster.pid} that is a descendant of the agent.
 */
final class AgentProcess {
    private final String name;
    private List<String> command;
    private final Path log;
    private final Path workDir;
    private final Path dataDir;
    private ManagedProcess process;

    AgentProcess(String name, List<String> command, Path log, Path workDir, Path dataDir) {
        this.name = name;
        this.command = List.copyOf(command);
        this.log = log;
        this.workDir = workDir;
        this.dataDir = dataDir;
    }

    synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + ": the agent already runs (pid " + process.pid() + ")");
        }
        process = ManagedProcess.start("agent-" + name, command, log, Map.of(), workDir);
    }

    /** The command the next {@link #start()} runs (the node's process is stopped). */
    synchronized void command(List<String> next) {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + ": stop the agent (pid " + process.pid() + ") before relaunching");
        }
        command = List.copyOf(next);
    }

    Path log() {
        return log;
    }

    synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    synchronized OptionalLong pid() {
        return process != null && process.isAlive() ? OptionalLong.of(process.pid()) : OptionalLong.empty();
    }

    synchronized List<ManagedProcess> processes() {
        return process == null ? List.of() : List.of(process);
    }

    /** The postmaster this agent runs: the PID of {@code postmaster.pid} if it descends from the agent. */
    synchronized OptionalLong postmasterPid() {
        OptionalLong fromFile = Pids.postmasterPidFile(dataDir);
        if (process == null || !process.isAlive() || fromFile.isEmpty()) {
            return OptionalLong.empty();
        }
        long pid = fromFile.getAsLong();
        return Pids.descendants(process.pid()).contains(pid) && Pids.isAlive(pid) ? fromFile : OptionalLong.empty();
    }

    /** kill -9 of the node: the agent JVM, frozen first so it cannot react, then everything it started. */
    synchronized void killNode() {
        if (process == null || !process.isAlive()) {
            return;
        }
        Pids.signal(process.pid(), "STOP");
        List<Long> all = new ArrayList<>();
        all.add(process.pid());
        all.addAll(Pids.descendants(process.pid()));
        Pids.killAll(all);
        process.waitForExit(Duration.ofSeconds(10));
    }

    /** kill -9 of the agent JVM alone: what it started (PostgreSQL) keeps running, orphaned. */
    synchronized void killAgentOnly() {
        if (process == null || !process.isAlive()) {
            return;
        }
        Pids.killAll(List.of(process.pid()));
        process.waitForExit(Duration.ofSeconds(10));
    }

    /** kill -9 of the postmaster and its children, the agent left running. */
    synchronized long killPostgres() {
        long pid = postmasterPid().orElseThrow(() -> new IllegalStateException(name + ": no postmaster runs"));
        List<Long> all = new ArrayList<>();
        all.add(pid);
        all.addAll(Pids.descendants(pid));
        Pids.killAll(all);
        return pid;
    }

    /** SIGTERM to the agent, without waiting. */
    synchronized void terminate() {
        if (process != null && process.isAlive()) {
            Pids.signal(process.pid(), "TERM");
        }
    }

    /** Waits until the agent exited; true if it did within {@code timeout}. */
    boolean awaitExit(Duration timeout) {
        ManagedProcess p;
        synchronized (this) {
            p = process;
        }
        return p == null || p.waitForExit(timeout);
    }

    /** SIGSTOP (true) or SIGCONT (false) to the agent JVM only; its PostgreSQL keeps running. */
    synchronized void freeze(boolean frozen) {
        if (process != null && process.isAlive()) {
            Pids.signal(process.pid(), frozen ? "STOP" : "CONT");
        }
    }
}
