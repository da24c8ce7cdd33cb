package io.hapg.testkit;

import io.hapg.process.Commands;
import io.hapg.process.OsUser;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The postgres server process of one data directory: start, signal, kill, freeze. */
final class Postmaster {
    private final String name;
    private final PgBinaries binaries;
    private final OsUser user;
    private final Path dataDir;
    private final Path baseDir;
    private volatile ManagedProcess process;

    Postmaster(String name, PgBinaries binaries, OsUser user, Path dataDir, Path baseDir) {
        this.name = name;
        this.binaries = binaries;
        this.user = user;
        this.dataDir = dataDir;
        this.baseDir = baseDir;
    }

    /**
     * Runs {@code postgres -D dataDir} as a direct child and waits until {@code jdbcUrl} answers.
     *
     * @return true when ready; false when postgres exited because its port was in use
     * @throws IllegalStateException when it exits for another reason, or is not ready within
     *     {@code timeout} (it is then killed); the message holds the log tail
     */
    boolean start(String jdbcUrl, Duration timeout) {
        Path log = baseDir.resolve("postgres.log");
        long logOffset = size(log);
        ManagedProcess started = ManagedProcess.start(name + "-postgres",
                user.wrap(List.of(binaries.tool("postgres").toString(), "-D", dataDir.toString())), log, Map.of(),
                baseDir);
        process = started;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (started.isAlive() && System.nanoTime() < deadline) {
            if (PgJdbc.canConnect(jdbcUrl)) {
                return true;
            }
            Commands.pause(50);
        }
        if (started.isAlive()) {
            kill();
            throw new IllegalStateException(name + " did not accept connections at " + jdbcUrl + " within " + timeout
                    + "; log " + log + " tail:\n" + started.logTail(40));
        }
        started.close();
        if (readFrom(log, logOffset).contains("Address already in use")) {
            return false;
        }
        throw new IllegalStateException(name + " exited during startup with code " + started.exitCode() + "; log "
                + log + " tail:\n" + started.logTail(40));
    }

    /** Thaws, sends {@code signal}, waits {@code timeout}, then kills the tree. No-op when not running. */
    void stop(String signal, Duration timeout) {
        ManagedProcess running = process;
        if (running == null || !running.isAlive()) {
            return;
        }
        running.thaw();
        Pids.signal(running.pid(), signal);
        if (!running.waitForExit(timeout)) {
            ProcessTree.killAll(running);
        }
        running.close();
    }

    /** SIGKILLs the postmaster and all its descendants. No-op when not running. */
    void kill() {
        ManagedProcess running = process;
        if (running != null) {
            ProcessTree.killAll(running);
            running.close();
        }
    }

    boolean isRunning() {
        ManagedProcess running = process;
        return running != null && running.isAlive();
    }

    /** The latest postmaster process, alive or not. */
    Optional<ManagedProcess> process() {
        return Optional.ofNullable(process);
    }

    /** @throws IllegalStateException naming the instance (and the log tail) when not running */
    ManagedProcess requireRunning() {
        ManagedProcess running = process;
        if (running == null || !running.isAlive()) {
            throw new IllegalStateException(name + " is not running"
                    + (running == null ? "" : "; log tail:\n" + running.logTail(20)));
        }
        return running;
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String readFrom(Path file, long offset) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            in.seek(Math.min(offset, in.length()));
            byte[] bytes = new byte[(int) Math.min(in.length() - in.getFilePointer(), 1 << 20)];
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
