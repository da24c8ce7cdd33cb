package io.hapg.examples.storefront;

import io.hapg.examples.cluster.Fault;
import io.hapg.examples.cluster.Stopper;
import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.hikari.PrimaryDataSource;
import io.hapg.hikari.ReplicaDataSource;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The demo's bounded scenario: the {@link Storefront} runs against the local cluster while the
 * article's faults happen in turn (a planned switchover, kill -9 of the primary node and its
 * restart as a replica, the primary cut from etcd, PostgreSQL crashed on the primary). A live line
 * every 2 s (primary, orders/s, the current write gap, the last event), then a row per fault: how
 * long orders stopped, failed and unknown-outcome orders, failed reads, convergence; at the end
 * the acknowledged orders missing on the final primary (0 is required in synchronous mode).
 *
 * <p>Owns one thread, {@code storefront-live}, shut down before it returns.
 */
public final class StorefrontRun {
    /** The faults of the full run, in order. */
    static final List<Fault> FAULTS = List.of(Fault.SWITCHOVER, Fault.KILL_PRIMARY_NODE, Fault.CUT_PRIMARY_FROM_ETCD,
            Fault.KILL_PRIMARY_POSTGRES);
    /** The faults of {@code --short} (what CI runs). */
    static final List<Fault> SHORT_FAULTS = List.of(Fault.SWITCHOVER, Fault.KILL_PRIMARY_NODE);
    private static final int WRITERS = 4;
    private static final int READERS = 2;
    private static final Duration STEADY = Duration.ofSeconds(8);
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    private static final Duration FLOWING = Duration.ofSeconds(30);

    private final LocalCluster cluster;
    private final boolean synchronous;
    private final Duration hold;
    private final Stopper stopper;
    private final PrintStream out;
    private volatile String lastEvent = "storefront opened";

    /**
     * @param ttl the cluster's ttl in seconds: a held fault lasts ttl + 5 s, long enough for the lease to expire
     */
    public StorefrontRun(LocalCluster cluster, boolean synchronous, int ttl, Stopper stopper, PrintStream out) {
        this.cluster = cluster;
        this.synchronous = synchronous;
        this.hold = Duration.ofSeconds(ttl + 5L);
        this.stopper = stopper;
        this.out = out;
    }

