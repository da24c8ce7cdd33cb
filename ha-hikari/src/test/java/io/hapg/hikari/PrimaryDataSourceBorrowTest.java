package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.core.spi.PrimaryLocator;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue #17, item 8: how long a borrower waits, and the pool's name. No server needed. */
@Timeout(30)
class PrimaryDataSourceBorrowTest {
    /** A locator whose answer the test sets. */
    static final class SettableLocator implements PrimaryLocator {
        private final List<Consumer<Optional<PrimaryEndpoint>>> listeners = new CopyOnWriteArrayList<>();
        private volatile Optional<PrimaryEndpoint> primary = Optional.empty();

        void set(Optional<PrimaryEndpoint> p) {
            primary = p;
            listeners.forEach(l -> l.accept(p));
        }

        @Override
        public AutoCloseable subscribe(Consumer<Optional<PrimaryEndpoint>> listener) {
            listeners.add(listener);
            listener.accept(primary);
            return () -> listeners.remove(listener);
        }

        @Override
        public void refresh() {
        }

        @Override
        public Optional<PrimaryEndpoint> current() {
            return primary;
        }

        @Override
        public void close() {
        }
    }

    private static int deadPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static PrimaryDataSourceConfig config(PrimaryLocator locator, long connectionTimeoutMs) {
        HikariConfig h = new HikariConfig();
        h.setConnectionTimeout(connectionTimeoutMs);
        h.setMaximumPoolSize(1);
        return PrimaryDataSourceConfig.builder(locator).hikari(h).user("app").build();
    }

    @Test
    void aBorrowerWaitsConnectionTimeoutOnceGateAndHikariTogether() throws Exception {
        SettableLocator locator = new SettableLocator();
        try (PrimaryDataSource ds = PrimaryDataSource.start(config(locator, 1500))) {
            int port = deadPort();
            // The primary appears after 1 s, at an address that refuses connections.
            CompletableFuture<Void> appears = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                locator.set(Optional.of(new PrimaryEndpoint("pg1", "127.0.0.1", port,
                        "postgres://127.0.0.1:" + port + "/postgres")));
            });
            long start = System.nanoTime();
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("no writable connection to primary pg1");
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(waited).as("1.5 s in all, not 1 s at the gate plus 1.5 s in HikariCP").isBetween(1400L, 2000L);
            appears.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void getConnectionAfterCloseFailsAtOnceAlsoForABorrowerAlreadyWaiting() throws Exception {
        SettableLocator locator = new SettableLocator();
        PrimaryDataSource ds = PrimaryDataSource.start(config(locator, 10_000));
        CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            try {
                ds.getConnection().close();
            } catch (SQLException e) {
                assertThat(e.getSQLState()).isEqualTo("08003");
            }
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        });
        Thread.sleep(300);
        ds.close();
        long start = System.nanoTime();
        assertThatThrownBy(ds::getConnection).isInstanceOf(SQLException.class).hasMessageContaining("is closed")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08003"));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(500L);
        assertThat(waiting.get(5, TimeUnit.SECONDS)).as("the waiting borrower was let go").isLessThan(2000L);
    }

    @Test
    void twoPoolsOnOneClusterHaveDistinctDefaultNames() {
        FixedLocator locator = new FixedLocator("shop", Optional.empty(), List.of());
        try (PrimaryDataSource a = PrimaryDataSource.start(config(locator, 300));
             PrimaryDataSource b = PrimaryDataSource.start(config(locator, 300))) {
            String nameA = a.unwrap(com.zaxxer.hikari.HikariDataSource.class).getPoolName();
            String nameB = b.unwrap(com.zaxxer.hikari.HikariDataSource.class).getPoolName();
            assertThat(nameA).startsWith("hapg-shop-").isNotEqualTo(nameB);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** Issue #17, item 8: borrowers waiting at the gate are counted; events come from the listener thread. */
    @Test
    void borrowersWaitingForAPrimaryAreCountedAndEventsRunOnTheListenerThread() throws Exception {
        SettableLocator locator = new SettableLocator();
        HikariConfig h = new HikariConfig();
        h.setConnectionTimeout(3000);
        h.setMaximumPoolSize(1);
        h.setPoolName("counted");
        try (PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator).hikari(h)
                .user("app").hostMonitorTimeout(java.time.Duration.ZERO).build())) {
            List<String> lostOn = new CopyOnWriteArrayList<>();
            ds.addListener(new SwitchListener() {
                @Override
                public void primaryLost(Optional<PrimaryEndpoint> from, String reason, java.time.Instant at) {
                    lostOn.add(Thread.currentThread().getName());
                }
            }, Runnable::run);
            List<CompletableFuture<Void>> borrowers = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                borrowers.add(CompletableFuture.runAsync(() -> {
                    try {
                        ds.getConnection().close();
                    } catch (SQLException expected) {
                        // no primary
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (ds.threadsAwaitingPrimary() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(ds.threadsAwaitingPrimary()).as("waiting at the gate").isEqualTo(3);
            assertThat(ds.threadsAwaitingConnection()).isEqualTo(3);
            assertThat(ds.getHikariPoolMXBean().getThreadsAwaitingConnection()).as("what HikariCP sees").isZero();
            CompletableFuture.allOf(borrowers.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
            assertThat(ds.threadsAwaitingConnection()).isZero();

            int port = deadPort();
            locator.set(Optional.of(new PrimaryEndpoint("pg1", "127.0.0.1", port,
                    "postgres://127.0.0.1:" + port + "/postgres")));
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!ds.isAvailable() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            locator.set(Optional.empty());
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (lostOn.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(lostOn).containsExactly("hapg-pool-counted-listeners");
        }
    }
}
