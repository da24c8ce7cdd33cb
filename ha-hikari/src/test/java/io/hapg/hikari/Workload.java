package io.hapg.hikari;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * N threads committing continuously through a DataSource, one small transaction each time, and
 * recording every acknowledged commit (with the server that acknowledged it) and every failure.
 */
final class Workload implements AutoCloseable {
    /** An acknowledged commit. Times: {@code System.nanoTime()}; {@code serverTime}: the row's clock_timestamp(). */
    record Commit(int worker, long seq, int serverPort, Instant serverTime, long startNanos, long ackNanos) {
    }

    /** A failed attempt; {@code inGetConnection}: it was {@code getConnection()} that failed. */
    record Failure(int worker, long startNanos, long failedNanos, boolean inGetConnection, SQLException error) {
        String describe() {
            return (inGetConnection ? "getConnection: " : "transaction: ") + error.getClass().getSimpleName() + " "
                    + error.getSQLState() + " " + error.getMessage();
        }
    }

    final ConcurrentLinkedQueue<Commit> commits = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;

    Workload(DataSource ds, int workers, String table) {
        for (int w = 0; w < workers; w++) {
            int worker = w;
            Thread t = new Thread(() -> run(ds, worker, table), "workload-" + w);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    private void run(DataSource ds, int worker, String table) {
        long seq = 0;
        while (!stop) {
            seq++;
            long start = System.nanoTime();
            Connection c;
            try {
                c = ds.getConnection();
            } catch (SQLException e) {
                failures.add(new Failure(worker, start, System.nanoTime(), true, e));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                continue;
            }
            try (c) {
                c.setAutoCommit(false);
                int port;
                Instant at;
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (worker, seq) VALUES (?, ?) "
                        + "RETURNING inet_server_port(), clock_timestamp()")) {
                    ps.setInt(1, worker);
                    ps.setLong(2, seq);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        port = rs.getInt(1);
                        at = rs.getTimestamp(2).toInstant();
                    }
                }
                c.commit();
                commits.add(new Commit(worker, seq, port, at, start, System.nanoTime()));
            } catch (SQLException e) {
                failures.add(new Failure(worker, start, System.nanoTime(), false, e));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
    }

    /** Acknowledged commits in acknowledgement order. */
    List<Commit> commitsSorted() {
        return commits.stream().sorted(Comparator.comparingLong(Commit::ackNanos)).collect(Collectors.toList());
    }

    /** The longest time without any acknowledged commit, over acks in [from, to] (nanoTime). */
    long longestPauseMillis(long from, long to) {
        long prev = -1;
        long longest = 0;
        for (Commit c : commitsSorted()) {
            if (c.ackNanos() < from) {
                prev = c.ackNanos();
                continue;
            }
            if (c.ackNanos() > to) {
                break;
            }
            if (prev >= 0) {
                longest = Math.max(longest, c.ackNanos() - prev);
            }
            prev = c.ackNanos();
        }
        return TimeUnit.NANOSECONDS.toMillis(longest);
    }

    Optional<Commit> firstOn(int port, long after) {
        return commitsSorted().stream().filter(c -> c.serverPort() == port && c.ackNanos() > after).findFirst();
    }

    Optional<Commit> lastOn(int port) {
        List<Commit> all = commitsSorted().stream().filter(c -> c.serverPort() == port).collect(Collectors.toList());
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    List<Failure> failuresSince(long nanos) {
        return failures.stream().filter(f -> f.startNanos() >= nanos).collect(Collectors.toList());
    }

    long commitsOn(int port, long after) {
        return commits.stream().filter(c -> c.serverPort() == port && c.ackNanos() > after).count();
    }

    @Override
    public void close() {
        stop = true;
        for (Thread t : threads) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
