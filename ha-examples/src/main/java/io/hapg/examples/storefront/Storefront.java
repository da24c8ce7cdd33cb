package io.hapg.examples.storefront;

import io.hapg.hikari.PrimaryDataSource;
import io.hapg.hikari.ReplicaDataSource;
import io.hapg.hikari.TransactionStateUnknownException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A small shop, the application the article's {@code .env} script restarts: writer threads place
 * orders (an order row and a stock decrement, one transaction) through a {@link PrimaryDataSource},
 * reader threads read the stock through a {@link ReplicaDataSource}. It follows the primary in
 * process; nothing restarts it.
 *
 * <p>It remembers every order whose commit returned normally (acknowledged), so that a check at
 * the end can find any acknowledged order missing on the final primary. An order whose commit
 * outcome is unknown ({@link TransactionStateUnknownException}) is counted apart, not as
 * acknowledged. Threads are named {@code storefront-writer-N} / {@code storefront-reader-N} and
 * owned by this object; {@link #close()} stops and joins them.
 */
public final class Storefront implements AutoCloseable {
    static final int PRODUCTS = 20;
    private static final long PAUSE_NANOS = 20_000_000L;
    private static final long PAUSE_AFTER_FAILURE_NANOS = 100_000_000L;

    private final PrimaryDataSource writes;
    private final ReplicaDataSource reads;
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Long> acknowledged = new ConcurrentLinkedQueue<>();
    /** Monotonic times (System.nanoTime) of acknowledged orders since the last {@link #markWindow()}. */
    private final ConcurrentLinkedQueue<Long> window = new ConcurrentLinkedQueue<>();
    private final AtomicLong orders = new AtomicLong();
    private final AtomicLong failedOrders = new AtomicLong();
    private final AtomicLong unknownOrders = new AtomicLong();
    private final AtomicLong stockReads = new AtomicLong();
    private final AtomicLong failedReads = new AtomicLong();
    private volatile String lastError = "";
    private volatile boolean running = true;

    private Storefront(PrimaryDataSource writes, ReplicaDataSource reads) {
        this.writes = writes;
        this.reads = reads;
    }

    /**
     * Creates the shop's tables on the primary (dropping an earlier shop's) and starts the threads.
     *
     * @throws SQLException when the schema cannot be created
     */
    public static Storefront open(PrimaryDataSource writes, ReplicaDataSource reads, int writers, int readers)
            throws SQLException {
        try (Connection c = writes.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS orders, products");
            s.execute("CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, stock bigint NOT NULL)");
            s.execute("CREATE TABLE orders (id bigint PRIMARY KEY, product int NOT NULL REFERENCES products,"
                    + " quantity int NOT NULL, placed timestamptz NOT NULL DEFAULT clock_timestamp())");
            s.execute("INSERT INTO products SELECT g, 'product ' || g, 1000000000 FROM generate_series(1, "
                    + PRODUCTS + ") g");
        }
        Storefront shop = new Storefront(writes, reads);
        for (int i = 0; i < writers; i++) {
            int worker = i;
            shop.threads.add(new Thread(() -> shop.placeOrders(worker), "storefront-writer-" + i));
        }
        for (int i = 0; i < readers; i++) {
            shop.threads.add(new Thread(shop::readStock, "storefront-reader-" + i));
        }
        shop.threads.forEach(t -> {
            t.setDaemon(true);
            t.start();
        });
        return shop;
    }

    private void placeOrders(int worker) {
        long seq = 0;
        while (running) {
            long id = (long) worker * 1_000_000_000L + ++seq;
            int product = 1 + ThreadLocalRandom.current().nextInt(PRODUCTS);
            int quantity = 1 + ThreadLocalRandom.current().nextInt(3);
            try (Connection c = writes.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement order = c.prepareStatement(
                        "INSERT INTO orders (id, product, quantity) VALUES (?, ?, ?)");
                     PreparedStatement stock = c.prepareStatement(
                             "UPDATE products SET stock = stock - ? WHERE id = ?")) {
                    order.setLong(1, id);
                    order.setInt(2, product);
                    order.setInt(3, quantity);
                    order.executeUpdate();
                    stock.setInt(1, quantity);
                    stock.setInt(2, product);
                    stock.executeUpdate();
                    c.commit();
                }
                acknowledged.add(id);
                window.add(System.nanoTime());
                orders.incrementAndGet();
                LockSupport.parkNanos(PAUSE_NANOS);
            } catch (TransactionStateUnknownException e) {
                unknownOrders.incrementAndGet();
                failed(e);
            } catch (SQLException | RuntimeException e) {
                failedOrders.incrementAndGet();
                failed(e);
            }
        }
    }

    private void readStock() {
        while (running) {
            try (Connection c = reads.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT sum(stock) FROM products")) {
                rs.next();
                stockReads.incrementAndGet();
                LockSupport.parkNanos(PAUSE_NANOS);
            } catch (SQLException | RuntimeException e) {
                failedReads.incrementAndGet();
                failed(e);
            }
        }
    }

    private void failed(Exception e) {
        lastError = (e.getMessage() == null ? e.toString() : e.getMessage()).lines().findFirst().orElse("");
        if (running) {
            LockSupport.parkNanos(PAUSE_AFTER_FAILURE_NANOS);
        }
    }

    /** What the shop did so far: orders placed, failed, of unknown outcome; stock reads and failed reads. */
    public Counts counts() {
        return new Counts(orders.get(), failedOrders.get(), unknownOrders.get(), stockReads.get(), failedReads.get(),
                lastError);
    }

    /**
     * Counters at one moment.
     *
     * @param orders      orders acknowledged (their commit returned normally)
     * @param failed      orders whose transaction failed (rolled back)
     * @param unknown     orders whose commit outcome is unknown
     * @param reads       stock reads that answered
     * @param failedReads stock reads that failed
     * @param lastError   the first line of the last error, empty when none
     */
    public record Counts(long orders, long failed, long unknown, long reads, long failedReads, String lastError) {
        /** The counts from {@code before} to this. */
        public Counts since(Counts before) {
            return new Counts(orders - before.orders, failed - before.failed, unknown - before.unknown,
                    reads - before.reads, failedReads - before.failedReads, lastError);
        }
    }

    /** Starts a new window of acknowledged-order times (System.nanoTime), for {@link #longestGapSince}. */
    public void markWindow() {
        window.clear();
    }

    /**
     * The longest time without an acknowledged order from {@code fromNanos} (System.nanoTime) to
     * {@code toNanos}, over the orders since the last {@link #markWindow()}, in milliseconds.
     */
    public long longestGapSince(long fromNanos, long toNanos) {
        long previous = fromNanos;
        long longest = 0;
        for (long t : window.stream().filter(t -> t >= fromNanos && t <= toNanos).sorted().toList()) {
            longest = Math.max(longest, t - previous);
            previous = t;
        }
        return Math.max(longest, toNanos - previous) / 1_000_000;
    }

    /** Nanoseconds (System.nanoTime) of the first acknowledged order at or after {@code fromNanos}, if any. */
    public java.util.OptionalLong firstOrderAfter(long fromNanos) {
        return window.stream().mapToLong(Long::longValue).filter(t -> t >= fromNanos).min();
    }

    /** Nanoseconds (System.nanoTime) of every acknowledged order at or after {@code fromNanos}, sorted. */
    public long[] orderTimesSince(long fromNanos) {
        return window.stream().mapToLong(Long::longValue).filter(t -> t >= fromNanos).sorted().toArray();
    }

    /**
     * Acknowledged orders missing on the primary: reads every order id through the primary pool.
     * Call after {@link #close()} so no order is in flight.
     *
     * @throws SQLException when the primary cannot be read
     */
    public Set<Long> lostAcknowledgedOrders() throws SQLException {
        Set<Long> present = new HashSet<>();
        try (Connection c = writes.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM orders")) {
            while (rs.next()) {
                present.add(rs.getLong(1));
            }
        }
        Set<Long> lost = new HashSet<>(acknowledged);
        lost.removeAll(present);
        return lost;
    }

    /** Stops the threads and waits for them (each ends after its current statement). */
    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
