package io.hapg.hikari.internal;

import io.hapg.core.spi.PrimaryEndpoint;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The {@link DataSource} HikariCP is given ({@code setDataSource}): every physical connection goes
 * to the current target, the primary the locator named, and is verified writable before HikariCP
 * sees it. Each target is a generation; the connections of each generation are tracked so that a
 * switch can abort the old ones.
 *
 * <p>Only HikariCP's connection adder calls this (borrowers wait in HikariCP, bounded by its
 * {@code connectionTimeout}), so an attempt does not fail fast while a switch may be coming: without
 * a target it waits for one, and when the target refuses connections it retries every 100 ms until
 * the target changes — for up to {@link #PATIENCE}. So the adder waits here, ready, instead of in
 * HikariCP's growing back-off sleep (up to 10 s) when the new primary appears. Failures a retry
 * cannot fix (refused credentials, missing database) and a target still in recovery after
 * {@code promotionWait} (the leader key is taken before the promotion finishes, so a short wait is
 * normal) are thrown at once. The latest failure is kept for {@link #lastFailure()}.
 *
 * <p>Every physical connection must belong to the cluster: its server's database system identifier
 * ({@code pg_control_system()}) must be the cluster's, as the locator knows it (the
 * {@code initialize} key, a member's {@code GET /primary} answer) or, without one, as the first connection found it. A server with another
 * identifier (a DNS or address mix-up pointing at another cluster) is refused like a server that
 * refuses connections, with an error naming both identifiers.
 */
public final class TargetDataSource implements DataSource {
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** {@code client_connection_check_interval} set on each connection (PostgreSQL 14+) when it is off. */
    static final int CLIENT_CHECK_MILLIS = 1000;
    /** How long one physical connection attempt may wait for a usable target. */
    public static final Duration PATIENCE = Duration.ofMinutes(5);

    /** One target: a generation and where it connects. */
    public record Target(long generation, PrimaryEndpoint endpoint, PGSimpleDataSource dataSource) {
    }

    /** Told of the first verified connection of each generation, on the connecting thread. */
    public interface Events {
        void writable(Target target);

        void connectFailed(SQLException failure);
    }

    private final PgSettings settings;
    private final Duration promotionWait;
    private final Events events;
    private final ClusterIdentity identity;
    private final Object lock = new Object();
    private final Map<Connection, Long> open = new ConcurrentHashMap<>();
    /** Runs the connects, so that an attempt to a former target can be left behind (see {@link #connect}). */
    private final ExecutorService connector;
    private Target target; // guarded by lock; null = no primary
    private long generation; // guarded by lock
    private long reported; // guarded by lock: the last generation reported writable
    private boolean closed; // guarded by lock
    private volatile int loginTimeout;
    /** False once reading the system identifier was refused (42501): later connections do not ask. */
    private volatile boolean identifierReadable = true;
    private volatile Optional<SQLException> lastFailure = Optional.empty();

    public TargetDataSource(PgSettings settings, Duration promotionWait, Events events) {
        this(settings, promotionWait, events, Optional::empty);
    }

    /**
     * @param clusterIdentifier the cluster's database system identifier as the locator knows it, and
     *     where it came from; empty to learn it from the first connection
     */
    public TargetDataSource(PgSettings settings, Duration promotionWait, Events events,
                            Supplier<Optional<ClusterIdentity.Known>> clusterIdentifier) {
        this.settings = settings;
        this.promotionWait = promotionWait;
        this.events = events;
        this.connector = NamedThreads.cached("hapg-pool-" + settings.applicationName() + "-connect");
        this.identity = new ClusterIdentity(settings.cluster(), clusterIdentifier);
    }

    /**
     * Points new connections at {@code endpoint} (a new generation) and wakes connection attempts
     * waiting for a target.
     *
     * @return the physical connections of older generations still open, for the caller to abort
     */
    public List<Connection> retarget(Optional<PrimaryEndpoint> endpoint) {
        long gen;
        synchronized (lock) {
            gen = ++generation;
            target = endpoint.map(e -> new Target(generation, e, settings.dataSource(e.host(), e.port()))).orElse(null);
            lock.notifyAll();
        }
        List<Connection> stale = new ArrayList<>();
        open.forEach((c, g) -> {
            if (g < gen && open.remove(c) != null) {
                stale.add(c);
            }
        });
        return stale;
    }

    /** The current target, if any. */
    public Optional<Target> target() {
        synchronized (lock) {
            return Optional.ofNullable(target);
        }
    }

    /** Fails every waiting and later attempt. */
    public void close() {
        synchronized (lock) {
            closed = true;
            target = null;
            lock.notifyAll();
        }
        connector.shutdown();
    }

    /** Physical connections open now, of every generation. */
    public int openConnections() {
        open.keySet().removeIf(TargetDataSource::isClosedQuietly);
        return open.size();
    }

    @Override
    public Connection getConnection() throws SQLException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Target t = awaitTarget(deadline);
            Connection c;
            try {
                c = connect(t);
                if (c == null) {
                    continue; // retargeted while connecting: connect to the new target
                }
            } catch (SQLException e) {
                SQLException explained = explain(e, t);
                lastFailure = Optional.of(explained);
                events.connectFailed(explained);
                if (isPermanent(e) || !awaitChange(t, deadline)) {
                    throw explained;
                }
                continue;
            }
            try {
                Optional<Verified> verified = verifyWritable(c, t, System.nanoTime() + promotionWait.toNanos());
                if (verified.isEmpty()) {
                    c.close();
                    continue; // retargeted meanwhile: connect to the new target
                }
                Optional<SQLException> foreign = identity.check(verified.get().systemIdentifier(), describe(t));
                if (foreign.isPresent()) {
                    c.close();
                    lastFailure = foreign;
                    events.connectFailed(foreign.get());
                    if (!awaitChange(t, deadline)) {
                        throw foreign.get();
                    }
                    continue; // the locator may correct the address: wait for that as for a refusing server
                }
            } catch (SQLException e) {
                closeQuietly(c);
                lastFailure = Optional.of(e);
                throw e;
            } catch (RuntimeException e) {
                closeQuietly(c);
                throw e;
            }
            synchronized (lock) {
                if (closed || target == null || target.generation() != t.generation()) {
                    closeQuietly(c);
                    continue;
                }
                open.put(c, t.generation());
                lastFailure = Optional.empty();
                if (reported < t.generation()) {
                    reported = t.generation();
                    events.writable(t);
                }
            }
            if (open.size() > 64) {
                open.keySet().removeIf(TargetDataSource::isClosedQuietly);
            }
            return c;
        }
    }

    /**
     * Opens a connection to {@code t} on the connector thread and waits for it while {@code t} is the
     * target. A connect to a hung server (TCP accepted, no answer) blocks for up to connectTimeout, and
     * HikariCP adds connections on one thread: without this, a switch away from a hung primary left
     * the pool unable to connect to the new one until that attempt gave up.
     *
     * @return null when the target changed first; the late connection is then aborted when it comes
     */
    private Connection connect(Target t) throws SQLException {
        CompletableFuture<Connection> attempt;
        try {
            attempt = CompletableFuture.supplyAsync(() -> {
                try {
                    return t.dataSource().getConnection();
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            }, connector);
        } catch (RejectedExecutionException e) {
            throw new SQLTransientConnectionException(settings.cluster() + ": the pool is closed", "08003");
        }
        attempt.whenComplete((c, e) -> {
            synchronized (lock) {
                lock.notifyAll();
            }
        });
        try {
            synchronized (lock) {
                while (!attempt.isDone() && target == t && !closed) {
                    waitNanos(MAX_POLL_NANOS);
                }
            }
        } catch (SQLException interrupted) {
            attempt.thenAccept(TargetDataSource::abortQuietly);
            throw interrupted;
        }
        if (!attempt.isDone()) {
            attempt.thenAccept(TargetDataSource::abortQuietly);
            return null;
        }
        try {
            return attempt.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SQLException) {
                throw (SQLException) e.getCause();
            }
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw e;
        }
    }

    private static void abortQuietly(Connection c) {
        try {
            c.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            // Broken already.
        }
    }

    /** Why the latest physical connection attempt failed; empty after a success. */
    public Optional<SQLException> lastFailure() {
        return lastFailure;
    }

    /** Passwords are the pool's own: HikariCP's username/password are not used. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return getConnection();
    }

    private Target awaitTarget(long deadline) throws SQLException {
        synchronized (lock) {
            while (target == null) {
                if (closed) {
                    throw new SQLTransientConnectionException(settings.cluster() + ": the pool is closed", "08003");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SQLTransientConnectionException("no primary for cluster " + settings.cluster()
                            + " within " + PATIENCE.toMillis() + " ms", "08001");
                }
                waitNanos(left);
            }
            return target;
        }
    }

    /** Waits until the target is no longer {@code t} or the deadline passes; true if it changed. */
    private boolean awaitChange(Target t, long deadline) throws SQLException {
        long until = Math.min(deadline, System.nanoTime() + RETRY_NANOS * 5); // retry every 100 ms
        synchronized (lock) {
            while (target == t && !closed) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return deadline - System.nanoTime() > 0; // retry the same target while budget is left
                }
                waitNanos(left);
            }
            return !closed;
        }
    }

    /** What the check of a new connection found: its server's identifier, empty when not readable. */
    private record Verified(Optional<String> systemIdentifier) {
    }

    /**
     * One round trip per look: recovery, {@code default_transaction_read_only}, the system
     * identifier (until the pool's user turns out not to be allowed to read it) and, on PostgreSQL
     * 14+ where it is off, {@code client_connection_check_interval} set to {@link #CLIENT_CHECK_MILLIS}:
     * a statement whose connection the pool aborted (a hung primary, a switch) ends when the server
     * next looks, instead of running on and committing once a frozen server is thawed. Left alone
     * when set already (pgProperty options).
     */
    private static String checkSql(boolean withIdentifier) {
        return "SELECT pg_catalog.pg_is_in_recovery(), pg_catalog.current_setting('default_transaction_read_only'), "
                + "CASE WHEN pg_catalog.current_setting('client_connection_check_interval', true) = '0' THEN "
                + "pg_catalog.set_config('client_connection_check_interval', '" + CLIENT_CHECK_MILLIS + "', false) END"
                + (withIdentifier ? ", " + ClusterIdentity.SQL : "");
    }

    /**
     * The server's identifier once it is out of recovery and not read-only; empty if the target
     * changed meanwhile. The leader key is taken before the promotion completes, so a short wait is
     * normal.
     */
    private Optional<Verified> verifyWritable(Connection c, Target t, long deadline) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(PgSettings.seconds(settings.socketTimeout()));
            // 20 ms doubling to 250 ms: quick after a fast promotion, yet many pools polling one
            // promoting server do not slow its promotion down.
            long pause = RETRY_NANOS;
            Optional<String> identifier = null; // not asked yet
            while (true) {
                boolean recovery;
                String readOnly;
                boolean ask = identifier == null && identifierReadable;
                try (ResultSet rs = s.executeQuery(checkSql(ask))) {
                    rs.next();
                    recovery = rs.getBoolean(1);
                    readOnly = rs.getString(2);
                    if (ask) {
                        identifier = Optional.ofNullable(rs.getString(4));
                    }
                } catch (SQLException e) {
                    if (!ask || !ClusterIdentity.PERMISSION_DENIED.equals(e.getSQLState())) {
                        throw e;
                    }
                    // EXECUTE on pg_control_system() revoked from the pool's user: nothing to compare, and
                    // not asked again on this pool's later connections.
                    identifierReadable = false;
                    continue;
                }
                if (identifier == null) {
                    identifier = Optional.empty();
                }
                if (!recovery && !"on".equals(readOnly)) {
                    return Optional.of(new Verified(identifier));
                }
                synchronized (lock) {
                    if (target != t) {
                        return Optional.empty();
                    }
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new SQLException(settings.cluster() + ": " + describe(t) + " is not writable ("
                            + (recovery ? "in recovery: a replica" : "default_transaction_read_only is on")
                            + ") after waiting " + promotionWait.toMillis() + " ms; refusing to use it as the primary",
                            "25006");
                }
                synchronized (lock) {
                    waitNanos(pause);
                }
                pause = Math.min(pause * 2, MAX_POLL_NANOS);
            }
        }
    }

    private SQLException explain(SQLException e, Target t) {
        String state = e.getSQLState() == null ? "08001" : e.getSQLState();
        String what;
        if (state.equals("28P01") || state.equals("28000")) {
            what = describe(t) + " refused the pool's credentials (user '" + settings.user() + "')";
        } else if (state.equals("3D000")) {
            what = "database '" + settings.database() + "' does not exist on " + describe(t);
        } else {
            what = "cannot connect to " + describe(t);
        }
        SQLException out = new SQLException(settings.cluster() + ": " + what + ": " + e.getMessage(), state, e);
        return out;
    }

    /** Failures a retry of the same server cannot fix: authentication, a missing database or role. */
    private static boolean isPermanent(SQLException e) {
        String s = e.getSQLState();
        return s != null && (s.startsWith("28") || s.equals("3D000"));
    }

    private static String describe(Target t) {
        return "primary " + t.endpoint().member() + " at " + t.endpoint().host() + ":" + t.endpoint().port();
    }

    private void waitNanos(long nanos) throws SQLException {
        try {
            TimeUnit.NANOSECONDS.timedWait(lock, nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException(settings.cluster() + ": interrupted while connecting", "08001", e);
        }
    }

    private static boolean isClosedQuietly(Connection c) {
        try {
            return c.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // Already broken.
        }
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // pgjdbc logs through java.util.logging; nothing to set.
    }

    @Override
    public void setLoginTimeout(int seconds) {
        loginTimeout = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeout > 0 ? loginTimeout : PgSettings.seconds(settings.connectTimeout());
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no java.util.logging parent logger");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "TargetDataSource[" + settings.cluster() + " -> " + target().map(TargetDataSource::describe)
                .orElse("no primary") + "]";
    }
}
