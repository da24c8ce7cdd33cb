package io.hapg.examples.soak;

import io.hapg.examples.cluster.Fault;
import io.hapg.examples.cluster.Stopper;
import io.hapg.testkit.WriteHistory;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The soak's loop on a running cluster: for each fault, a fresh {@link WriteHistory} on the
 * converged cluster, the fault, its heal, convergence, and the invariant checks on the history.
 * Stops at the first violation.
 */
final class Soak {
    static final int TTL = 8;
    static final int LOOP_WAIT = 1;
    static final int RETRY_TIMEOUT = 2;
    /** How long a held fault stays: the lease (ttl) must expire, plus 5 s for the takeover. */
    static final Duration HOLD = Duration.ofSeconds(TTL + 5);
    /**
     * Convergence bound after a heal (issue #12's invariant): 2 x ttl for a lease to expire and a
     * race to be won. A fault whose cluster converged later fails.
     */
    static final Duration CONVERGE_BOUND = Duration.ofSeconds(2L * TTL);
    /**
     * How long convergence is awaited, beyond {@link #CONVERGE_BOUND}, so that a late one is
     * measured and reported rather than cut off: a node restart (agent JVM start, PostgreSQL start,
     * pg_rewind or a new base backup) on a machine shared by three agents, three etcd members and
     * the writers.
     */
    static final Duration CONVERGE = Duration.ofSeconds(2L * TTL + 60);
    /**
     * Pause after a heal before convergence is awaited: a crash or a switchover just done may not
     * show in the REST answers and WAL receivers yet; every agent has run two loops after it.
     */
    static final Duration SETTLE = Duration.ofSeconds(2L * LOOP_WAIT + 1);
    private static final Duration FIRST_COMMIT = Duration.ofSeconds(20);
    private static final int MIN_INTERVAL_SECONDS = 20;
    private static final int MAX_INTERVAL_SECONDS = 40;

    private final LocalCluster cluster;
    private final boolean synchronous;
    private final Random random;
    private final PrintStream out;
    private final Stopper stopper;
    private final SoakReport report = new SoakReport();
    private volatile WriteHistory writes;
    /** When the last fault was applied (System.nanoTime). */
    private long faultStart;

    Soak(LocalCluster cluster, boolean synchronous, long seed, PrintStream out, Stopper stopper) {
        this.cluster = cluster;
        this.stopper = stopper;
        this.synchronous = synchronous;
        this.random = new Random(seed);
        this.out = out;
    }

    SoakReport report() {
        return report;
    }

    /**
     * Runs faults until {@code maxFaults} ran, {@code budget} passed (no fault starts after it), {@code stop}
     * says so, or a fault failed. A fault starts about every 30 s (20..40 s, drawn from the seed),
     * or as soon as the previous one's checks are done when it took longer.
     */
    void run(int maxFaults, Duration budget, BooleanSupplier stop) {
        Fault[] kinds = Fault.values();
        long nextStart = System.nanoTime();
        long deadline = nextStart + budget.toNanos();
        for (int number = 1; number <= maxFaults && System.nanoTime() - deadline < 0 && !stop.getAsBoolean();
             number++) {
            Fault fault = kinds[random.nextInt(kinds.length)];
            long interval = Duration.ofSeconds(MIN_INTERVAL_SECONDS
                    + random.nextInt(MAX_INTERVAL_SECONDS - MIN_INTERVAL_SECONDS + 1)).toNanos();
            SoakReport.Row row = runFault(number, fault, nextStart);
            report.add(row);
            out.println(row.line());
            out.flush();
            if (!row.passed()) {
                return;
            }
            nextStart = faultStart + interval;
        }
    }

    /** Stops the current writers, if any (the Ctrl-C hook). */
    void stopWrites() {
        WriteHistory w = writes;
        if (w != null) {
            w.close();
        }
    }