    /**
     * Runs the storefront through the faults on a converged cluster; returns 0 when every fault
     * converged and (synchronous mode) no acknowledged order was lost, 1 otherwise.
     */
    public int run(boolean shortRun, long seed) {
        List<Fault> faults = shortRun ? SHORT_FAULTS : FAULTS;
        ScheduledExecutorService live = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "storefront-live");
            t.setDaemon(true);
            return t;
        });
        try (ShopPools pools = ShopPools.open(cluster, WRITERS, READERS)) {
            PrimaryDataSource writes = pools.writes();
            ReplicaDataSource reads = pools.reads();
            Storefront shop = Storefront.open(writes, reads, WRITERS, READERS);
            out.printf("%nstorefront: %d threads placing orders through PrimaryDataSource, %d reading stock through"
                    + " ReplicaDataSource (%s mode); faults: %s%n", WRITERS, READERS,
                    synchronous ? "synchronous" : "asynchronous", faults.stream().map(Fault::label).toList());
            live.scheduleAtFixedRate(new LiveLine(shop, writes), 2, 2, TimeUnit.SECONDS);
            List<Row> rows = new ArrayList<>();
            Random random = new Random(seed);
            boolean allConverged = true;
            for (Fault fault : faults) {
                Row row;
                try {
                    row = runFault(fault, shop, random);
                } catch (RuntimeException e) {
                    out.println("<<< " + fault.label() + " could not be run: " + e.getMessage());
                    allConverged = false;
                    break;
                }
                rows.add(row);
                allConverged &= row.convergedMillis >= 0;
                if (row.convergedMillis < 0) {
                    break;
                }
            }
            shop.close();
            live.shutdownNow();
            Set<Long> lost = shop.lostAcknowledgedOrders();
            Storefront.Counts total = shop.counts();
            printTable(rows, total, lost.size());
            boolean ok = allConverged && (!synchronous || lost.isEmpty());
            out.printf("storefront verdict: %s%n", ok ? "PASS" : "FAIL"
                    + (allConverged ? "" : " (a fault did not run or did not converge)")
                    + (synchronous && !lost.isEmpty() ? " (" + lost.size() + " acknowledged orders lost)" : ""));
            return ok ? 0 : 1;
        } catch (SQLException | RuntimeException e) {
            out.println("storefront: " + e.getMessage());
            return 1;
        } finally {
            live.shutdownNow();
        }
    }

    private Row runFault(Fault fault, Storefront shop, Random random) {
        ClusterNode primary = cluster.awaitConverged(CONVERGE);
        LockSupport.parkNanos(STEADY.toNanos());
        Storefront.Counts before = shop.counts();
        shop.markWindow();
        long t0 = System.nanoTime();
        lastEvent = fault.label() + " (primary " + primary.name() + ")";
        out.printf("%n>>> %s%n", lastEvent);
        Fault.Applied applied = fault.apply(cluster, primary, random);
        if (fault.held()) {
            LockSupport.parkNanos(hold.toNanos());
        }
        applied.heal().run();
        long healed = System.nanoTime();
        lastEvent = fault.label() + " healed";
        long converged = -1;
        String after = "?";
        try {
            ClusterNode now = cluster.awaitConverged(CONVERGE);
            converged = (System.nanoTime() - healed) / 1_000_000;
            after = now.name();
            cluster.nodes().forEach(stopper::remember); // restarts bring new PIDs to stop on exit
        } catch (RuntimeException e) {
            out.println("    not converged: " + e.getMessage());
        }
        long flowingDeadline = System.nanoTime() + FLOWING.toNanos();
        while (shop.firstOrderAfter(healed).isEmpty() && System.nanoTime() < flowingDeadline) {
            LockSupport.parkNanos(100_000_000L);
        }
        long gap = shop.longestGapSince(t0, shop.firstOrderAfter(healed).orElse(System.nanoTime()));
        Storefront.Counts delta = shop.counts().since(before);
        lastEvent = fault.label() + ": orders stopped for " + gap + " ms";
        out.printf("<<< %s: orders stopped for %.1f s at most, %d failed, %d unknown outcome; primary %s -> %s%n",
                fault.label(), gap / 1000.0, delta.failed(), delta.unknown(), primary.name(), after);
        return new Row(fault.label(), applied.target(), primary.name() + "->" + after, gap, delta, converged);
    }

    private record Row(String fault, String target, String primaries, long gapMillis, Storefront.Counts delta,
                       long convergedMillis) {
    }

    private void printTable(List<Row> rows, Storefront.Counts total, int lost) {
        out.printf("%n%-28s %-10s %-9s %16s %14s %8s %12s %13s%n", "fault", "target", "primary", "orders stopped s",
                "failed orders", "unknown", "failed reads", "converged s");
        for (Row r : rows) {
            out.printf("%-28s %-10s %-9s %16.1f %14d %8d %12d %13s%n", r.fault, r.target, r.primaries,
                    r.gapMillis / 1000.0, r.delta.failed(), r.delta.unknown(), r.delta.failedReads(),
                    r.convergedMillis < 0 ? "no" : String.format("%.1f", r.convergedMillis / 1000.0));
        }
        out.printf("%norders acknowledged %d, failed %d, unknown outcome %d; stock reads %d, failed %d%n",
                total.orders(), total.failed(), total.unknown(), total.reads(), total.failedReads());
        out.printf("acknowledged orders missing on the final primary: %d%s%n", lost,
                synchronous ? " (synchronous mode: must be 0)" : " (asynchronous mode: a crash may lose the last"
                        + " commits)");
    }

    /** The live line: who is primary, orders/s over the last 2 s, the current write gap, the last event. */
    private final class LiveLine implements Runnable {
        private final Storefront shop;
        private final PrimaryDataSource writes;
        private Storefront.Counts last;
        private long lastOrderNanos = System.nanoTime();

        LiveLine(Storefront shop, PrimaryDataSource writes) {
            this.shop = shop;
            this.writes = writes;
            this.last = shop.counts();
        }

        @Override
        public void run() {
            Storefront.Counts now = shop.counts();
            Storefront.Counts d = now.since(last);
            last = now;
            long t = System.nanoTime();
            if (d.orders() > 0) {
                lastOrderNanos = t;
            }
            out.printf("  primary %-4s | orders/s %5.0f | write gap %5.1f s | failed %d | reads/s %5.0f | %s%n",
                    writes.currentPrimary().map(PrimaryEndpoint::member).orElse("-"), d.orders() / 2.0,
                    d.orders() > 0 ? 0.0 : (t - lastOrderNanos) / 1e9 + 2.0, now.failed() + now.unknown(),
                    d.reads() / 2.0, lastEvent);
        }
    }
}
