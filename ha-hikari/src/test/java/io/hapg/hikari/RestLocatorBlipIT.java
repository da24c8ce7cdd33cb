package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.testkit.Await;
import io.hapg.testkit.LocalPostgres;
import io.hapg.testkit.ProcessLogs;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A REST blip (issue #17, item 1): the primary's REST API answers too late, then resets its
 * connections (an agent restarting), for a few polls while a transaction is open on the primary.
 * Neither says the primary is gone, so the pool keeps it: the transaction commits, no switch, no
 * borrower held. The peer is a JDK HttpServer answering like the agent's API; the database is real.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RestLocatorBlipIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void aRestBlipDuringAnOpenTransactionLeavesItCommittedWithNoSwitch() throws Exception {
        try (LocalPostgres pg = LocalPostgres.builder().name("pg1").createPrimary().start();
             RestPrimaryLocatorTest.FakeMember api = new RestPrimaryLocatorTest.FakeMember("pg1", pg.port())) {
            logs.watch(pg);
            pg.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            api.primary = true;
            // The pool checks the server's identifier against the one the member reports.
            api.systemIdentifier = pg.query("SELECT system_identifier FROM pg_control_system()").get(0).get(0);
            try (RestPrimaryLocator locator = RestPrimaryLocator.builder().cluster("shop")
                    .member(api.url(), pg.host() + ":" + pg.port()).pollInterval(Duration.ofMillis(100))
                    .timeout(Duration.ofMillis(200)).build().start();
                 PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator)
                         .hikari(pool()).user("postgres").build())) {
                List<String> lost = new CopyOnWriteArrayList<>();
                ds.addListener(new SwitchListener() {
                    @Override
                    public void primaryLost(Optional<PrimaryEndpoint> from, String reason, Instant at) {
                        lost.add(reason);
                    }
                }, Runnable::run);
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    s.executeUpdate("INSERT INTO orders VALUES (1)");

                    api.delayMillis = 500; // > the 200 ms request timeout
                    Await.until("the locator saw the timeouts", Duration.ofSeconds(10),
                            () -> locator.problem().filter(p -> p.contains("timed out")).isPresent());
                    holdFor(Duration.ofMillis(800), ds, lost);
                    api.delayMillis = 0;
                    api.reset = true;
                    Await.until("the locator saw the resets", Duration.ofSeconds(10),
                            () -> locator.problem().filter(p -> p.contains("unreachable")).isPresent());
                    holdFor(Duration.ofMillis(800), ds, lost);
                    api.reset = false;
                    Await.until("the locator heard from the primary again", Duration.ofSeconds(10),
                            () -> locator.problem().isEmpty());

                    s.executeUpdate("INSERT INTO orders VALUES (2)");
                    c.commit();
                }
                assertThat(pg.query("SELECT count(*) FROM orders")).containsExactly(List.of("2"));
                assertThat(ds.switchCount()).isZero();
                assertThat(lost).as("primaryLost events").isEmpty();
                assertThat(ds.currentPrimary().map(PrimaryEndpoint::member)).contains("pg1");
            }
        }
    }

    private static HikariConfig pool() {
        HikariConfig h = new HikariConfig();
        h.setMaximumPoolSize(2);
        h.setConnectionTimeout(2000);
        return h;
    }

    /** The pool stays available, with no primaryLost event, for {@code d}. */
    private static void holdFor(Duration d, PrimaryDataSource ds, List<String> lost) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            assertThat(ds.isAvailable()).as("the pool kept the primary (lost: " + lost + ")").isTrue();
            Thread.sleep(20);
        }
    }
}
