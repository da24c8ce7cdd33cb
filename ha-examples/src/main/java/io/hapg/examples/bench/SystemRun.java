package io.hapg.examples.bench;

import io.hapg.examples.cluster.Fault;
import io.hapg.examples.cluster.Stopper;
import io.hapg.examples.storefront.Storefront;
import io.hapg.examples.storefront.ShopPools;
import io.hapg.testkit.Pids;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.PrintStream;
import java.net.URI;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Every scenario on one system's cluster: the fault scenarios under the storefront's writes
 * (through {@code PrimaryDataSource} on the storefront's {@link ShopPools}, identical for both
 * systems: a locator on the etcd keys, which Patroni writes in the same layout), the
 * PostgreSQL-only crash once more in the other {@code synchronous_mode}; then, the storefront
 * closed, {@value PoolRetarget#POOLS} pools through a switchover ({@link PoolRetarget}, on each
 * system's own locator), {@code GET /primary} under load with no client left, and the agents'
 * idle cost.
 */
final class SystemRun {
    static final String API_USER = "hapg";
    static final String API_PASSWORD = "bench";
    static final String IDLE = "idle agent, 60 s";
    private static final int WRITERS = 2;
    private static final Duration BOOT = Duration.ofSeconds(240);
    private static final Duration LOCATOR_READY = Duration.ofSeconds(60);
    private static final Duration MODE_SWITCH = Duration.ofSeconds(60);
    private static final Duration IDLE_WARMUP = Duration.ofSeconds(20);
    private static final Duration IDLE_WINDOW = Duration.ofSeconds(60);
    private static final long LOAD_WARMUP_MILLIS = 2000;
    private static final long LOAD_MILLIS = 5000;

    private final String system;
    private final BenchArgs args;
    private final LocalCluster cluster;
    private final BenchReport report;
    private final PrintStream out;
    private final Stopper stopper;
    private List<FaultBench.Timeline> timelines = List.of();

    SystemRun(String system, BenchArgs args, LocalCluster cluster, BenchReport report, PrintStream out) {
        this.system = system;
        this.args = args;
        this.cluster = cluster;
        this.report = report;
        this.out = out;
        this.stopper = new Stopper(cluster, out);
    }

    Stopper stopper() {
        return stopper;
    }

    List<FaultBench.Timeline> timelines() {
        return timelines;
    }

    /** Runs every scenario; throws only when the cluster never converged at the start. */
    void run() {
        long started = System.nanoTime();
        cluster.awaitConverged(BOOT);
        stopper.pids();
        out.printf(Locale.ROOT, "%s: cluster converged after %.1f s (configs and logs in %s)%n", system,
                (System.nanoTime() - started) / 1e9, cluster.baseDir());
        out.flush();
        faults();
        poolRetarget();
        primaryLoad(10);
        primaryLoad(100);
        idle();
    }

    /**
     * The fault scenarios in the run's mode, then the PostgreSQL-only crash again in the other
     * mode ({@code synchronous_mode} switched at runtime and back), so one run gives that row for
     * both modes.
     */
    private void faults() {
        boolean sync = args.synchronous();
        List<FaultBench.Timeline> all = new ArrayList<>();
        try (ShopPools pools = awaitPrimaryKnown(ShopPools.open(cluster, WRITERS, 0));
             Storefront shop = Storefront.open(pools.writes(), pools.reads(), WRITERS, 0)) {
            FaultBench bench = new FaultBench(cluster, shop, system, args.ttl(), sync, report, stopper, out);
            for (int rep = 1; rep <= args.repetitions(); rep++) {
                for (Fault fault : FaultBench.FAULTS) {
                    bench.run(fault, rep);
                }
            }
            all.addAll(bench.timelines());
            FaultBench other = new FaultBench(cluster, shop, system, args.ttl(), !sync, report, stopper, out);
            try {
                SynchronousMode.set(cluster, !sync, MODE_SWITCH);
                for (int rep = 1; rep <= args.repetitions(); rep++) {
                    other.run(Fault.KILL_PRIMARY_POSTGRES, rep);
                }
            } catch (RuntimeException e) {
                out.println("  " + system + ": synchronous_mode " + !sync + ": " + e.getMessage());
                failAll(List.of(Fault.KILL_PRIMARY_POSTGRES), !sync, "synchronous_mode " + !sync + ": "
                        + e.getMessage());
            } finally {
                all.addAll(other.timelines());
                restoreMode(sync);
            }
        } catch (SQLException | RuntimeException e) {
            out.println("  " + system + ": the storefront could not run: " + e.getMessage());
            String why = "the storefront could not run: " + e.getMessage();
            failAll(FaultBench.FAULTS, sync, why);
            failAll(List.of(Fault.KILL_PRIMARY_POSTGRES), !sync, why);
        }
        timelines = List.copyOf(all);
    }

    /** The run's own mode again, for the scenarios after the faults; a failure is printed, not fatal. */
    private void restoreMode(boolean sync) {
        try {
            SynchronousMode.set(cluster, sync, MODE_SWITCH);
        } catch (RuntimeException e) {
            out.println("  " + system + ": could not set synchronous_mode back to " + sync + ": " + e.getMessage());
        }
    }

    /** A failed sample for every repetition and metric of {@code faults}, lest a row go missing. */
    private void failAll(List<Fault> faults, boolean sync, String why) {
        for (int rep = 1; rep <= args.repetitions(); rep++) {
            for (Fault fault : faults) {
                for (String m : FaultBench.metrics(fault)) {
                    report.add(Sample.failed(FaultBench.scenario(fault, sync), system, rep, m, why));
                }
            }
        }
    }

    /** Leader change -> 100 pools retargeted, once per repetition, after the storefront closed its pools. */
    private void poolRetarget() {
        report.percentiles(PoolRetarget.METRIC, 0.50, 0.99);
        try (PoolRetarget bench = PoolRetarget.open(system, cluster, args.ttl(), report, out)) {
            for (int rep = 1; rep <= args.repetitions(); rep++) {
                bench.run(rep);
            }
        } catch (RuntimeException e) {
            out.println("  " + system + " " + PoolRetarget.SCENARIO + ": the pools could not run: " + e.getMessage());
            for (int rep = 1; rep <= args.repetitions(); rep++) {
                PoolRetarget.failAll(report, system, rep, "the pools could not run: " + e.getMessage());
            }
        }
        out.flush();
    }

    /**
     * Waits until the pools' locator has read the primary from etcd: on a busy machine its first
     * read can take longer than a connection request waits, and the storefront's schema needs one.
     */
    private static ShopPools awaitPrimaryKnown(ShopPools pools) {
        long deadline = System.nanoTime() + LOCATOR_READY.toNanos();
        while (pools.writes().currentPrimary().isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                pools.close();
                throw new IllegalStateException("the locator knew no primary within " + LOCATOR_READY.toSeconds()
                        + " s");
            }
            LockSupport.parkNanos(100_000_000L);
        }
        return pools;
    }

    /** {@code GET /primary} on the primary at {@code clients} keep-alive connections. */
    private void primaryLoad(int clients) {
        String scenario = "GET /primary, " + clients + " keep-alive clients";
        List<String> metrics = List.of("requests/s", "p50 (ms)", "p99 (ms)", "errors");
        try {
            ClusterNode primary = cluster.awaitConverged(Duration.ofSeconds(120));
            URI api = URI.create(primary.restUrl());
            PrimaryLoad.Result r = new PrimaryLoad(api.getHost(), api.getPort(), "/primary").run(clients,
                    LOAD_WARMUP_MILLIS, LOAD_MILLIS);
            double[] values = {r.requestsPerSecond(), r.p50Millis(), r.p99Millis(), r.errors()};
            for (int i = 0; i < metrics.size(); i++) {
                report.add(Sample.of(scenario, system, 1, metrics.get(i), values[i]));
            }
            out.println("  " + system + " " + scenario + ": " + r);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            metrics.forEach(m -> report.add(Sample.failed(scenario, system, 1, m, e.getMessage())));
            out.println("  " + system + " " + scenario + ": failed, " + e.getMessage());
        }
        out.flush();
    }

    /** Every agent's CPU and RSS over the same window, with no client but the agents themselves. */
    private void idle() {
        List<String> metrics = List.of("CPU (% of one core)", "RSS (MB)");
        ClusterNode primary;
        try {
            primary = cluster.awaitConverged(Duration.ofSeconds(120));
        } catch (RuntimeException e) {
            for (String role : List.of("primary", "replica")) {
                metrics.forEach(m -> report.add(Sample.failed(IDLE + ", " + role, system, 1, m, e.getMessage())));
            }
            return;
        }
        LockSupport.parkNanos(IDLE_WARMUP.toNanos());
        List<ClusterNode> nodes = cluster.nodes();
        long[] pids = nodes.stream().mapToLong(n -> agentProcess(n).orElse(-1)).toArray();
        double[] cpu0 = new double[pids.length];
        for (int i = 0; i < pids.length; i++) {
            cpu0[i] = IdleCost.cpuSeconds(pids[i]).orElse(Double.NaN);
        }
        LockSupport.parkNanos(IDLE_WINDOW.toNanos());
        int replica = 0;
        for (int i = 0; i < pids.length; i++) {
            boolean isPrimary = nodes.get(i) == primary;
            String scenario = IDLE + ", " + (isPrimary ? "primary" : "replica");
            int rep = isPrimary ? 1 : ++replica;
            OptionalDouble cpu1 = IdleCost.cpuSeconds(pids[i]);
            OptionalDouble rss = IdleCost.rssMegabytes(pids[i]);
            if (pids[i] < 0 || cpu1.isEmpty() || rss.isEmpty() || Double.isNaN(cpu0[i])) {
                String why = "the agent process of " + nodes.get(i).name() + " was not found";
                metrics.forEach(m -> report.add(Sample.failed(scenario, system, rep, m, why)));
                continue;
            }
            double percent = (cpu1.getAsDouble() - cpu0[i]) / IDLE_WINDOW.toSeconds() * 100;
            report.add(Sample.of(scenario, system, rep, metrics.get(0), percent));
            report.add(Sample.of(scenario, system, rep, metrics.get(1), rss.getAsDouble()));
            out.printf(Locale.ROOT, "  %s %s (%s, pid %d): %.2f %% of a core, RSS %.0f MB%n", system, scenario,
                    nodes.get(i).name(), pids[i], percent, rss.getAsDouble());
        }
        out.flush();
    }

    /**
     * The agent itself, not the {@link LaunchedAgent} JVM around it: the descendant of the node's
     * process running hapg.jar (the launcher execs java) or patroni; the node's process when the
     * agent runs in it directly.
     */
    static OptionalLong agentProcess(ClusterNode n) {
        OptionalLong top = n.agentPid();
        if (top.isEmpty()) {
            return top;
        }
        Optional<Long> child = Pids.descendants(top.getAsLong()).stream().filter(pid -> {
            String cmd = Pids.commandLine(pid);
            return cmd.contains("hapg.jar") || cmd.contains("bin/patroni ");
        }).findFirst();
        return child.map(OptionalLong::of).orElse(top);
    }
}
