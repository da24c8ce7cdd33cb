package io.hapg.postgres.internal;

import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.process.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The postmaster of one data directory, addressed by PID only (never by name).
 *
 * <p>A postmaster this object starts is a direct child of the JVM ({@code postgres -D ...}, never
 * daemonized by {@code pg_ctl}), so the JVM reaps it and its death is seen at once. One left
 * running by a previous agent is found through {@code postmaster.pid} and judged alive from
 * {@code /proc} (a zombie counts as dead).
 *
 * <p>Thread-safe. {@link #stop} may run while another thread starts the server: every stop bumps
 * an epoch, and a {@link #launch} that began before the stop refuses to start the process, so a
 * fencing stop cannot be undone by a start that was already in flight.
 */
public final class Postmaster {
    private static final Logger LOG = LoggerFactory.getLogger(Postmaster.class);

    private final String member;
    private final Path dataDir;
    private final Path configFile;
    private final Path log;
    private final String processName;
    private final AtomicLong stopEpoch = new AtomicLong();
    private Process child;

    /**
     * @param configFile  the {@code postgresql.conf} to start with, in the data directory or elsewhere
     * @param processName the postmaster's {@code /proc/<pid>/comm} when started under a custom
     *     name ({@link PgBinaries#postgresProcessName()}); {@code postgres} is accepted too (a
     *     wrapper script that execs the server)
     */
    public Postmaster(String member, Path dataDir, Path configFile, Path log, String processName) {
        this.member = member;
        this.dataDir = dataDir;
        this.configFile = configFile;
        this.log = log;
        this.processName = processName;
    }

    /** The current stop epoch; pass it to {@link #launch} to detect a stop in between. */
    public long epoch() {
        return stopEpoch.get();
    }

    /**
     * Starts {@code postgres -D dataDir --config-file=configFile} (as Patroni) through {@code tools}
     * unless a stop was requested since
     * {@code epoch} was read.
     *
     * @return the log offset where this run's output starts
     * @throws DatabaseUnavailableException when a stop intervened or a postmaster already runs
     */
    public synchronized long launch(ToolRunner tools, String postgresBinary, long epoch) {
        if (stopEpoch.get() != epoch) {
            throw new DatabaseUnavailableException(member + ": not starting PostgreSQL, a stop was requested");
        }
        if (pid().isPresent()) {
            throw new DatabaseUnavailableException(member + ": PostgreSQL already runs (pid " + pid().getAsLong() + ")");
        }
        long offset = ToolRunner.append(log, "# " + Instant.now() + " hapg starts postgres\n");
        child = tools.start(List.of(postgresBinary, "-D", dataDir.toString(), "--config-file=" + configFile), log);
        LOG.info("{} - started postgres, pid {}", member, child.pid());
        return offset;
    }

    /** The postmaster's PID: the child we started if alive, else a live one named in postmaster.pid. */
    public OptionalLong pid() {
        Process ours;
        synchronized (this) {
            ours = child;
        }
        if (ours != null && ours.isAlive()) {
            return OptionalLong.of(ours.pid());
        }
        return fromPidFile();
    }

    public boolean isRunning() {
        return pid().isPresent();
    }

    public Path logFile() {
        return log;
    }

    /**
     * Stops the postmaster per {@code mode} (SIGTERM, SIGINT, SIGQUIT) and waits up to {@code timeout};
     * then, or at once for {@link StopMode#KILL}, SIGKILLs it and every descendant. Returns once none
     * of them runs. A no-op when nothing runs.
     *
     * @param fence true for a stop asked from outside: it also cancels every start that was asked
     *              before it; false for the stop an operation makes before its own restart
     */
    public void stop(StopMode mode, Duration timeout, boolean fence) {
        if (fence) {
            stopEpoch.incrementAndGet();
        }
        OptionalLong found;
        synchronized (this) {
            found = pid();
        }
        if (found.isEmpty()) {
            return;
        }
        long pid = found.getAsLong();
        if (mode != StopMode.KILL) {
            // A frozen postmaster cannot act on the shutdown signal: CONT too. One process for
            // both, as a switchover waits on this stop and a spawn costs ~100 ms on a busy host.
            Commands.run(List.of("sh", "-c", "kill -CONT \"$1\"; kill -" + signalFor(mode) + " \"$1\"", "sh",
                    Long.toString(pid)), Duration.ofSeconds(5));
            if (awaitExit(pid, timeout)) {
                LOG.info("{} - postgres (pid {}) stopped ({})", member, pid, mode);
                return;
            }
            LOG.warn("{} - postgres (pid {}) did not stop ({}) within {}; killing it", member, pid, mode, timeout);
        }
        killTree(pid);
        LOG.info("{} - postgres (pid {}) and its children killed", member, pid);
    }

    /** Waits up to {@code timeout} for {@code pid} to exit; true when it did. */
    public boolean awaitExit(long pid, Duration timeout) {
        Process ours;
        synchronized (this) {
            ours = child;
        }
        try {
            if (ours != null && ours.pid() == pid) {
                return ours.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (isAlive(pid)) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(20);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !isAlive(pid);
        }
    }

    private void killTree(long pid) {
        signal(pid, "STOP"); // so that it forks no child we would miss
        List<ProcessHandle> descendants = ProcessHandle.of(pid)
                .map(h -> h.descendants().collect(Collectors.toList())).orElse(List.of());
        List<Long> all = new ArrayList<>();
        all.add(pid);
        descendants.forEach(h -> all.add(h.pid()));
        for (long p : all) {
            ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (long p : all) {
            if (!awaitExit(p, Duration.ofSeconds(10))) {
                throw new DatabaseUnavailableException(member + ": pid " + p + " survived SIGKILL for 10 s");
            }
        }
    }

    private OptionalLong fromPidFile() {
        try {
            // Bounded, and no link followed: the PostgreSQL OS user can write there.
            List<String> lines = List.of(NoFollowFiles.readFrom(dataDir.resolve("postmaster.pid"), 0).split("\n"));
            if (lines.size() < 2 || !Path.of(lines.get(1).strip()).equals(dataDir)) {
                return OptionalLong.empty();
            }
            long pid = Long.parseLong(lines.get(0).strip());
            String comm = comm(pid);
            return isAlive(pid) && ("postgres".equals(comm) || processName.equals(comm)) ? OptionalLong.of(pid)
                    : OptionalLong.empty();
        } catch (UncheckedIOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static String signalFor(StopMode mode) {
        switch (mode) {
            case SMART:
                return "TERM";
            case FAST:
                return "INT";
            case IMMEDIATE:
                return "QUIT";
            default:
                return "KILL";
        }
    }

    private static void signal(long pid, String signal) {
        Commands.run(List.of("kill", "-" + signal, Long.toString(pid)), Duration.ofSeconds(5));
    }

    /** Alive unless gone or a zombie: PID 1 may never reap an orphaned postmaster. */
    static boolean isAlive(long pid) {
        String stat = stat(pid);
        if (stat.isEmpty()) {
            return false;
        }
        String afterComm = stat.substring(stat.lastIndexOf(')') + 1).strip();
        return !afterComm.startsWith("Z") && !afterComm.startsWith("X");
    }

    private static String comm(long pid) {
        String stat = stat(pid);
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        return open < 0 || close < open ? "" : stat.substring(open + 1, close);
    }

    private static String stat(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
