package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.testkit.Await;
import io.hapg.testkit.LocalPostgres;
import io.hapg.testkit.ProcessLogs;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #17, item 3: a hung primary (every PostgreSQL process SIGSTOPped, connections open, nothing
 * answers) with statements in flight. With no leader change the host monitor aborts them once no
 * probe answered for its timeout, long before the socket timeout; on a switch away from it they
 * fail at once, and no write lands on it once it is thawed. Real PostgreSQL, standalone servers and
 * a locator the test sets (the issue allows a flippable locator for pool-only tests).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HungPrimaryIT {
    /** Far above every bound checked: a statement that failed within them was failed by the pool. */
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(40);

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    /** How a statement run on its own thread ended, and when. */
    private record Outcome(long endNanos, Optional<SQLException> error) {
    }

    private static PrimaryEndpoint endpoint(LocalPostgres pg) {
        return new PrimaryEndpoint(pg.name(), pg.host(), pg.port(), "postgres://" + pg.host() + ":" + pg.port()
                + "/postgres");
    }

    /** Watches {@code pg}'s log, creates the orders table there; a locator naming it. */
    private PrimaryDataSourceBorrowTest.SettableLocator prepare(LocalPostgres pg) {
        logs.watch(pg);
        pg.execute("CREATE TABLE orders (id serial, note text, at timestamptz DEFAULT clock_timestamp())");
        PrimaryDataSourceBorrowTest.SettableLocator locator = new PrimaryDataSourceBorrowTest.SettableLocator();
        locator.set(Optional.of(endpoint(pg)));
        return locator;
    }

    private static HikariConfig pool(int size, long connectionTimeoutMs) {
        HikariConfig h = new HikariConfig();
        h.setMaximumPoolSize(size);
        h.setConnectionTimeout(connectionTimeoutMs);
        return h;
    }

    private static CompletableFuture<Outcome> run(PrimaryDataSource ds, String sql, boolean autoCommit) {
        CompletableFuture<Outcome> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                c.setAutoCommit(autoCommit);
                s.execute(sql);
                if (!autoCommit) {
                    c.commit();
                }
                f.complete(new Outcome(System.nanoTime(), Optional.empty()));
            } catch (SQLException e) {
                f.complete(new Outcome(System.nanoTime(), Optional.of(e)));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        }, "statement");
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** Waits until {@code n} backends of the pool run a statement containing {@code marker}. */
    private static void awaitRunning(LocalPostgres pg, String marker, int n) {
        Await.until(n + " statement(s) '" + marker + "' running on " + pg.name(), Duration.ofSeconds(20),
                () -> Integer.parseInt(pg.query("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND "
                        + "query LIKE '%" + marker + "%' AND pid <> pg_backend_pid()").get(0).get(0)) >= n);
    }

    @Test
    void statementsInFlightOnAHungPrimaryWithNoLeaderChangeFailWithinTheMonitorsBound() throws Exception {
        try (LocalPostgres pg = LocalPostgres.builder().name("pg1").createPrimary().start()) {
            PrimaryDataSourceBorrowTest.SettableLocator locator = prepare(pg);
            HikariConfig h = pool(4, 3000);
            Duration monitorTimeout = Duration.ofSeconds(1);
            List<String> lost = new CopyOnWriteArrayList<>();
            try (PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator).hikari(h)
                    .user("postgres").socketTimeout(SOCKET_TIMEOUT).hostMonitorInterval(Duration.ofMillis(200))
                    .hostMonitorTimeout(monitorTimeout).build())) {
                // Issue #17 item 8: a switched listener that blocks, on a direct executor, must stall neither
                // HikariCP's connection adder nor the pool's target lock.
                List<String> switchedOn = new CopyOnWriteArrayList<>();
                ds.addListener(new SwitchListener() {
                    @Override
                    public void primaryLost(Optional<PrimaryEndpoint> from, String reason, Instant at) {
                        lost.add(reason);
                    }

                    @Override
                    public void switched(SwitchEvent event) {
                        switchedOn.add(Thread.currentThread().getName());
                        try {
                            Thread.sleep(4000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }, Runnable::run);
                List<CompletableFuture<Outcome>> inFlight = new ArrayList<>();
                inFlight.add(run(ds, "SELECT pg_sleep(20) /* hung-read */", true));
                inFlight.add(run(ds, "INSERT INTO orders (note) SELECT 'hung-write' FROM pg_sleep(20)", false));
                awaitRunning(pg, "hung-", 2);
                // The monitor fires only for a primary that answered it once (a newly named one may be slow to
                // take connections): on a loaded machine its first probe could come after the freeze (CI).
                Await.until("the host monitor's first probe answered on " + pg.name(), Duration.ofSeconds(20),
                        () -> Integer.parseInt(pg.query("SELECT count(*) FROM pg_stat_activity WHERE application_name"
                                + " LIKE '% monitor' AND query = 'SELECT 1' AND state = 'idle'").get(0).get(0)) >= 1);

                long freeze = System.nanoTime();
                pg.freeze();
                try {
                    List<Long> failedMs = new ArrayList<>();
                    for (CompletableFuture<Outcome> f : inFlight) {
                        // Without the monitor they block until the socket timeout (40 s).
                        Outcome o = f.get(10, TimeUnit.SECONDS);
                        assertThat(o.error()).as("a statement on the hung primary failed").isPresent();
                        // 40000: rolled back inside a transaction (the pool's TransactionRolledBackException)
                        assertThat(o.error().get().getSQLState()).isIn("08S02", "08007", "40000");
                        failedMs.add(TimeUnit.NANOSECONDS.toMillis(o.endNanos() - freeze));
                    }
                    System.out.printf("[ha-hikari] primary SIGSTOPped with 2 statements in flight, no leader change "
                            + "(host monitor every 200 ms, timeout %d ms; socketTimeout %d s): they failed %s ms after "
                            + "the freeze%n", monitorTimeout.toMillis(), SOCKET_TIMEOUT.toSeconds(), failedMs);
                    assertThat(failedMs).as("failed within the monitor's timeout + 1.5 s, not at the socket timeout")
                            .allSatisfy(ms -> assertThat(ms).isLessThan(monitorTimeout.toMillis() + 1500));
                    assertThat(ds.isAvailable()).as("borrowers are held while the primary does not answer").isFalse();
                    assertThat(lost).anySatisfy(r -> assertThat(r).contains("does not answer"));
                } finally {
                    pg.thaw();
                }
                Await.until("the pool takes the primary back once it answers", Duration.ofSeconds(20),
                        ds::isAvailable);
                long back = System.nanoTime();
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO orders (note) VALUES ('after')");
                }
                long writtenMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back);
                String pool = ds.unwrap(com.zaxxer.hikari.HikariDataSource.class).getPoolName();
                Await.until("the switched event", Duration.ofSeconds(10), () -> !switchedOn.isEmpty());
                System.out.printf("[ha-hikari] thawed: the first write took %d ms with a switched listener blocking "
                        + "4 s on %s%n", writtenMs, switchedOn);
                assertThat(switchedOn).containsExactly("hapg-pool-" + pool + "-listeners");
                assertThat(writtenMs).as("ms to the first write once the primary is back, a switched listener "
                        + "blocking 4 s").isLessThan(2000);
                assertThat(pg.query("SELECT note FROM orders ORDER BY id")).as("the aborted write never committed")
                        .containsExactly(List.of("after"));
            }
        }
    }

    /**
     * The pools of one locator share one host monitor per primary: 15 pools make one probe
     * connection, kept open between probes (one backend over many probes, not one per probe), and
     * when the primary hangs every pool hears it. With one monitor per pool, 100 pools opened 100
     * probe connections to a just-promoted primary beside their own, and under load its agent could
     * not connect to it and fenced it (PrimaryFollowingIT).
     */
    @Test
    void thePoolsOfOneLocatorShareOneMonitorConnectionAndAllHearOfAHang() throws Exception {
        try (LocalPostgres pg = LocalPostgres.builder().name("pg1").createPrimary().start();
             SettableLocator locator = new SettableLocator("shop")) {
            logs.watch(pg);
            locator.pointAt("pg1", pg);
            List<PrimaryDataSource> pools = new ArrayList<>();
            try (Backends backends = new Backends("15 pools, " + pg.name(), pg.jdbcUrl())) {
                for (int i = 0; i < 15; i++) { // 15 + 15 monitors + the test's own: within max_connections 40
                    HikariConfig h = pool(1, 5000);
                    h.setPoolName("p" + i);
                    pools.add(PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator).hikari(h)
                            .user("postgres").socketTimeout(SOCKET_TIMEOUT).hostMonitorInterval(Duration.ofMillis(200))
                            .hostMonitorTimeout(Duration.ofSeconds(1)).build()));
                }
                for (PrimaryDataSource ds : pools) {
                    ds.getConnection().close();
                }
                Await.until("a monitor connection", Duration.ofSeconds(10), () -> monitorBackends(pg) > 0);
                Thread.sleep(2000); // 10 probes
                backends.close();
                System.out.println("[ha-hikari] " + backends.summary());
                assertThat(backends.peakMonitors()).as("monitor backends at once, 15 pools of one locator").isEqualTo(1);
                assertThat(backends.summary()).as("one monitor backend over 10 probes, not one per probe")
                        .contains("host monitor backends at most 1 at once, 1 distinct");
                pg.freeze();
                try {
                    Await.until("every pool holds borrowers while the primary does not answer", Duration.ofSeconds(5),
                            () -> pools.stream().noneMatch(PrimaryDataSource::isAvailable));
                } finally {
                    pg.thaw();
                }
                Await.until("every pool takes the primary back", Duration.ofSeconds(20),
                        () -> pools.stream().allMatch(PrimaryDataSource::isAvailable));
            } finally {
                pools.forEach(PrimaryDataSource::close);
            }
            Await.until("the monitor connection closed with the last pool", Duration.ofSeconds(10),
                    () -> monitorBackends(pg) == 0);
        }
    }

    private static int monitorBackends(LocalPostgres pg) {
        return Integer.parseInt(pg.query("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE "
                + "'% monitor'").get(0).get(0));
    }

    /**
     * The "done when": a switch while the old primary is writable and hung fails the
     * sleeping statement within 1 s and lands no write on it. The old server is frozen with an
     * autocommit INSERT in flight that sleeps first, the locator names the other server, the
     * statement fails, a write commits on the new one; thawed, the old one must not commit the
     * sleeping INSERT (it would, running on with nobody listening, without the pool's
     * {@code client_connection_check_interval}).
     */
    @Test
    void aSwitchAwayFromAHungWritablePrimaryFailsTheSleeperWithinOneSecondAndLandsNothingThere() throws Exception {
        try (LocalPostgres a = LocalPostgres.builder().name("pga").createPrimary().start()) {
            PrimaryDataSourceBorrowTest.SettableLocator locator = prepare(a);
            // b: a clone of a, promoted: writable, the same cluster (system identifier), nothing of a's after.
            try (LocalPostgres b = LocalPostgres.builder().name("pgb").createReplicaOf(a).start()) {
                logs.watch(b);
                b.execute("SELECT pg_promote(true, 60)");
                Await.until(b.name() + " promoted", Duration.ofSeconds(30),
                        () -> "f".equals(b.query("SELECT pg_is_in_recovery()").get(0).get(0)));
                HikariConfig h = pool(2, 5000);
                h.setMinimumIdle(0); // a borrower arriving while the old primary is hung makes HikariCP connect to it
                // The monitor's timeout far above the bound checked: it is the switch that fails the statement.
                try (PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator).hikari(h)
                        .user("postgres").socketTimeout(SOCKET_TIMEOUT).connectTimeout(Duration.ofSeconds(10))
                        .hostMonitorTimeout(Duration.ofSeconds(20)).build())) {
                    CompletableFuture<Outcome> sleeper = run(ds,
                            "INSERT INTO orders (note) SELECT 'sleeper' FROM pg_sleep(2)", true);
                    awaitRunning(a, "sleeper", 1);
                    a.freeze();
                    long flip;
                    try {
                        // HikariCP's adder connects to the hung server for this borrower: TCP is accepted, nothing
                        // answers, and the attempt would hold the adder for connectTimeout (10 s).
                        CompletableFuture<Outcome> late = run(ds, "INSERT INTO orders (note) VALUES ('late borrower')",
                                true);
                        Thread.sleep(2500); // the sleep is over while frozen: thawed, the INSERT would run at once
                        flip = System.nanoTime();
                        locator.set(Optional.of(endpoint(b)));
                        Outcome o = sleeper.get(10, TimeUnit.SECONDS);
                        long failedMs = TimeUnit.NANOSECONDS.toMillis(o.endNanos() - flip);
                        System.out.printf("[ha-hikari] switch away from a hung writable primary: the sleeping INSERT "
                                + "failed %d ms after the locator named the new one (%s)%n", failedMs,
                                o.error().map(e -> e.getSQLState() + " " + e.getMessage()).orElse("it succeeded"));
                        assertThat(o.error()).as("the sleeping statement failed").isPresent();
                        assertThat(failedMs).as("ms from the switch to the statement's failure").isLessThan(1000);
                        Outcome lateOutcome = late.get(10, TimeUnit.SECONDS);
                        long lateMs = TimeUnit.NANOSECONDS.toMillis(lateOutcome.endNanos() - flip);
                        System.out.printf("[ha-hikari] a borrower waiting while the old primary hung wrote %d ms after the "
                                + "switch (%s)%n", lateMs, lateOutcome.error().map(SQLException::getMessage).orElse("ok"));
                        assertThat(lateOutcome.error()).as("the borrower waiting in HikariCP at the switch").isEmpty();
                        assertThat(lateMs).as("ms from the switch to its write on the new primary").isLessThan(1500);
                        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                            s.executeUpdate("INSERT INTO orders (note) VALUES ('first on the new primary')");
                        }
                    } finally {
                        a.thaw();
                    }
                    Instant firstNew = Instant.parse(b.query("SELECT to_char(min(at) AT TIME ZONE 'UTC', "
                            + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM orders").get(0).get(0));
                    // Long enough for the thawed backend to have committed the INSERT if it were going to.
                    Thread.sleep(3000);
                    List<List<String>> late = a.query("SELECT note, at FROM orders WHERE at >= '" + firstNew + "'");
                    List<List<String>> all = a.query("SELECT note, at FROM orders");
                    System.out.printf("[ha-hikari] %s thawed: rows there %s (the new primary's first at %s)%n", a.name(),
                            all, firstNew);
                    assertThat(late).as("rows on the old primary at or after the new one's first").isEmpty();
                    assertThat(all).as("rows on the old primary").isEmpty();
                    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("SELECT inet_server_port()")) {
                        rs.next();
                        assertThat(rs.getInt(1)).isEqualTo(b.port());
                    }
                }
            }
        }
    }
}
