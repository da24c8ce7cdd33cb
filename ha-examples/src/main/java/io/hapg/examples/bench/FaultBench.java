package io.hapg.examples.bench;

import io.hapg.examples.cluster.Fault;
import io.hapg.examples.cluster.Stopper;
import io.hapg.examples.storefront.Storefront;
import io.hapg.testkit.Pids;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * The fault scenarios, each on a converged cluster with the storefront's writers committing
 * through {@code PrimaryDataSource}: the fault at t0, then the first commit that ends the longest
 * write gap (and, where a new primary is expected, the first 200 from another node's
 * {@code /primary}, polled every 20 ms), then the heal. A scenario that does not converge before
 * it or recover within its bound is recorded as failed samples with the reason, never a hang.
 */
final class FaultBench {
    static final String FIRST_COMMIT = "-> first commit (s)";
    static final String WRITE_GAP = "longest write pause (s)";
    static final String NEW_PRIMARY = "-> new primary's /primary 200 (s)";
    static final String FAILED = "failed requests";
    /** The scenarios in the order they run, with the fault each applies. */
    static final List<Fault> FAULTS = List.of(Fault.KILL_PRIMARY_NODE, Fault.KILL_PRIMARY_POSTGRES,
            Fault.SIGTERM_PRIMARY_AGENT, Fault.SWITCHOVER);
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    private static final Duration FLOWING = Duration.ofSeconds(30);
    private static final Duration STEADY = Duration.ofSeconds(3);
    private static final long POLL_NANOS = 20_000_000L;

    /**
     * Commit times of one fault, for the plots.
     *
     * @param label      scenario and repetition
     * @param system     hapg or patroni
     * @param faultNanos the fault's moment (System.nanoTime)
     * @param commits    acknowledged commits from a little before the fault to a little after recovery
     */
    record Timeline(String label, String system, long faultNanos, long[] commits) {
    }

    private final LocalCluster cluster;
    private final Storefront shop;
    private final String system;
    private final boolean synchronous;
    private final Duration recoveryBound;
    private final BenchReport report;
    private final Stopper stopper;
    private final PrintStream out;
    private final List<Timeline> timelines = new ArrayList<>();

    /** A bench whose scenarios run with {@code synchronous_mode} {@code synchronous} (the caller sets it). */
    FaultBench(LocalCluster cluster, Storefront shop, String system, int ttl, boolean synchronous, BenchReport report,
               Stopper stopper, PrintStream out) {
        this.cluster = cluster;
        this.shop = shop;
        this.system = system;
        this.synchronous = synchronous;
        // A lease expiry, a loop, a promotion and the pool's reconnects, with room for a noisy machine.
        this.recoveryBound = Duration.ofSeconds(3L * ttl + 30);
        this.report = report;
        this.stopper = stopper;
        this.out = out;
    }

    List<Timeline> timelines() {
        return List.copyOf(timelines);
    }

    /** Runs {@code fault} once as repetition {@code rep}; records its samples. */
    void run(Fault fault, int rep) {
        String scenario = scenario(fault, synchronous);
        List<String> metrics = metrics(fault);
        ClusterNode primary;
        try {
            primary = cluster.awaitConverged(CONVERGE);
            if (synchronous) {
                // Else the crash would meet a primary that waits for no one: an asynchronous sample.
                cluster.awaitSyncStandby(CONVERGE);
            }
            cluster.nodes().forEach(stopper::remember);
            awaitCommitAfter(System.nanoTime(), FLOWING);
            LockSupport.parkNanos(STEADY.toNanos());
        } catch (RuntimeException e) {
            metrics.forEach(m -> report.add(Sample.failed(scenario, system, rep, m, "not converged before: "
                    + e.getMessage())));
            out.println("  " + system + " " + scenario + " #" + rep + ": skipped, " + e.getMessage());
            return;
        }
        Storefront.Counts before = shop.counts();
        AtomicLong newPrimaryAt = new AtomicLong();
        Thread watcher = new Thread(() -> watchPrimary(primary, newPrimaryAt), "bench-primary-watch");
        watcher.setDaemon(true);
        long t0 = System.nanoTime();
        watcher.start();
        Fault.Applied applied;
        try {
            applied = inject(fault, primary, rep);
            measure(fault, rep, primary, t0, before, newPrimaryAt);
        } catch (RuntimeException e) {
            metrics.forEach(m -> report.add(Sample.failed(scenario, system, rep, m, e.getMessage())));
            out.println("  " + system + " " + scenario + " #" + rep + ": failed, " + e.getMessage());
            return;
        } finally {
            watcher.interrupt();
        }
        try {
            applied.heal().run();
        } catch (RuntimeException e) {
            out.println("  " + system + " " + scenario + " #" + rep + ": heal failed, " + e.getMessage());
        }
    }

