package io.hapg.examples.bench;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.examples.cluster.Fault;
import io.hapg.examples.storefront.ShopPools;
import io.hapg.hikari.ClusterLocator;
import io.hapg.hikari.PrimaryDataSource;
import io.hapg.hikari.PrimaryDataSourceConfig;
import io.hapg.hikari.RestPrimaryLocator;
import io.hapg.hikari.SwitchListener;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Leader change → {@value #POOLS} pools retargeted: {@value #POOLS} {@link PrimaryDataSource}s
 * (at most 2 connections, 1 kept idle), all on ONE locator, as an application server with many
 * tenants' pools would run them (they share its host monitor: one probe per primary, not one per
 * pool). Per repetition: every pool holds a connection to the primary, a planned switchover
 * ({@code POST /switchover}, {@link Fault#SWITCHOVER}), and per pool the time from the request to
 * its {@link SwitchListener#retargeted} to another member: one sample per pool, a pool that did
 * not retarget within the bound is a failed sample. Beside it, once per repetition, when the
 * locator itself first named another primary: the pools' share of the delay is the difference
 * (that subscriber is told after the pools, so it can read a millisecond later than the first).
 *
 * <p>The locator is what an application would use on each system: on hapg a
 * {@code ConsensusPrimaryLocator} watching the etcd keys ({@link ShopPools#locator}); on Patroni a
 * {@link RestPrimaryLocator} polling the members' REST APIs every {@value #REST_POLL_MILLIS} ms,
 * which adds up to that interval to Patroni's numbers. {@link #close()} closes the pools, then the
 * locator.
 */
final class PoolRetarget implements AutoCloseable {
    static final int POOLS = 100;
    static final String SCENARIO = "leader change -> " + POOLS + " pools retargeted";
    static final String METRIC = "switchover request -> pool retargeted (s)";
    /** Where the pools' delay comes from: the locator they share, or the pools behind it. */
    static final String LOCATOR_METRIC = "switchover request -> locator names the new primary (s)";
    static final long REST_POLL_MILLIS = 500;
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    private static final Duration LOCATOR_READY = Duration.ofSeconds(60);
    private static final long POLL_NANOS = 20_000_000L;

    private final String system;
    private final LocalCluster cluster;
    private final ClusterLocator locator;
    private final List<PrimaryDataSource> pools;
    private final Duration bound;
    private final BenchReport report;
    private final PrintStream out;

    private PoolRetarget(String system, LocalCluster cluster, ClusterLocator locator, List<PrimaryDataSource> pools,
                         int ttl, BenchReport report, PrintStream out) {
        this.system = system;
        this.cluster = cluster;
        this.locator = locator;
        this.pools = pools;
        // As FaultBench's recovery bound: a switchover answers once done, the pools follow within a poll.
        this.bound = Duration.ofSeconds(3L * ttl + 30);
        this.report = report;
        this.out = out;
    }

    /**
     * Starts the locator and the {@value #POOLS} pools and waits until the locator knows the primary.
     *
     * @throws IllegalStateException when it does not within a minute (everything opened is closed)
     */
    static PoolRetarget open(String system, LocalCluster cluster, int ttl, BenchReport report, PrintStream out) {
        ClusterLocator locator = system.equals(BenchReport.HAPG) ? ShopPools.locator(cluster, "bench-pools")
                : restLocator(cluster);
        List<PrimaryDataSource> pools = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + LOCATOR_READY.toNanos();
            while (locator.current().isEmpty()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(locator + " knew no primary within " + LOCATOR_READY.toSeconds()
                            + " s");
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
            for (int i = 0; i < POOLS; i++) {
                pools.add(PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator).hikari(hikari(i))
                        .user(cluster.superuser().username()).password(cluster.superuser().password())
                        .connectTimeout(Duration.ofSeconds(3)).socketTimeout(Duration.ofSeconds(10)).build()));
            }
            return new PoolRetarget(system, cluster, locator, pools, ttl, report, out);
        } catch (RuntimeException e) {
            pools.forEach(PrimaryDataSource::close);
            locator.close();
            throw e;
        }
    }

    /** Patroni's members by their REST APIs, each with its database address so only /primary decides. */
    private static RestPrimaryLocator restLocator(LocalCluster cluster) {
        RestPrimaryLocator.Builder b = RestPrimaryLocator.builder().cluster(cluster.scope())
                .pollInterval(Duration.ofMillis(REST_POLL_MILLIS)).timeout(Duration.ofSeconds(1));
        cluster.nodes().forEach(n -> b.member(n.restUrl(), "127.0.0.1:" + n.pgPort()));
        return b.build().start();
    }

    private static HikariConfig hikari(int index) {
        HikariConfig h = new HikariConfig();
        h.setPoolName("bench-pool-" + index);
        h.setMaximumPoolSize(2);
        h.setMinimumIdle(1);
        h.setConnectionTimeout(15_000);
        h.setValidationTimeout(1000);
        return h;
    }

    /** One switchover with every pool on the primary; records a sample (or a failure) per pool. */
    void run(int rep) {
        ClusterNode primary;
        try {
            primary = cluster.awaitConverged(CONVERGE);
            for (PrimaryDataSource pool : pools) {
                awaitOn(pool, primary.name());
                pool.getConnection().close();
            }
        } catch (SQLException | RuntimeException e) {
            failAll(rep, "not every pool on the primary before: " + e.getMessage());
            return;
        }
        Map<Integer, Instant> retargeted = new ConcurrentHashMap<>();
        List<AutoCloseable> listeners = new ArrayList<>();
        long[] switchesBefore = pools.stream().mapToLong(PrimaryDataSource::switchCount).toArray();
        for (int i = 0; i < POOLS; i++) {
            int index = i;
            listeners.add(pools.get(i).addListener(new SwitchListener() {
                @Override
                public void retargeted(Optional<PrimaryEndpoint> from, PrimaryEndpoint to, Instant at) {
                    if (!to.member().equals(primary.name())) {
                        retargeted.putIfAbsent(index, at);
                    }
                }
            }, Runnable::run));
        }
        AtomicReference<Instant> located = new AtomicReference<>();
        listeners.add(locator.subscribe(p -> {
            if (p.isPresent() && !p.get().member().equals(primary.name())) {
                located.compareAndSet(null, Instant.now());
            }
        }));
        Instant requested = Instant.now();
        String target;
        try {
            target = Fault.SWITCHOVER.apply(cluster, primary, new Random(rep)).target();
            long deadline = System.nanoTime() + bound.toNanos();
            while (retargeted.size() < POOLS && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(POLL_NANOS);
            }
        } catch (RuntimeException e) {
            failAll(rep, e.getMessage());
            return;
        } finally {
            listeners.forEach(PoolRetarget::closeQuietly);
        }
        double locatorSeconds = located.get() == null ? Double.NaN
                : Duration.between(requested, located.get()).toNanos() / 1e9;
        report.add(located.get() == null ? Sample.failed(SCENARIO, system, rep, LOCATOR_METRIC, "the locator named no "
                + "other primary within " + bound.toSeconds() + " s")
                : Sample.of(SCENARIO, system, rep, LOCATOR_METRIC, locatorSeconds));
        // A snapshot: a callback already under way when its handle closed may still land.
        record(rep, requested, Map.copyOf(retargeted), target, switchesBefore, locatorSeconds);
    }

    private void record(int rep, Instant requested, Map<Integer, Instant> retargeted, String target,
                        long[] switchesBefore, double locatorSeconds) {
        double[] seconds = new double[retargeted.size()];
        int at = 0;
        for (int i = 0; i < POOLS; i++) {
            Instant t = retargeted.get(i);
            if (t == null) {
                report.add(Sample.failed(SCENARIO, system, rep, METRIC, "pool " + i + " not retargeted within "
                        + bound.toSeconds() + " s of the switchover request (it follows "
                        + pools.get(i).currentPrimary().map(PrimaryEndpoint::member).orElse("no primary") + ")"));
                continue;
            }
            seconds[at] = Duration.between(requested, t).toNanos() / 1e9;
            report.add(Sample.of(SCENARIO, system, rep, METRIC, seconds[at++]));
        }
        Arrays.sort(seconds);
        long extraSwitches = 0;
        for (int i = 0; i < POOLS; i++) {
            extraSwitches += Math.max(0, pools.get(i).switchCount() - switchesBefore[i] - 1);
        }
        out.printf(Locale.ROOT, "  %s %s #%d: %s, locator after %.2f s, %d of %d pools retargeted, p50 %.2f s,"
                + " p99 %.2f s, max %.2f s%s%n", system, SCENARIO, rep, target, locatorSeconds, seconds.length, POOLS,
                BenchReport.Stats.percentile(seconds, 0.50),
                BenchReport.Stats.percentile(seconds, 0.99), BenchReport.Stats.percentile(seconds, 1.0),
                extraSwitches == 0 ? "" : ", " + extraSwitches + " extra switches (a pool switched more than once)");
        out.flush();
    }

    /** Waits until {@code pool} follows {@code member}: after a repetition's switchover it may still be moving. */
    private void awaitOn(PrimaryDataSource pool, String member) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!pool.currentPrimary().map(PrimaryEndpoint::member).equals(Optional.of(member))) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(pool + " follows " + pool.currentPrimary()
                        .map(PrimaryEndpoint::member).orElse("no primary") + ", not " + member + ", after "
                        + bound.toSeconds() + " s");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private void failAll(int rep, String why) {
        failAll(report, system, rep, why);
        out.println("  " + system + " " + SCENARIO + " #" + rep + ": failed, " + why);
        out.flush();
    }

    /** Every sample of {@code rep} failed for {@code why}. */
    static void failAll(BenchReport report, String system, int rep, String why) {
        report.add(Sample.failed(SCENARIO, system, rep, LOCATOR_METRIC, why));
        for (int i = 0; i < POOLS; i++) {
            report.add(Sample.failed(SCENARIO, system, rep, METRIC, why));
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // a listener handle: nothing is left to undo
        }
    }

    @Override
    public void close() {
        pools.forEach(PrimaryDataSource::close);
        locator.close();
    }
}
