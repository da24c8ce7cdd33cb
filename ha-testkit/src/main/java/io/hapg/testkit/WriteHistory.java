package io.hapg.testkit;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Continuous writes against a replicated cluster, recording every <em>acknowledged</em> commit,
 * and the checks a failover test ends with (the invariants of DESIGN.md "Testing").
 *
 * <p>Each writer thread commits one row every {@code interval} through a connection to whichever
 * node is a writable primary ({@code SELECT pg_is_in_recovery()} is false, the check pgjdbc's
 * {@code targetServerType=primary} makes), and records for each acknowledged commit the node,
 * its timeline and the server's {@code clock_timestamp()}. A failed commit (its outcome unknown)
 * drops the connection and the writer looks for a primary again. Such a writer stays with a
 * primary that keeps answering, so a second writable node would go unseen: with
 * {@link Builder#writerPerNode()} one more writer per node commits on that node alone whenever it
 * is writable, and a split brain shows up as overlapping windows.
 *
 * <p>The checks: {@link #assertAtMostOnePrimaryAtATime()} (no two nodes acknowledged commits in
 * overlapping windows; all processes share one machine clock), {@link #assertNoAcknowledgedCommitLost()}
 * (synchronous mode: every acknowledged id is on the current primary), and
 * {@link #awaitConverged(Duration)} (one primary, every other node streaming from it).
 *
 * <pre>{@code
 * try (WriteHistory writes = WriteHistory.builder(Map.of("n0", url0, "n1", url1)).start()) {
 *     writes.awaitAcknowledged(n -> true, Instant.now(), Duration.ofSeconds(10));
 *     ... kill the primary ...
 *     writes.stop();
 *     writes.assertAtMostOnePrimaryAtATime();
 * }
 * }</pre>
 *
 * <p>Thread-safe; the writers are the only threads it starts, and {@link #close()} stops them.
 */
public final class WriteHistory implements AutoCloseable {
    /** Default slack when comparing windows: the server and client clocks are one machine clock. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMillis(2);

    /**
     * One acknowledged commit.
     *
     * @param id         the row's id, unique in the history
     * @param writer     the writer thread's number
     * @param node       the node that acknowledged it
     * @param timeline   that node's timeline when it committed
     * @param serverTime the server's {@code clock_timestamp()} in the inserting statement
     * @param ackedAt    when the client received the acknowledgement
     */
    public record Commit(long id, int writer, String node, long timeline, Instant serverTime, Instant ackedAt) {
        public Commit {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(serverTime, "serverTime");
            Objects.requireNonNull(ackedAt, "ackedAt");
        }
    }

    private final Nodes nodes;
    private final String table;
    private final Duration interval;
    private final boolean writerPerNode;
    private final List<Thread> writers = new ArrayList<>();
    private final ConcurrentLinkedQueue<Commit> acknowledged = new ConcurrentLinkedQueue<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong localOnly = new AtomicLong();
    private final int queryTimeoutSeconds;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile String lastFailure = "none";

    private WriteHistory(Builder b) {
        this.nodes = new Nodes(b.urls, b.user, b.password);
        this.table = b.table;
        this.interval = b.interval;
        this.writerPerNode = b.writerPerNode;
        this.queryTimeoutSeconds = b.queryTimeoutSeconds;
    }

    /** A history writing to the nodes {@code name -> JDBC URL} (no credentials in the URL needed). */
    public static Builder builder(Map<String, String> nodeUrls) {
        return new Builder(nodeUrls);
    }

    /** The acknowledged commits so far, in acknowledgement order per writer. */
    public List<Commit> acknowledged() {
        return List.copyOf(acknowledged);
    }

    /** How many commits failed (outcome unknown) so far. */
    public long failures() {
        return failures.get();
    }

    /**
     * How many commits returned with PostgreSQL's warning that their wait for synchronous
     * replication was cancelled (by the writers' query timeout): committed on one node only, so
     * neither acknowledged nor failed; the no-loss check does not cover them.
     */
    public long localOnly() {
        return localOnly.get();
    }

    /** The table the rows go to (unique per history). */
    public String table() {
        return table;
    }

    /** The first commit acknowledged by a node matching {@code node} with server time after {@code after}. */
    public Optional<Commit> firstAcknowledged(Predicate<String> node, Instant after) {
        return acknowledged.stream().filter(c -> node.test(c.node()) && c.serverTime().isAfter(after))
                .min(Comparator.comparing(Commit::serverTime));
    }

    /** When {@code node} acknowledged its last commit so far, if it acknowledged any. */
    public Optional<Instant> lastAcknowledgedAt(String node) {
        return acknowledged.stream().filter(c -> c.node().equals(node)).map(Commit::ackedAt)
                .max(Comparator.naturalOrder());
    }

    /**
     * Waits until a node matching {@code node} acknowledged a commit after {@code after}.
     *
     * @throws AssertionError on timeout, with the last commit failure
     */
    public Commit awaitAcknowledged(Predicate<String> node, Instant after, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Commit> first = firstAcknowledged(node, after);
            if (first.isPresent()) {
                return first.get();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no commit acknowledged within " + timeout + " after " + after + "; "
                        + summary());
            }
            Nodes.pause(Duration.ofMillis(20));
        }
    }

    /** Stops the writers and waits for them (a commit in flight finishes or fails). Idempotent. */
    public void stop() {
        running.set(false);
        for (Thread w : writers) {
            try {
                w.join(Duration.ofSeconds(15).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The violations of "at most one writable primary at a time"; empty when none. */
    public List<String> overlappingPrimaries(Duration tolerance) {
        return WriteChecks.overlappingPrimaries(acknowledged(), tolerance);
    }

    /**
     * Asserts that no two nodes acknowledged commits in overlapping windows: a node's window on
     * a timeline runs from the server time of its first commit to the acknowledgement of its last.
     */
    public void assertAtMostOnePrimaryAtATime() {
        List<String> violations = overlappingPrimaries(DEFAULT_TOLERANCE);
        if (!violations.isEmpty()) {
            throw new AssertionError(String.join("\n", violations) + "\n" + summary());
        }
    }

    /**
     * Asserts that every acknowledged commit is on the node that is primary now (the promise of
     * synchronous mode). Call after {@link #stop()} and {@link #awaitConverged(Duration)}.
     */
    public void assertNoAcknowledgedCommitLost() {
        String primary = nodes.primary().orElseThrow(() -> new AssertionError("no primary to check against"));
        Set<Long> lost = lostAcknowledgedCommits();
        if (!lost.isEmpty()) {
            throw new AssertionError(lost.size() + " acknowledged commits are not on the primary " + primary + ": "
                    + lost.stream().limit(20).toList() + "\n" + summary());
        }
    }

    /**
     * The ids of acknowledged commits missing on the node that is primary now, in order; empty
     * when none is lost. Call after {@link #stop()} and {@link #awaitConverged(Duration)}.
     *
     * @throws AssertionError when no single node is a writable primary, or its table cannot be read
     */
    public Set<Long> lostAcknowledgedCommits() {
        String primary = nodes.primary().orElseThrow(() -> new AssertionError("no primary to check against"));
        return WriteChecks.lost(acknowledged(), nodes.ids(primary, table));
    }

    /**
     * Waits until exactly one node is a writable primary and every other node is a replica
     * streaming from it ({@code pg_stat_wal_receiver}); returns the primary's name.
     *
     * @throws AssertionError on timeout, with what each node answered last
     */
    public String awaitConverged(Duration timeout) {
        return nodes.awaitConverged(timeout);
    }

    /** One line on the history: commits, failures, terms. */
    public String summary() {
        return "write history " + table + ": " + acknowledged.size() + " acknowledged, " + failures.get()
                + " failed, " + localOnly.get() + " local only (last: " + lastFailure + "); terms: " + WriteChecks.terms(acknowledged());
    }

    /** Stops the writers. */
    @Override
    public void close() {
        stop();
    }

    private void start(int writerCount) {
        nodes.createTable(table, Duration.ofSeconds(60));
        for (int i = 0; i < writerCount; i++) {
            int number = i;
            Thread t = new Thread(() -> write(number), "write-history-w" + i);
            t.setDaemon(true);
            writers.add(t);
            t.start();
        }
        if (writerPerNode) {
            int number = writerCount;
            for (String node : nodes.names()) {
                int writer = number++;
                Thread t = new Thread(() -> write(writer, node), "write-history-" + node);
                t.setDaemon(true);
                writers.add(t);
                t.start();
            }
        }
    }

    private void write(int writer) {
        write(writer, null);
    }

    /** Commits through any primary ({@code pinned} null) or through {@code pinned} alone. */
    private void write(int writer, String pinned) {
        Nodes.Session session = null;
        while (running.get()) {
            if (session == null) {
                session = pinned == null ? nodes.connectToPrimary() : nodes.connectTo(pinned);
                if (session == null) {
                    // A pinned writer polls its replica less often: it opens a backend each time.
                    Nodes.pause(Duration.ofMillis(pinned == null ? 50 : 100));
                    continue;
                }
            }
            long id = ids.incrementAndGet();
            try {
                acknowledged.add(session.queryTimeout(queryTimeoutSeconds).insert(table, id, writer));
            } catch (Nodes.LocalOnlyCommit e) {
                localOnly.incrementAndGet();
                lastFailure = e.getMessage();
            } catch (SQLException e) {
                failures.incrementAndGet();
                lastFailure = session.node() + ": " + e.getMessage();
                session.close();
                session = null;
            }
            Nodes.pause(interval);
        }
        if (session != null) {
            session.close();
        }
    }

    /** Settings of a {@link WriteHistory}. */
    public static final class Builder {
        private final Map<String, String> urls;
        private String user = "postgres";
        private String password = "";
        private int writers = 2;
        private Duration interval = Duration.ofMillis(5);
        private String table = "write_history_" + UUID.randomUUID().toString().substring(0, 8);
        private boolean writerPerNode;
        private int queryTimeoutSeconds;

        private Builder(Map<String, String> urls) {
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("nodeUrls must name at least one node");
            }
            this.urls = new LinkedHashMap<>(urls);
        }

        /** The role to connect as; default {@code postgres}. */
        public Builder credentials(String user, String password) {
            this.user = Objects.requireNonNull(user, "user");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** Concurrent writers, each with its own connection; default 2. */
        public Builder writers(int writers) {
            if (writers < 1) {
                throw new IllegalArgumentException("writers must be >= 1: " + writers);
            }
            this.writers = writers;
            return this;
        }

        /** Pause between one writer's commits; default 5 ms. */
        public Builder interval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("interval must be >= 0: " + interval);
            }
            this.interval = interval;
            return this;
        }

        /**
         * JDBC {@code setQueryTimeout} on every insert, as applications set it; default none. Its
         * cancel can end a commit's wait for a synchronous standby: such a commit is counted as
         * {@link #localOnly()}, not acknowledged.
         */
        public Builder queryTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.toMillis() % 1000 != 0) {
                throw new IllegalArgumentException("queryTimeout must be whole seconds >= 0: " + timeout);
            }
            this.queryTimeoutSeconds = (int) timeout.toSeconds();
            return this;
        }

        /**
         * Adds one writer per node that commits on that node alone whenever it is a writable
         * primary: a node that stays writable after another was promoted is seen even while the
         * other writers' connections stay with it.
         */
        public Builder writerPerNode() {
            this.writerPerNode = true;
            return this;
        }

        /**
         * Creates the table on the current primary (waiting up to 60 s for one) and starts the writers.
         *
         * @throws AssertionError when no primary accepts the table within 60 s
         */
        public WriteHistory start() {
            WriteHistory history = new WriteHistory(this);
            history.start(writers);
            return history;
        }
    }
}