    /**
     * The fault, with both kills by the PID in {@code postmaster.pid}: Patroni starts PostgreSQL
     * detached (a short-lived parent, so the postmaster is no descendant of the agent and survives
     * it), and the test kit's kills only reach descendants. One {@code kill -9} for the agent, the
     * postmaster and their children, so neither sees the other die first.
     */
    private Fault.Applied inject(Fault fault, ClusterNode primary, int rep) {
        if (fault != Fault.KILL_PRIMARY_NODE && fault != Fault.KILL_PRIMARY_POSTGRES) {
            return fault.apply(cluster, primary, new Random(rep));
        }
        long postmaster = Pids.postmasterPidFile(primary.dataDir()).orElseThrow(() -> new IllegalStateException(
                primary.name() + ": no postmaster.pid in " + primary.dataDir()));
        List<Long> victims = new ArrayList<>(List.of(postmaster));
        victims.addAll(Pids.descendants(postmaster));
        if (fault == Fault.KILL_PRIMARY_POSTGRES) {
            Pids.killAll(victims);
            return new Fault.Applied(primary.name(), () -> { });
        }
        long agent = primary.agentPid().orElseThrow(() -> new IllegalStateException(primary.name()
                + ": the agent does not run"));
        Pids.signal(agent, "STOP"); // frozen first, as the test kit's own kill -9 of a node: it cannot react
        victims.add(agent);
        victims.addAll(Pids.descendants(agent));
        Pids.killAll(victims.stream().distinct().collect(Collectors.toList()));
        primary.killNode(); // the test kit's own bookkeeping: waits for the agent's exit
        return new Fault.Applied(primary.name(), primary::startAgent);
    }

    private void measure(Fault fault, int rep, ClusterNode primary, long t0, Storefront.Counts before,
                         AtomicLong newPrimaryAt) {
        String scenario = scenario(fault, synchronous);
        // After this moment a commit can only come from a recovered primary.
        long signal = switch (fault) {
            case SIGTERM_PRIMARY_AGENT -> {
                primary.awaitAgentExit(recoveryBound);
                yield System.nanoTime();
            }
            default -> System.nanoTime();
        };
        long recovered = awaitCommitAfter(signal, recoveryBound);
        long[] commits = shop.orderTimesSince(t0 - 2_000_000_000L);
        long[] gap = longestGap(commits, t0, recovered);
        Storefront.Counts delta = shop.counts().since(before);
        long failed = delta.failed() + delta.unknown();
        if (metrics(fault).contains(NEW_PRIMARY)) {
            awaitNonZero(newPrimaryAt, recoveryBound);
        }
        for (String m : metrics(fault)) {
            report.add(switch (m) {
                case FIRST_COMMIT -> Sample.of(scenario, system, rep, m, (gap[1] - t0) / 1e9);
                case WRITE_GAP -> Sample.of(scenario, system, rep, m, (gap[1] - gap[0]) / 1e9);
                case FAILED -> Sample.of(scenario, system, rep, m, failed);
                default -> newPrimaryAt.get() == 0 ? Sample.failed(scenario, system, rep, m,
                        "no other node answered /primary 200 within " + recoveryBound.toSeconds() + " s")
                        : Sample.of(scenario, system, rep, m, (newPrimaryAt.get() - t0) / 1e9);
            });
        }
        LockSupport.parkNanos(2_000_000_000L);
        timelines.add(new Timeline(scenario + " #" + rep, system, t0, shop.orderTimesSince(t0 - 2_000_000_000L)));
        out.printf(Locale.ROOT, "  %s %s #%d: first commit after %.2f s, longest pause %.2f s, %d failed%s%n", system,
                scenario, rep, (gap[1] - t0) / 1e9, (gap[1] - gap[0]) / 1e9, failed,
                newPrimaryAt.get() == 0 ? "" : String.format(Locale.ROOT, ", new /primary 200 after %.2f s",
                        (newPrimaryAt.get() - t0) / 1e9));
        out.flush();
    }

    /**
     * The longest interval without a commit between {@code from} and {@code to} (both System.nanoTime),
     * as {start, end}: the end is the first commit after the pause.
     */
    static long[] longestGap(long[] sortedCommits, long from, long to) {
        long previous = from;
        long[] longest = {from, from};
        for (long t : sortedCommits) {
            if (t < from) {
                continue;
            }
            if (t > to) {
                break;
            }
            if (t - previous > longest[1] - longest[0]) {
                longest = new long[] {previous, t};
            }
            previous = t;
        }
        return longest;
    }

    /** Time of the first commit at or after {@code from}. */
    private long awaitCommitAfter(long from, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            java.util.OptionalLong first = shop.firstOrderAfter(from);
            if (first.isPresent()) {
                return first.getAsLong();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no commit within " + bound.toSeconds() + " s (last error: "
                        + shop.counts().lastError() + ")");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private static void awaitNonZero(AtomicLong value, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (value.get() == 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Polls every other node's {@code /primary} until one answers 200; records when. */
    private void watchPrimary(ClusterNode old, AtomicLong at) {
        while (!Thread.currentThread().isInterrupted()) {
            for (ClusterNode n : cluster.nodes()) {
                if (n != old && n.status("/primary") == 200) {
                    at.compareAndSet(0, System.nanoTime());
                    return;
                }
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /**
     * How {@code fault}'s rows are named. The PostgreSQL-only crash names the mode: a run measures it
     * in both (see {@link SystemRun}).
     */
    static String scenario(Fault fault, boolean synchronous) {
        return switch (fault) {
            case KILL_PRIMARY_NODE -> "kill -9 primary node (agent + postmaster)";
            case KILL_PRIMARY_POSTGRES -> "kill -9 primary postmaster, " + (synchronous ? "sync" : "async");
            case SIGTERM_PRIMARY_AGENT -> "SIGTERM primary agent";
            case SWITCHOVER -> "planned switchover (POST /switchover)";
            default -> fault.label();
        };
    }

    static List<String> metrics(Fault fault) {
        return switch (fault) {
            case KILL_PRIMARY_NODE, SIGTERM_PRIMARY_AGENT -> List.of(FIRST_COMMIT, NEW_PRIMARY, WRITE_GAP, FAILED);
            case SWITCHOVER -> List.of(FAILED, WRITE_GAP, NEW_PRIMARY);
            default -> List.of(FIRST_COMMIT, WRITE_GAP, FAILED);
        };
    }
}
