package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.testkit.Await;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * PrimaryDataSource against a real three-member cluster ({@link LocalCluster}: 3 etcd members and
 * 3 agent processes, each with its PostgreSQL and REST API; ttl 6 s, loop_wait 1 s, retry_timeout
 * 2 s), with 8 threads committing through the pool and every acknowledged commit recorded with the
 * server that acknowledged it. The kill -9 runs last: it takes a node away.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class PrimaryFollowingIT {
    private static final int WORKERS = 8;
    private static final int SWITCHOVER_RUNS = 3;
    private static final int TTL = 6;
    private static final int RETRY_TIMEOUT = 2;

    /** The agents' and etcd's logs. */
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    /** Where PostgreSQL's own logs are: they stay after the cluster is closed. */
    @RegisterExtension
    final TestWatcher pgLogs = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (cluster != null) {
                cluster.nodes().forEach(n -> System.out.println(n + ": PostgreSQL log " + n.postgresLog()));
            }
        }
    };

    private LocalCluster cluster;
    private ConsensusPrimaryLocator locator;
    private ConsensusPrimaryLocator reference;

    @BeforeAll
    void startCluster() throws SQLException {
        cluster = LocalCluster.builder().scope("hikari").nodes(3).etcdMembers(3).ttl(TTL).loopWait(1)
                .retryTimeout(RETRY_TIMEOUT).dcs("maximum_lag_on_failover", 64 * 1024 * 1024)
                .pgParameter("synchronous_commit", "off").pgParameter("max_connections", "300")
                .pgParameter("wal_retrieve_retry_interval", "200ms").start();
        logs.watch(cluster);
        ClusterNode primary = cluster.awaitConverged(Duration.ofSeconds(150));
        try (Connection c = DriverManager.getConnection(primary.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE commits (worker int, seq bigint, at timestamptz DEFAULT clock_timestamp())");
        }
        locator = locator("app");
        reference = locator("reference");
    }

    /** A started consensus locator on its own etcd client, as an application would run it. */
    private ConsensusPrimaryLocator locator(String app) {
        return ClusterLocators.consensus(cluster, app, TTL, RETRY_TIMEOUT);
    }

    @AfterAll
    void stopCluster() {
        if (locator != null) {
            locator.close();
        }
        if (reference != null) {
            reference.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static HikariConfig pool(int size, long connectionTimeoutMs) {
        HikariConfig h = new HikariConfig();
        h.setMaximumPoolSize(size);
        h.setMinimumIdle(size);
        h.setConnectionTimeout(connectionTimeoutMs);
        h.setValidationTimeout(1000);
        return h;
    }

    private PrimaryDataSource primaryDataSource(ClusterLocator l, HikariConfig h) {
        return PrimaryDataSource.start(PrimaryDataSourceConfig.builder(l).hikari(h)
                .user(cluster.superuser().username()).password(cluster.superuser().password())
                .connectTimeout(Duration.ofSeconds(3)).socketTimeout(Duration.ofSeconds(10)).build());
    }

    /** When the reference locator (its own etcd client) first saw {@code member} as the primary. */
    private AtomicReference<Instant> watchLeader(String member) {
        AtomicReference<Instant> at = new AtomicReference<>();
        AutoCloseable[] sub = new AutoCloseable[1];
        sub[0] = reference.subscribe(p -> {
            if (p.map(PrimaryEndpoint::member).equals(Optional.of(member))) {
                at.compareAndSet(null, Instant.now());
            }
        });
        return at;
    }

    /** The primary of a converged cluster (every test leaves it converged). */
    private ClusterNode primary() {
        return cluster.awaitPrimary(n -> true, Duration.ofSeconds(30));
    }

    private ClusterNode replicaOf(ClusterNode leader) {
        return cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    }

    /**
     * Asks {@code from} to hand over to {@code to} with {@code POST /switchover}, which writes the
     * failover key the way the old in-JVM harness wrote it by hand.
     */
    private static void requestSwitchover(ClusterNode from, ClusterNode to) {
        ClusterNode.Response r = from.switchover(to.name());
        assertThat(r.status()).as("POST /switchover %s -> %s: %s", from.name(), to.name(), r.body()).isEqualTo(200);
    }

    private void awaitCommits(Workload w, int port, long after, int count) {
        Await.until(count + " commits on port " + port, Duration.ofSeconds(60),
                () -> w.commitsOn(port, after) >= count);
    }

    /** Each test starts with an empty table, so a (worker, seq) names one acknowledged commit of its workload. */
    @BeforeEach
    void emptyTheCommitsTable() throws SQLException {
        try (Connection c = DriverManager.getConnection(primary().jdbcUrl()); Statement s = c.createStatement()) {
            s.execute("TRUNCATE commits");
        }
    }

    /** Every commit the workload saw acknowledged so far is on {@code node}: a switchover loses none. */
    private static void assertEveryAcknowledgedCommitOn(Workload w, ClusterNode node) {
        assertEveryAcknowledgedCommitOn(w, node, "");
    }

    /**
     * Like the above; {@code handover} (the old primary's log lines of how it stopped and released)
     * goes into the failure: a release without a confirmed shutdown checkpoint ("releasing anyway")
     * or a killed PostgreSQL are the ways a switchover can lose commits made with
     * {@code synchronous_commit=off}.
     */
    private static void assertEveryAcknowledgedCommitOn(Workload w, ClusterNode node, String handover) {
        List<Workload.Commit> acknowledged = List.copyOf(w.commits);
        Set<String> present = new HashSet<>();
        try (Connection c = DriverManager.getConnection(node.jdbcUrl()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT worker, seq FROM commits")) {
            while (rs.next()) {
                present.add(rs.getInt(1) + "/" + rs.getLong(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(node.name() + ": " + e.getMessage(), e);
        }
        List<String> missing = acknowledged.stream().map(k -> k.worker() + "/" + k.seq())
                .filter(k -> !present.contains(k)).collect(Collectors.toList());
        assertThat(missing).as("acknowledged (worker/seq) missing on the new primary %s, of %d acknowledged; the old"
                + " primary's handover:%n%s", node.name(), acknowledged.size(), handover).isEmpty();
    }

    private static long logSize(ClusterNode node) {
        try {
            return Files.size(node.agentLog());
        } catch (IOException e) {
            return 0;
        }
    }

    /** The lines of {@code node}'s agent log since {@code offset} that tell how it stopped and released. */
    private static String handoverLines(ClusterNode node, long offset) {
        try {
            byte[] all = Files.readAllBytes(node.agentLog());
            String since = new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                    StandardCharsets.UTF_8);
            return since.lines().filter(l -> l.contains("shutdown checkpoint") || l.contains("releasing")
                    || l.contains("killing") || l.contains("killed") || l.contains("stopped (") || l.contains("demot"))
                    .collect(Collectors.joining("\n"));
        } catch (IOException e) {
            return "(no agent log: " + e.getMessage() + ")";
        }
    }

    /** No acknowledged commit on {@code oldPort} whose row was written after the new leader appeared. */
    private static void assertNothingCommittedOnOldAfter(Workload w, int oldPort, Instant promotedAt) {
        List<Workload.Commit> late = w.commits.stream()
                .filter(c -> c.serverPort() == oldPort && c.serverTime().isAfter(promotedAt)).collect(Collectors.toList());
        assertThat(late).as("commits on the old primary after the new one took the leader key at " + promotedAt)
                .isEmpty();
    }

    record Run(long pauseMs, long switchMs, long failedTx) {
    }

    /** One planned switchover under load; returns the longest pause. */
    private Run switchover(PrimaryDataSource ds, Workload w, boolean strict, String label) {
        ClusterNode from = primary();
        ClusterNode to = replicaOf(from);
        int fromPort = from.pgPort();
        int toPort = to.pgPort();
        awaitCommits(w, fromPort, System.nanoTime(), 100);
        AtomicReference<Instant> promotedAt = watchLeader(to.name());
        long switchesBefore = ds.switchCount();
        Backends onNew = new Backends(label + " new primary " + to.name(), to.jdbcUrl());
        long logOffset = logSize(from);
        // When the pool closed its gate for the announced switchover: the contract (README) covers
        // transactions that start after the announcement reached the pool, which on a loaded
        // machine can be hundreds of milliseconds after the request (etcd's watch delivery).
        AtomicLong heldAt = new AtomicLong();
        AutoCloseable holding = ds.addListener(new SwitchListener() {
            @Override
            public void primaryLost(Optional<PrimaryEndpoint> lost, String reason, Instant at) {
                if (reason.contains("switchover")) {
                    heldAt.compareAndSet(0, System.nanoTime());
                }
            }
        }, Runnable::run);
        long begin = System.nanoTime();
        requestSwitchover(from, to);
        awaitCommits(w, toPort, begin, 50);
        Workload.Commit first = w.firstOn(toPort, begin).orElseThrow();
        long pause = w.longestPauseMillis(begin, first.ackNanos() + TimeUnit.MILLISECONDS.toNanos(200));
        Await.until("the pool counted the switch", Duration.ofSeconds(10), () -> ds.switchCount() > switchesBefore);
        long switchMs = ds.lastSwitchDuration().orElseThrow().toMillis();
        try {
            holding.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        List<Workload.Failure> afterBegin = w.failuresSince(begin);
        List<Workload.Failure> inGetConnection = w.failures.stream().filter(Workload.Failure::inGetConnection)
                .collect(Collectors.toList());
        System.out.printf("[ha-hikari] %s switchover %s -> %s: longest pause %d ms, pool switch (no primary -> "
                + "writable) %d ms, failed getConnection %d, failed transactions started after the switchover "
                + "began %d%n", label, from.name(), to.name(), pause, switchMs, inGetConnection.size(), afterBegin.size());
        afterBegin.forEach(f -> System.out.println("    " + f.describe()));
        assertThat(inGetConnection).extracting(Workload.Failure::describe).isEmpty();
        if (strict) {
            assertThat(heldAt.get()).as("the pool held new borrowers for the announced switchover").isNotZero();
            System.out.printf("[ha-hikari] %s the pool held new borrowers %d ms after the request%n", label,
                    TimeUnit.NANOSECONDS.toMillis(heldAt.get() - begin));
            assertThat(w.failuresSince(heldAt.get())).extracting(Workload.Failure::describe)
                    .as("transactions started after the pool held for the switchover").isEmpty();
            // Before the hold, only transactions in flight when the old primary stopped may fail,
            // with the failover contract's SQLStates.
            assertThat(afterBegin).allSatisfy(f -> assertThat(f.error().getSQLState()).isIn("08S02", "40000", "08007"));
        } else {
            // Without the failover key (REST), only transactions in flight when the old primary stopped may
            // fail, and they reach the application with the failover contract's SQLStates.
            assertThat(afterBegin).allSatisfy(f -> assertThat(f.error().getSQLState()).isIn("08S02", "40000", "08007"));
        }
        assertThat(promotedAt.get()).isNotNull();
        assertNothingCommittedOnOldAfter(w, fromPort, promotedAt.get());
        assertThat(ds.currentPrimary().map(PrimaryEndpoint::member)).contains(to.name());
        cluster.awaitConverged(Duration.ofSeconds(90));
        onNew.close();
        System.out.println("[ha-hikari] " + onNew.summary());
        String handover = handoverLines(from, logOffset);
        System.out.println("[ha-hikari] " + label + " handover on " + from.name() + ":\n" + handover);
        assertEveryAcknowledgedCommitOn(w, to, handover);
        return new Run(pause, switchMs, afterBegin.size());
    }

    @Test
    @Order(1)
    void aPlannedSwitchoverCostsAPauseNotErrors() {
        try (PrimaryDataSource ds = primaryDataSource(locator, pool(10, 15_000));
             Workload w = new Workload(ds, WORKERS, "commits")) {
            List<Long> pauses = new ArrayList<>();
            List<Long> switches = new ArrayList<>();
            for (int run = 1; run <= SWITCHOVER_RUNS; run++) {
                Run r = switchover(ds, w, true, "consensus locator, run " + run + ":");
                pauses.add(r.pauseMs());
                switches.add(r.switchMs());
            }
            System.out.printf("[ha-hikari] planned switchover, consensus locator, %d runs: longest pause median %d ms "
                    + "(max %d), pool switch median %d ms; %d commits acknowledged%n", SWITCHOVER_RUNS,
                    Stats.median(pauses), Stats.percentile(pauses, 100), Stats.median(switches), w.commits.size());
            assertThat(ds.switchCount()).isEqualTo(SWITCHOVER_RUNS);
        }
    }

    @Test
    @Order(2)
    void theRestLocatorFollowsASwitchoverWithoutEtcd() {
        RestPrimaryLocator.Builder b = RestPrimaryLocator.builder().cluster(cluster.scope())
                .pollInterval(Duration.ofMillis(200)).timeout(Duration.ofMillis(500));
        cluster.nodes().forEach(n -> b.member(n.restUrl()));
        try (RestPrimaryLocator rest = b.build().start();
             PrimaryDataSource ds = primaryDataSource(rest, pool(10, 15_000));
             Workload w = new Workload(ds, WORKERS, "commits")) {
            Run r = switchover(ds, w, false, "REST locator (polls GET /primary every 200 ms, no etcd):");
            assertThat(r.pauseMs()).isLessThan(15_000);
        }
    }

    /** 100 pools of one connection, each with its host monitor (the default). */
    @Test
    @Order(3)
    void hundredPoolsAllRetargetAfterASwitchover() throws Exception {
        int pools = 100;
        List<PrimaryDataSource> all = new ArrayList<>();
        List<Backends> backends = cluster.nodes().stream().map(n -> new Backends("100 pools, " + n.name(), n.jdbcUrl()))
                .collect(Collectors.toList());
        Map<Integer, Instant> retargeted = new ConcurrentHashMap<>();
        Map<Integer, Instant> writable = new ConcurrentHashMap<>();
        try {
            for (int i = 0; i < pools; i++) {
                HikariConfig h = pool(1, 15_000);
                h.setPoolName("p" + i);
                PrimaryDataSource ds = primaryDataSource(locator, h);
                int index = i;
                ds.addListener(new SwitchListener() {
                    @Override
                    public void retargeted(Optional<PrimaryEndpoint> from, PrimaryEndpoint to, Instant at) {
                        retargeted.put(index, at);
                    }

                    @Override
                    public void switched(SwitchEvent event) {
                        writable.put(index, event.writableAt());
                    }
                }, Runnable::run);
                all.add(ds);
            }
            for (PrimaryDataSource ds : all) {
                ds.getConnection().close();
            }
            ClusterNode from = primary();
            ClusterNode to = replicaOf(from);
            AtomicReference<Instant> leaderChanged = watchLeader(to.name());
            requestSwitchover(from, to);
            Await.until(to.name() + " took the leader key", Duration.ofSeconds(60), () -> leaderChanged.get() != null);
            Await.until("all pools retargeted", Duration.ofSeconds(60), () -> retargeted.size() == pools);
            Await.until("all pools have a writable connection", Duration.ofSeconds(60),
                    () -> writable.size() == pools);
            Instant changed = leaderChanged.get();
            List<Long> toRetarget = retargeted.values().stream().map(at -> Duration.between(changed, at).toMillis())
                    .collect(Collectors.toList());
            List<Long> toWritable = writable.values().stream().map(at -> Duration.between(changed, at).toMillis())
                    .collect(Collectors.toList());
            System.out.printf("[ha-hikari] %d pools (one shared consensus locator), leader-key change -> pool "
                    + "retargeted: p50 %d ms, p99 %d ms, max %d ms; -> first writable connection: p50 %d ms, p99 %d ms%n",
                    pools, Stats.median(toRetarget), Stats.percentile(toRetarget, 99), Stats.percentile(toRetarget, 100),
                    Stats.median(toWritable), Stats.percentile(toWritable, 99));
            for (PrimaryDataSource ds : all) {
                assertThat(ds.currentPrimary().map(PrimaryEndpoint::member)).contains(to.name());
                // One switch each: a host monitor must not take the new primary for a hung one (a probe stuck
                // on the old primary while it shut down once held up the probes of the new one for 5 s).
                assertThat(ds.switchCount()).as("switches of %s", ds).isEqualTo(1);
                try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT inet_server_port()")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(to.pgPort());
                }
            }
        } finally {
            all.forEach(PrimaryDataSource::close);
            backends.forEach(Backends::close);
            backends.forEach(b -> System.out.println("[ha-hikari] " + b.summary()));
        }
        // The pools of one locator share one host monitor per primary: one probe connection, not 100 (with
        // 100, a new primary's own agent could not connect under load and fenced it).
        assertThat(backends).allSatisfy(b -> assertThat(b.peakMonitors()).as(b.summary()).isLessThanOrEqualTo(1));
        cluster.awaitConverged(Duration.ofSeconds(90));
    }

    @Test
    @Order(4)
    void replicaDataSourceSpreadsReadsOverReplicasAndFallsBack() throws Exception {
        HikariConfig h = new HikariConfig();
        h.setMaximumPoolSize(2);
        h.setMinimumIdle(0);
        h.setConnectionTimeout(5000);
        try (ReplicaDataSource replicas = ReplicaDataSource.builder(locator).hikari(h)
                .user(cluster.superuser().username()).password(cluster.superuser().password())
                .maxLagBytes(16 * 1024 * 1024).build()) {
            Await.until("two replicas qualify", Duration.ofSeconds(30),
                    () -> replicas.eligibleReplicas().size() == 2);
            Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                try (Connection c = replicas.getConnection(); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT inet_server_port(), pg_is_in_recovery()")) {
                    rs.next();
                    ports.add(rs.getInt(1));
                    assertThat(rs.getBoolean(2)).as("a replica").isTrue();
                }
            }
            assertThat(ports).hasSize(2).doesNotContain(primary().pgPort());
        }
        // Lag unknown for every replica: no replica qualifies; the fallback (the primary) serves, else a clear error.
        List<ReplicaEndpoint> unknown = locator.replicas().stream().map(r -> new ReplicaEndpoint(r.member(), r.host(),
                r.port(), OptionalLong.empty(), false)).collect(Collectors.toList());
        FixedLocator lagging = new FixedLocator(cluster.scope(), locator.current(), unknown);
        try (PrimaryDataSource primary = primaryDataSource(locator, pool(2, 10_000));
             ReplicaDataSource withFallback = ReplicaDataSource.builder(lagging).hikari(h).user("postgres")
                     .password(cluster.superuser().password()).fallback(primary).build();
             ReplicaDataSource without = ReplicaDataSource.builder(lagging).hikari(h).user("postgres").build()) {
            try (Connection c = withFallback.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("the fallback is the primary").isFalse();
            }
            assertThatThrownBy(without::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("no replica within").hasMessageContaining("lag unknown");
        }
    }

    @Test
    @Order(5)
    void badInputOnTheRealClusterGivesErrorsNamingTheCause() {
        // A primary refusing the pool's credentials.
        HikariConfig h = pool(2, 3000);
        try (PrimaryDataSource wrong = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator).hikari(h)
                .user("postgres").password("not-the-password").connectTimeout(Duration.ofSeconds(2)).build())) {
            String leader = primary().name();
            assertThatThrownBy(wrong::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("refused the pool's credentials (user 'postgres')")
                    .hasMessageContaining("primary " + leader);
        }
        // A locator that names a replica: never a connection to it, and a clear error.
        ClusterNode node = replicaOf(primary());
        String replica = node.name();
        FixedLocator wrongNode = new FixedLocator(cluster.scope(), Optional.of(new PrimaryEndpoint(replica, "127.0.0.1",
                node.pgPort(), "postgres://127.0.0.1:" + node.pgPort() + "/postgres")), List.of());
        try (PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(wrongNode).hikari(pool(2, 4000))
                .user("postgres").password(cluster.superuser().password())
                .connectTimeout(Duration.ofSeconds(1)).promotionWait(Duration.ofSeconds(1)).build())) {
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("primary " + replica)
                    .hasMessageContaining("is not writable (in recovery: a replica)");
            assertThat(ds.physicalConnections()).isZero();
        }
    }

    @Test
    @Order(6)
    void killNineOfThePrimaryThenCommitsResumeOnTheNewOne() throws SQLException {
        try (PrimaryDataSource ds = primaryDataSource(locator, pool(10, 5_000));
             Workload w = new Workload(ds, WORKERS, "commits")) {
            ClusterNode oldNode = primary();
            String old = oldNode.name();
            int oldPort = oldNode.pgPort();
            awaitCommits(w, oldPort, System.nanoTime(), 200);
            Set<String> others = cluster.nodes().stream().map(ClusterNode::name).filter(n -> !n.equals(old))
                    .collect(Collectors.toSet());
            AtomicReference<Instant> promotedAt = new AtomicReference<>();
            reference.subscribe(p -> {
                if (p.isPresent() && others.contains(p.get().member())) {
                    promotedAt.compareAndSet(null, Instant.now());
                }
            });
            long kill = System.nanoTime();
            // The in-JVM harness crashed a node by closing its etcd client (no lease revoke), SIGKILLing
            // its PostgreSQL and closing its agent without a handover. Agents are processes now: kill -9
            // of the agent JVM and its postmaster is the same crash (the lease expires a ttl later).
            oldNode.killNode();
            Await.until("a new leader", Duration.ofSeconds(60), () -> promotedAt.get() != null);
            ClusterNode nextNode = cluster.awaitPrimary(n -> others.contains(n.name()), Duration.ofSeconds(60));
            String next = nextNode.name();
            int nextPort = nextNode.pgPort();
            awaitCommits(w, nextPort, kill, 50);
            Workload.Commit lastOld = w.lastOn(oldPort).orElseThrow();
            Workload.Commit firstNew = w.firstOn(nextPort, kill).orElseThrow();
            long gap = TimeUnit.NANOSECONDS.toMillis(firstNew.ackNanos() - lastOld.ackNanos());
            long killToFirst = TimeUnit.NANOSECONDS.toMillis(firstNew.ackNanos() - kill);
            List<Workload.Failure> failures = w.failuresSince(kill);
            Map<String, Long> byState = failures.stream().collect(Collectors.groupingBy(
                    f -> (f.inGetConnection() ? "getConnection " : "tx ") + f.error().getSQLState(), Collectors.counting()));
            System.out.printf("[ha-hikari] kill -9 of primary %s (ttl 6 s): gap between the last commit on %s and the "
                    + "first on %s %d ms (kill -> first commit %d ms); pool switch (no primary -> writable) %s ms; "
                    + "failures during the outage %s%n", old, old, next, gap, killToFirst,
                    ds.lastSwitchDuration().map(Duration::toMillis).map(String::valueOf).orElse("?"), byState);
            assertNothingCommittedOnOldAfter(w, oldPort, promotedAt.get());
            assertThat(ds.currentPrimary().map(PrimaryEndpoint::member)).contains(next);
        }
    }
}
