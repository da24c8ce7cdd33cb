package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.testkit.Await;
import io.hapg.testkit.Pids;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.cluster.LocalClusterExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults seen through the pools (issue #12, fault suite) on a real three-node cluster
 * ({@link LocalCluster}: 3 etcd members, 3 agent processes; ttl 6 s, loop_wait 1 s,
 * retry_timeout 2 s): a replica whose replay really lags (paused) is skipped by
 * {@link ReplicaDataSource} and used again once it caught up; then a hung old primary (every
 * PostgreSQL process SIGSTOPped, its agent killed) while 8 threads commit through
 * {@link PrimaryDataSource}: the statements in flight on it fail once the pool loses it, long before
 * the socket timeout, and no commit is acknowledged there after the new primary's first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PoolFaultsIT {
    private static final int TTL = 6;
    private static final int RETRY_TIMEOUT = 2;
    private static final int WORKERS = 8;
    private static final long MAX_LAG = 1024 * 1024;
    /** Far above the failover time: a statement failing before it was failed by the pool. */
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(40);
    private static final Duration CONVERGE = Duration.ofSeconds(120);

    @RegisterExtension
    static final LocalClusterExtension HAPG = LocalClusterExtension.of(LocalCluster.builder().scope("hikari-faults")
            .ttl(TTL).retryTimeout(RETRY_TIMEOUT).dcs("maximum_lag_on_failover", 64 * 1024 * 1024)
            .pgParameter("synchronous_commit", "off").pgParameter("max_connections", "100")
            .pgParameter("wal_retrieve_retry_interval", "200ms"));

    private LocalCluster cluster;
    private ConsensusPrimaryLocator locator;

    @BeforeAll
    void createTablesAndLocator() {
        cluster = HAPG.cluster();
        ClusterNode primary = cluster.awaitConverged(CONVERGE);
        primary.execute("CREATE TABLE commits (worker int, seq bigint, at timestamptz DEFAULT clock_timestamp())");
        primary.execute("CREATE TABLE filler (id int, pad text)");
        locator = ClusterLocators.consensus(cluster, "app", TTL, RETRY_TIMEOUT);
    }

    @AfterAll
    void closeLocator() {
        if (locator != null) {
            locator.close();
        }
        cluster.nodes().forEach(ClusterNode::thawPostgres);
    }

    /**
     * One replica's replay paused while the primary writes ~9 MB: its published replay position
     * falls more than maxLagBytes (1 MiB) behind, every read goes to the other replica, and once
     * replay resumes and it caught up, reads go to it again.
     */
    @Test
    @Order(1)
    void aReallyLaggingReplicaIsSkippedAndUsedAgainOnceCaughtUp() throws SQLException {
        ClusterNode primary = cluster.awaitConverged(CONVERGE);
        List<ClusterNode> replicas = cluster.nodes().stream().filter(n -> n != primary).collect(Collectors.toList());
        ClusterNode lagging = replicas.get(0);
        ClusterNode healthy = replicas.get(1);
        HikariConfig h = new HikariConfig();
        h.setMaximumPoolSize(2);
        h.setMinimumIdle(0);
        h.setConnectionTimeout(5000);
        try (ReplicaDataSource reads = ReplicaDataSource.builder(locator).hikari(h)
                .user(cluster.superuser().username()).password(cluster.superuser().password()).maxLagBytes(MAX_LAG)
                .build()) {
            Await.until("both replicas qualify", Duration.ofSeconds(30), () -> reads.eligibleReplicas().size() == 2);
            assertThat(readPorts(reads, 10)).containsExactlyInAnyOrder(lagging.pgPort(), healthy.pgPort());

            // The pause must come after the replica replayed CREATE TABLE filler, or it cannot be read there.
            String created = primary.query("SELECT pg_current_wal_lsn()").get(0);
            Await.until(lagging.name() + " replayed the schema", Duration.ofSeconds(30), () -> "true".equals(lagging
                    .query("SELECT (pg_last_wal_replay_lsn() >= '" + created + "'::pg_lsn)::text").get(0)));
            lagging.execute("SELECT pg_wal_replay_pause()");
            long resumed;
            try {
                long t0 = System.nanoTime();
                primary.execute("INSERT INTO filler SELECT g, repeat('x', 1000) FROM generate_series(1, 8000) g");
                Await.until(lagging.name() + " skipped", Duration.ofSeconds(30), () -> reads.eligibleReplicas().stream()
                        .noneMatch(r -> r.member().equals(lagging.name())));
                long skippedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                long realLag = Long.parseLong(primary.query("SELECT pg_current_wal_lsn() - '"
                        + lagging.query("SELECT pg_last_wal_replay_lsn()").get(0) + "'::pg_lsn").get(0));
                assertThat(realLag).as("%s's replay lag in bytes", lagging.name()).isGreaterThan(MAX_LAG);
                assertThat(lagging.query("SELECT count(*) FROM filler")).as("the lagging replica is stale")
                        .containsExactly("0");
                assertThat(readPorts(reads, 10)).as("reads while %s lags", lagging.name())
                        .containsOnly(healthy.pgPort());
                try (Connection c = reads.getConnection(); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT count(*) FROM filler")) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("a read after the write sees it").isEqualTo(8000);
                }
                System.out.printf("[ha-hikari] %s's replay paused, ~9 MB written: skipped by ReplicaDataSource %d ms "
                        + "after the write began (its replay lag %d bytes > maxLagBytes %d)%n", lagging.name(),
                        skippedMs, realLag, MAX_LAG);
            } finally {
                lagging.execute("SELECT pg_wal_replay_resume()");
                resumed = System.nanoTime();
            }
            Await.until(lagging.name() + " qualifies again", Duration.ofSeconds(30), () -> reads.eligibleReplicas()
                    .stream().anyMatch(r -> r.member().equals(lagging.name())));
            long backMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed);
            assertThat(readPorts(reads, 10)).as("reads once %s caught up", lagging.name())
                    .contains(lagging.pgPort(), healthy.pgPort());
            System.out.printf("[ha-hikari] %s's replay resumed: used again by ReplicaDataSource %d ms later%n",
                    lagging.name(), backMs);
        }
    }

    /**
     * A hung old primary: SIGSTOP of its postmaster and every backend, then kill -9 of its agent,
     * while 8 threads commit through the pool. The statements in flight hang on the frozen server;
     * they must fail when the pool loses the primary (its lease expired), not after the socket
     * timeout, and no commit may be acknowledged on the old node after the new primary's first.
     * Thawed, the old PostgreSQL (fenced by the agent's fence process while frozen) stops and takes
     * no write; its agent started again, it rejoins as a replica.
     */
    @Test
    @Order(2)
    void statementsInFlightOnAHungOldPrimaryFailFastAndNothingLandsThereAfterTheNewPrimarysFirst() {
        ClusterNode old = cluster.awaitConverged(CONVERGE);
        HikariConfig pool = new HikariConfig();
        pool.setMaximumPoolSize(WORKERS);
        pool.setMinimumIdle(WORKERS);
        pool.setConnectionTimeout(5000);
        pool.setValidationTimeout(1000);
        AtomicLong lostAt = new AtomicLong();
        try (PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator).hikari(pool)
                .user(cluster.superuser().username()).password(cluster.superuser().password())
                .connectTimeout(Duration.ofSeconds(3)).socketTimeout(SOCKET_TIMEOUT).build());
             Workload w = new Workload(ds, WORKERS, "commits")) {
            ds.addListener(new SwitchListener() {
                @Override
                public void primaryLost(Optional<PrimaryEndpoint> from, String reason, Instant at) {
                    lostAt.compareAndSet(0, System.nanoTime());
                }
            }, Runnable::run);
            Await.until("100 commits on " + old.name(), Duration.ofSeconds(60),
                    () -> w.commitsOn(old.pgPort(), 0) >= 100);

            lostAt.set(0);
            long freeze = System.nanoTime();
            List<Long> frozen = old.freezePostgres();
            old.killAgent();
            ClusterNode next = cluster.awaitPrimary(n -> n != old, Duration.ofSeconds(TTL * 6L));
            Await.until("50 commits on " + next.name(), Duration.ofSeconds(60),
                    () -> w.commitsOn(next.pgPort(), freeze) >= 50);

            long lost = lostAt.get();
            assertThat(lost).as("the pool lost the hung primary").isGreaterThan(freeze);
            List<Workload.Failure> hung = w.failuresSince(0).stream().filter(f -> !f.inGetConnection()
                    && f.failedNanos() > freeze && f.startNanos() < lost).collect(Collectors.toList());
            List<Long> hungMs = hung.stream().map(f -> TimeUnit.NANOSECONDS.toMillis(f.failedNanos() - freeze))
                    .sorted().collect(Collectors.toList());
            Workload.Commit firstNew = w.firstOn(next.pgPort(), freeze).orElseThrow();
            System.out.printf("[ha-hikari] %s hung (postmaster + %d processes SIGSTOPped, agent killed, ttl %d s): "
                    + "%d statements in flight failed %s ms after the freeze (pool lost the primary after %d ms; "
                    + "socketTimeout %d s); first commit on %s after %d ms%n", old.name(), frozen.size() - 1, TTL,
                    hung.size(), hungMs, TimeUnit.NANOSECONDS.toMillis(lost - freeze), SOCKET_TIMEOUT.toSeconds(),
                    next.name(), TimeUnit.NANOSECONDS.toMillis(firstNew.ackNanos() - freeze));
            // Without the pool's abort they hang until socketTimeout: none has failed by now.
            assertThat(hung).as("statements in flight on the hung primary that failed by the time the new primary "
                    + "committed").isNotEmpty();
            long bound = lost + TimeUnit.SECONDS.toNanos(2);
            assertThat(hung).as("in-flight statements fail within 2 s of the pool losing the primary, not at "
                    + "the socket timeout").allSatisfy(f -> assertThat(f.failedNanos()).isLessThan(bound));
            assertThat(hung).allSatisfy(f -> assertThat(f.error().getSQLState()).isIn("08S02", "40000", "08007"));
            List<Workload.Commit> late = w.commits.stream().filter(c -> c.serverPort() == old.pgPort()
                    && !c.serverTime().isBefore(firstNew.serverTime())).collect(Collectors.toList());
            assertThat(late).as("commits on %s at or after the first on %s", old.name(), next.name()).isEmpty();
        }
        thawAndRejoin(old);
    }

    /** Thaws the old primary: it must stop (the fence's pending stop) and take no write; then it rejoins. */
    private void thawAndRejoin(ClusterNode old) {
        long postmaster = Pids.postmasterPidFile(old.dataDir()).orElseThrow();
        old.thawPostgres();
        Await.until(old.name() + "'s postmaster exits once thawed (it was fenced)", Duration.ofSeconds(20),
                () -> !Pids.isAlive(postmaster));
        try {
            old.execute("INSERT INTO commits (worker, seq) VALUES (-1, -1)");
            throw new AssertionError(old.name() + " took a write after it was thawed");
        } catch (IllegalStateException expected) {
            System.out.printf("[ha-hikari] %s thawed: its PostgreSQL stopped, a write is refused (%s)%n", old.name(),
                    expected.getMessage());
        }
        old.startAgent();
        ClusterNode primary = cluster.awaitConverged(CONVERGE);
        assertThat(primary).as("%s rejoined as a replica", old.name()).isNotEqualTo(old);
    }

    private static Set<Integer> readPorts(ReplicaDataSource reads, int times) throws SQLException {
        Set<Integer> ports = new TreeSet<>();
        for (int i = 0; i < times; i++) {
            try (Connection c = reads.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT inet_server_port()")) {
                rs.next();
                ports.add(rs.getInt(1));
            }
        }
        return ports;
    }
}