    private SoakReport.Row runFault(int number, Fault fault, long notBefore) {
        long start = System.nanoTime();
        faultStart = start;
        String target = "?";
        String primaries = "?";
        Instant t0 = Instant.now();
        long converged = -1;
        WriteHistory history = null;
        try {
            ClusterNode primary = cluster.awaitConverged(CONVERGE);
            if (synchronous) {
                awaitSyncStandby();
            }
            history = startWrites(primary);
            LockSupport.parkNanos(notBefore - System.nanoTime());
            start = System.nanoTime();
            faultStart = start;
            t0 = Instant.now();
            target = inject(fault, primary);
            long healed = System.nanoTime();
            LockSupport.parkNanos(SETTLE.toNanos());
            ClusterNode after = cluster.awaitConverged(CONVERGE);
            converged = (System.nanoTime() - healed) / 1_000_000;
            String late = converged > CONVERGE_BOUND.toMillis() ? String.format("converged %.1f s after the heal,"
                    + " over 2 x ttl = %d s", converged / 1000.0, CONVERGE_BOUND.toSeconds()) : "";
            primaries = primary.name() + "->" + after.name();
            cluster.nodes().forEach(stopper::remember); // restarts bring new PIDs to stop on exit
            history.awaitAcknowledged(n -> n.equals(after.name()), Instant.now(), FIRST_COMMIT);
            history.stop();
            long lost = synchronous ? lost(history) : -1;
            return row(number, fault, target, primaries, history, t0, lost, converged, start, late);
        } catch (RuntimeException | AssertionError e) {
            if (history != null) {
                history.stop();
            }
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            if (message.contains("\n")) {
                out.println(message.indent(2).stripTrailing());
            }
            String problem = message.lines().findFirst().orElse(message);
            return history == null
                    ? new SoakReport.Row(number, fault, target, primaries, -1, 0, 0, 0, -1, converged,
                    (System.nanoTime() - start) / 1_000_000, problem)
                    : row(number, fault, target, primaries, history, t0, -1, converged, start, problem);
        } finally {
            stopWrites(); // also a history whose first commit never came
            writes = null;
        }
    }

    /** Applies the fault, keeps it for {@link #HOLD} if it is held, heals it; returns whom it hit. */
    private String inject(Fault fault, ClusterNode primary) {
        Fault.Applied applied = fault.apply(cluster, primary, random);
        try {
            if (fault.held()) {
                LockSupport.parkNanos(HOLD.toNanos());
            }
        } finally {
            applied.heal().run();
        }
        return applied.target();
    }

    private SoakReport.Row row(int number, Fault fault, String target, String primaries, WriteHistory history,
                               Instant t0, long lost, long converged, long start, String problem) {
        List<WriteHistory.Commit> commits = history.acknowledged();
        List<String> overlaps = history.overlappingPrimaries(WriteHistory.DEFAULT_TOLERANCE);
        overlaps.forEach(o -> out.println("  split brain: " + o));
        return new SoakReport.Row(number, fault, target, primaries, SoakReport.writeGapMillis(commits, t0),
                history.failures(), history.localOnly(), overlaps.size(), lost, converged,
                (System.nanoTime() - start) / 1_000_000, problem);
    }

    /** Sync mode: acknowledged commits missing on the primary, once PostgreSQL shows every replica streaming from it. */
    private long lost(WriteHistory history) {
        String agreed = history.awaitConverged(Duration.ofSeconds(30));
        Set<Long> lost = history.lostAcknowledgedCommits();
        if (!lost.isEmpty()) {
            out.println("  lost: " + lost.size() + " acknowledged commits not on " + agreed + ": "
                    + lost.stream().limit(20).toList());
        }
        return lost.size();
    }

    /** A fresh history (2 writers that follow the primary, one per node, 5 s query timeout), committing. */
    private WriteHistory startWrites(ClusterNode primary) {
        WriteHistory w = WriteHistory.builder(cluster.jdbcUrls())
                .credentials(cluster.superuser().username(), cluster.superuser().password())
                .writers(2).writerPerNode().interval(Duration.ofMillis(5)).queryTimeout(Duration.ofSeconds(5))
                .start();
        writes = w;
        w.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), FIRST_COMMIT);
        return w;
    }

    /** Sync mode: waits until a replica answers 200 on /sync (a streaming synchronous standby). */
    private void awaitSyncStandby() {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (cluster.nodes().stream().noneMatch(n -> n.status("/sync") == 200)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no synchronous standby (/sync 200) within " + CONVERGE);
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }
}
