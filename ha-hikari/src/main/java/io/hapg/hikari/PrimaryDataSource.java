package io.hapg.hikari;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.SQLExceptionOverride;
import com.zaxxer.hikari.pool.HikariPool;
import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.core.spi.PrimaryLocator;
import io.hapg.hikari.internal.BorrowGate;
import io.hapg.hikari.internal.ClusterIdentity;
import io.hapg.hikari.internal.FailoverConnections;
import io.hapg.hikari.internal.HostMonitor;
import io.hapg.hikari.internal.HostMonitors;
import io.hapg.hikari.internal.NamedThreads;
import io.hapg.hikari.internal.PgSettings;
import io.hapg.hikari.internal.ReadOnlyIntent;
import io.hapg.hikari.internal.TargetDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * A {@link DataSource} that follows the primary: one HikariCP pool whose physical connections go
 * to whichever node the {@link PrimaryLocator} names, each verified writable
 * ({@code pg_is_in_recovery()} false, {@code default_transaction_read_only} off) before it is
 * pooled, so a write never lands on a replica, and checked to belong to the cluster (its database
 * system identifier is the locator's {@link ClusterLocator#systemIdentifier()}, else the one the
 * first connection found), so an address mix-up never joins another cluster. Usable wherever a
 * {@code DataSource} is (Spring, jOOQ, plain JDBC).
 *
 * <pre>{@code
 * HikariConfig pool = new HikariConfig();
 * pool.setMaximumPoolSize(10);
 * pool.setConnectionTimeout(10_000);
 * PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator)
 *         .hikari(pool).user("shop").password(secret).database("shop").build());
 * }</pre>
 *
 * <p><b>When the primary changes</b> (on the pool's own thread {@code hapg-pool-<name>}, never on
 * the locator's): new borrowers are held at a gate, HikariCP is suspended once no borrower is
 * inside it, new physical connections are pointed at the new primary, every pooled connection is
 * soft-evicted (idle ones closed now, borrowed ones on return), the physical connections to the old
 * primary are aborted ({@code Connection.abort}: a hung old primary cannot hold a thread until the
 * socket timeout), HikariCP is resumed and the gate opens. A planned switchover announced in the
 * {@code failover} key ({@link ClusterLocator#subscribeSwitchovers}) closes the gate at once, before
 * the old primary stops, so borrowers see a pause instead of errors.
 *
 * <p><b>While there is no primary</b> {@code getConnection()} waits for one, up to the pool's
 * {@code connectionTimeout}, then throws {@link SQLTransientConnectionException} "no primary for
 * cluster X within N ms", with the locator's reason. Once the gate is open, HikariCP's own wait
 * (for what is left of {@code connectionTimeout}) applies; its timeout is rethrown naming the primary
 * and the last connection error (refused credentials, unreachable, not writable). After
 * {@link #close()} it fails at once (08003).
 *
 * <p><b>Errors the application sees</b> (with {@link PrimaryDataSourceConfig#translateErrors}): a
 * statement that fails because the connection to the primary broke, the server shut down, or it
 * is read-only (25006, unless the application made the connection read-only itself: then it is
 * the application's write and passes through) throws, from the connection or any JDBC object made
 * from it (statements, result sets, generated keys, metadata), {@link ConnectionFailoverException}
 * (08S02, in auto-commit: get a new connection and re-run the statement if it is a read or
 * idempotent), {@link TransactionRolledBackException} (40000, inside a transaction before its
 * commit: rolled back, get a new connection and restart the whole transaction; transient for Spring
 * and Hibernate) or {@link TransactionStateUnknownException} (08007, during commit: the outcome is
 * unknown, check before running it again). Every other error passes through unchanged. Either way
 * the connection is evicted ({@link FailoverExceptionOverride}) and the locator is asked to re-check
 * at once.
 *
 * <p><b>Observability</b>: {@link #currentPrimary()}, {@link #switchCount()},
 * {@link #lastSwitch()} (no primary → writable connection again) and {@link #addListener}.
 */
public final class PrimaryDataSource implements DataSource, AutoCloseable {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(PrimaryDataSource.class);
    private static final long DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final PrimaryDataSourceConfig config;
    private final String cluster;
    private final String name;
    private final PrimaryLocator locator;
    private final TargetDataSource target;
    private final HikariDataSource pool;
    private final BorrowGate gate = new BorrowGate();
    private final ReadOnlyIntent readOnlyIntent = new ReadOnlyIntent();
    private final ScheduledExecutorService switcher;
    private final ExecutorService aborter;
    private final AtomicBoolean reconcileQueued = new AtomicBoolean();
    private final SwitchState state = new SwitchState();
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private final SwitchListeners listeners;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong lastRefresh = new AtomicLong(
            System.nanoTime() - REFRESH_NANOS);
    private volatile Optional<PrimaryEndpoint> wanted = Optional.empty();
    private volatile Optional<PendingSwitchover> announced = Optional.empty();
    private volatile long announcedAtNanos;
    private volatile Optional<PrimaryEndpoint> active = Optional.empty(); // written by the switcher only
    /** The monitors this pool's host monitor is shared through (its locator's), and whether the pool owns them. */
    private final HostMonitors monitors;
    private final boolean ownMonitors;
    private final PgSettings settings;
    /** The watch of {@code monitored} (guarded by {@code monitorLock}); empty when nothing is watched. */
    private Optional<AutoCloseable> monitorWatch = Optional.empty();
    private volatile boolean hadPrimary; // written by the switcher only
    /**
     * The primary the host monitor found unresponsive, and what it saw; empty while it answers. Set
     * only for the locator's current answer and cleared when that changes, both under
     * {@code monitorLock}, so a late report about a former primary cannot keep it out when it is
     * named again.
     */
    private volatile Optional<Unresponsive> unresponsive = Optional.empty();
    private final Object monitorLock = new Object();
    /**
     * What the host monitor watches: the locator's primary once the pool had a writable connection to
     * it (before that nothing is in flight there, and its probe connection would only add to the storm
     * of every pool connecting to a new primary at once); cleared when the locator names another.
     */
    private volatile Optional<PrimaryEndpoint> monitored = Optional.empty();

    private record Unresponsive(PrimaryEndpoint endpoint, String why) {
    }

    private PrimaryDataSource(PrimaryDataSourceConfig config) {
        this.config = config;
        this.locator = config.locator();
        this.cluster = locator instanceof ClusterLocator ? ((ClusterLocator) locator).cluster() : "cluster";
        // Unique by default: two pools on one cluster must not collide in JMX or Micrometer.
        this.name = config.hikari().getPoolName() != null ? config.hikari().getPoolName() : "hapg-" + cluster + "-"
                + Integer.toHexString(System.identityHashCode(this));
        this.listeners = new SwitchListeners(name);
        PgSettings settings = new PgSettings(cluster, config.user(), config.password(), config.database(),
                config.connectTimeout(), config.socketTimeout(), name, config.pgProperties());
        this.target = new TargetDataSource(settings, config.promotionWait(), new TargetDataSource.Events() {
            @Override
            public void writable(TargetDataSource.Target t) {
                // On HikariCP's connection adder, under the target's lock: only queue it.
                Instant at = Instant.now();
                synchronized (monitorLock) {
                    if (wanted.equals(Optional.of(t.endpoint()))) {
                        monitor(wanted);
                    }
                }
                listeners.execute(() -> state.writable(t.generation(), at).ifPresent(listeners::switched));
            }

            @Override
            public void connectFailed(SQLException failure) {
                onFailover();
            }
        }, () -> locator instanceof ClusterLocator ? knownIdentifier((ClusterLocator) locator) : Optional.empty());
        this.switcher = NamedThreads.single("hapg-pool-" + name);
        this.aborter = NamedThreads.cached("hapg-pool-" + name + "-abort");
        this.pool = new HikariDataSource(hikariConfig(config, name, target, this::onFailover, readOnlyIntent));
        this.settings = settings;
        // Shared with every pool of the same locator, so 100 pools make one probe connection, not 100.
        this.ownMonitors = !(locator instanceof AbstractClusterLocator);
        this.monitors = ownMonitors ? new HostMonitors("hapg-pool-" + name)
                : ((AbstractClusterLocator) locator).hostMonitors();
        gate.close("no primary known yet");
    }

    /**
     * Creates the pool and subscribes to the locator. No I/O on the calling thread: connections are
     * opened by HikariCP's threads once the locator names a primary.
     */
    public static PrimaryDataSource start(PrimaryDataSourceConfig config) {
        PrimaryDataSource ds = new PrimaryDataSource(config);
        ds.subscribe();
        return ds;
    }

    /** The locator's system identifier and where it came from, for the error refusing another cluster's server. */
    static Optional<ClusterIdentity.Known> knownIdentifier(ClusterLocator l) {
        return l.systemIdentifier().map(id -> new ClusterIdentity.Known(id, l.systemIdentifierSource()));
    }

    /**
     * Watches {@code m} with the (shared) host monitor, instead of what was watched; empty: nothing.
     * Under {@code monitorLock}. No I/O: a monitor's first probe runs on its own thread.
     */
    private void monitor(Optional<PrimaryEndpoint> m) {
        if (monitored.equals(m) && monitorWatch.isPresent() == m.isPresent()) {
            return;
        }
        monitored = m;
        monitorWatch.ifPresent(PrimaryDataSource::closeQuietly);
        monitorWatch = Optional.empty();
        if (m.isPresent() && config.hostMonitorEnabled() && !closed.get()) {
            try {
                monitorWatch = Optional.of(monitors.watch(m.get(), settings, config.hostMonitorInterval(),
                        config.hostMonitorTimeout(), monitorEvents));
            } catch (IllegalStateException locatorClosed) {
                LOG.debug("{} - not monitoring {}: {}", name, m.get().member(), locatorClosed.getMessage());
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("closing a host monitor watch failed: {}", e.toString());
        }
    }

    /** What the host monitor tells this pool; on the monitor's threads, must not block. */
    private final HostMonitor.Events monitorEvents = new HostMonitor.Events() {
        @Override
        public void unresponsive(PrimaryEndpoint endpoint, String why) {
            synchronized (monitorLock) {
                if (!wanted.equals(Optional.of(endpoint))) {
                    return;
                }
                unresponsive = Optional.of(new Unresponsive(endpoint, why));
            }
            locator.refresh(); // it may have moved: ask now, not at the next poll
            requestReconcile();
        }

        @Override
        public void responsive(PrimaryEndpoint endpoint) {
            synchronized (monitorLock) {
                unresponsive = unresponsive.filter(u -> !u.endpoint().equals(endpoint));
            }
            requestReconcile();
        }
    };

    private static HikariConfig hikariConfig(PrimaryDataSourceConfig config, String name, DataSource target,
                                             Runnable onFailover, ReadOnlyIntent readOnlyIntent) {
        HikariConfig hc = new HikariConfig();
        config.hikari().copyStateTo(hc);
        hc.setPoolName(name);
        hc.setDataSource(target);
        hc.setAllowPoolSuspension(true);
        hc.setInitializationFailTimeout(-1); // never fail or block at start: the primary may be moving
        SQLExceptionOverride user = hc.getExceptionOverride();
        hc.setExceptionOverrideClassName(null);
        hc.setExceptionOverride(new FailoverExceptionOverride(onFailover, user == null
                ? new SQLExceptionOverride() { } : user, readOnlyIntent));
        return hc;
    }

    private void subscribe() {
        subscriptions.add(locator.subscribe(p -> {
            synchronized (monitorLock) {
                wanted = p;
                if (unresponsive.isPresent() && !p.equals(Optional.of(unresponsive.get().endpoint()))) {
                    unresponsive = Optional.empty();
                }
                if (!monitored.equals(p)) {
                    monitor(Optional.empty());
                }
            }
            requestReconcile();
        }));
        if (locator instanceof ClusterLocator) {
            subscriptions.add(((ClusterLocator) locator).subscribeSwitchovers(s -> {
                if (!s.equals(announced)) {
                    announcedAtNanos = System.nanoTime();
                }
                announced = s;
                requestReconcile();
            }));
        }
    }

    /**
     * A connection to the current primary, waiting (up to the pool's {@code connectionTimeout})
     * while there is none or a switch is under way.
     *
     * @throws SQLTransientConnectionException "no primary for cluster X within N ms" when none
     *     appeared, or naming the primary and the last connection error when it could not be reached
     */
    @Override
    public Connection getConnection() throws SQLException {
        requireOpen();
        long timeoutMs = pool.getConnectionTimeout();
        Duration blind = locatorBlindFor();
        if (!blind.isZero() && wanted.isEmpty() && !gate.isOpen() && hadPrimary) {
            // The primary was dropped and nothing can change while the locator cannot read: waiting would
            // only pile threads up. (Before any primary was known, e.g. at start, borrowers wait as usual.)
            throw new SQLTransientConnectionException("no primary for cluster " + cluster + ": the locator has not "
                    + "been able to read where it is for " + blind.toMillis() + " ms (" + gate.closedBecause()
                    + locatorProblem() + ")", "08001");
        }
        long start = System.nanoTime();
        Optional<String> closedBecause;
        try {
            closedBecause = gate.enter(TimeUnit.MILLISECONDS.toNanos(timeoutMs));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException(name + " - interrupted while waiting for a primary", "08001", e);
        }
        if (closedBecause.isPresent()) {
            requireOpen();
            throw new SQLTransientConnectionException("no primary for cluster " + cluster + " within " + timeoutMs
                    + " ms (" + closedBecause.get() + locatorProblem() + ")", "08001");
        }
        try {
            // What is left of connectionTimeout after the gate, so a borrower waits it once, not twice.
            long leftMs = Math.max(0, timeoutMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            Connection c = borrow(leftMs);
            if (!config.translateErrors()) {
                return c;
            }
            Optional<PrimaryEndpoint> at = active;
            return FailoverConnections.wrap(c, new FailoverConnections.Context() {
                @Override
                public String describe() {
                    return at.map(p -> "primary " + p.member() + " at " + p.host() + ":" + p.port()).orElse("the primary");
                }

                @Override
                public void failed() {
                    onFailover();
                }
            }, readOnlyIntent);
        } catch (SQLTransientConnectionException e) {
            onFailover();
            throw explainTimeout(e, timeoutMs);
        } catch (SQLException e) {
            if (FailoverExceptionOverride.isFailoverAnywhere(e)) {
                onFailover();
            }
            throw e;
        } finally {
            gate.exit();
        }
    }

    private void requireOpen() throws SQLException {
        if (closed.get()) {
            throw new SQLException(name + " - the pool is closed", "08003");
        }
    }

    /** HikariCP's borrow bounded by {@code timeoutMs} instead of its whole {@code connectionTimeout}. */
    private Connection borrow(long timeoutMs) throws SQLException {
        HikariPoolMXBean mx = pool.getHikariPoolMXBean();
        if (mx instanceof HikariPool) {
            return ((HikariPool) mx).getConnection(timeoutMs);
        }
        return pool.getConnection();
    }

    /** Not supported: the credentials are the pool's ({@link PrimaryDataSourceConfig#user()}). */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException(name + " - credentials are configured on the pool, not per call");
    }

    private SQLException explainTimeout(SQLTransientConnectionException e, long timeoutMs) {
        Throwable cause = e.getCause() != null ? e.getCause() : target.lastFailure().orElse(null);
        String why = cause != null && cause.getMessage() != null ? cause.getMessage()
                : "every connection is in use (maximumPoolSize " + pool.getMaximumPoolSize() + ")";
        String at = active.map(p -> "primary " + p.member() + " at " + p.host() + ":" + p.port())
                .orElse("a primary");
        SQLTransientConnectionException out = new SQLTransientConnectionException(cluster + ": no writable connection"
                + " to " + at + " within " + timeoutMs + " ms: " + why, e.getSQLState() != null ? e.getSQLState()
                : "08001", e);
        return out;
    }

    private String locatorProblem() {
        if (locator instanceof ClusterLocator) {
            return ((ClusterLocator) locator).problem().map(p -> "; " + p).orElse("");
        }
        return "";
    }

    /** Asks the locator to re-check, at most every 200 ms (connection attempts retry every 100 ms). */
    private void onFailover() {
        long now = System.nanoTime();
        long last = lastRefresh.get();
        if (now - last >= REFRESH_NANOS && lastRefresh.compareAndSet(last, now)) {
            locator.refresh();
        }
    }

    private void requestReconcile() {
        if (reconcileQueued.compareAndSet(false, true)) {
            try {
                switcher.execute(() -> {
                    reconcileQueued.set(false);
                    reconcileSafely();
                });
            } catch (RejectedExecutionException e) {
                // Closed.
            }
        }
    }

    private void reconcileSafely() {
        try {
            reconcile();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("{} - following the primary failed; retrying in 1 s", name, e);
            if (!gate.isOpen()) {
                // Borrowers timing out at the gate are told the real cause, not "no primary known yet".
                gate.close("following " + wanted.map(PrimaryEndpoint::member).orElse("the primary")
                        + " failed, retrying every 1 s: " + e);
            }
            switcher.schedule(this::requestReconcile, 1, TimeUnit.SECONDS);
        }
    }

    /** Makes the pool match what the locator says. Pool thread only. */
    private void reconcile() throws InterruptedException {
        if (closed.get()) {
            return;
        }
        Optional<PrimaryEndpoint> p = wanted;
        Optional<PendingSwitchover> hold = holdFor(p);
        // A primary the host monitor found hung is treated as no primary until it answers again or
        // the locator names another: its connections in flight are aborted, borrowers wait.
        Optional<Unresponsive> hung = unresponsive.filter(u -> p.isPresent() && u.endpoint().equals(p.get()));
        if (p.isEmpty() || hung.isPresent() || hold.isPresent()) {
            String why = p.isEmpty() ? "no primary" : hung.isPresent() ? "primary " + p.get().member() + " at "
                    + p.get().host() + ":" + p.get().port() + " does not answer: " + hung.get().why()
                    : "switchover from " + hold.get().from() + " to "
                    + hold.get().to().orElse("the healthiest replica") + " announced";
            boolean wasOpen = gate.isOpen();
            gate.close(why);
            if (wasOpen) {
                lost(why);
            }
            if ((p.isEmpty() || hung.isPresent()) && active.isPresent()) {
                List<Connection> inFlight = target.retarget(Optional.empty());
                abort(inFlight);
                active = Optional.empty();
                if (hung.isPresent()) {
                    LOG.warn("{} - {} connection(s) to the unresponsive primary {} aborted", name, inFlight.size(),
                            p.get().member());
                }
            }
            return;
        }
        if (active.equals(p)) {
            if (!gate.isOpen()) {
                listeners.execute(state::resumed); // a cancelled switchover
                gate.open();
            }
            return;
        }
        PrimaryEndpoint next = p.get();
        if (gate.isOpen()) {
            gate.close("switching to " + next.member());
            lost("the locator named " + next.member());
        }
        int abortedFirst = 0;
        if (active.isPresent()) {
            // The old primary's connections are aborted before the drain, not after it: a statement
            // hung on it fails now, and no connection attempt still in progress to it is pooled.
            List<Connection> old = target.retarget(Optional.empty());
            abort(old);
            abortedFirst = old.size();
        }
        boolean drained = gate.awaitEmpty(DRAIN_NANOS);
        HikariPoolMXBean mx = pool.getHikariPoolMXBean();
        if (drained) {
            mx.suspendPool(); // nobody is inside HikariCP, so this does not block
        }
        List<Connection> stale;
        Instant now = Instant.now();
        try {
            stale = target.retarget(p);
            mx.softEvictConnections();
            abort(stale);
        } finally {
            // A failed retarget must not leave HikariCP suspended: its borrowers would block
            // without a timeout once the gate opens again.
            if (drained) {
                mx.resumePool();
            }
        }
        long generation = target.target().map(t -> t.generation()).orElse(0L);
        active = p;
        hadPrimary = true;
        gate.open();
        LOG.info("{} - now connecting to primary {} at {}:{} ({} old connection(s) aborted)", name, next.member(),
                next.host(), next.port(), abortedFirst + stale.size());
        // Queued after primaryLost and before the new generation's first writable connection can be
        // accounted, so listeners hear lost, retargeted, switched in that order.
        listeners.execute(() -> {
            listeners.retargeted(state.retargeted(generation, next, now), next, now);
            state.completeIfWritable().ifPresent(listeners::switched);
        });
    }

    /** The announced switchover away from {@code p}, while it is still worth holding for. */
    private Optional<PendingSwitchover> holdFor(Optional<PrimaryEndpoint> p) {
        Optional<PendingSwitchover> s = announced;
        if (p.isEmpty() || s.isEmpty() || !s.get().from().equals(p.get().member())) {
            return Optional.empty();
        }
        long left = config.switchoverHold().toNanos() - (System.nanoTime() - announcedAtNanos);
        if (left <= 0) {
            return Optional.empty();
        }
        switcher.schedule(this::requestReconcile, left, TimeUnit.NANOSECONDS);
        return s;
    }

    private void lost(String why) {
        Instant now = Instant.now();
        Optional<PrimaryEndpoint> from = active;
        String reason = why + locatorProblem();
        Duration blind = locatorBlindFor();
        LOG.info("{} - holding new borrowers: {}", name, reason);
        listeners.execute(() -> {
            state.lost(now, from);
            listeners.primaryLost(from, reason, blind, now);
        });
    }

    /**
     * How long the locator has been unable to read where the primary is ({@link ClusterLocator#blindFor()});
     * zero while it reads, or when it cannot tell. Usable as a gauge.
     */
    public Duration locatorBlindFor() {
        return locator instanceof ClusterLocator ? ((ClusterLocator) locator).blindFor() : Duration.ZERO;
    }

    private void abort(List<Connection> stale) {
        for (Connection c : stale) {
            try {
                c.abort(aborter);
            } catch (SQLException | RuntimeException e) {
                LOG.debug("{} - aborting {} failed: {}", name, c, e.toString());
            }
        }
    }

    /** The primary new connections go to; empty while there is none or a switchover is held. */
    public Optional<PrimaryEndpoint> currentPrimary() {
        return gate.isOpen() ? active : Optional.empty();
    }

    /** How many times the pool moved to a primary after having had one. */
    public long switchCount() {
        return state.switches();
    }

    /** The latest completed switch: no primary → writable connection again. */
    public Optional<SwitchEvent> lastSwitch() {
        return state.last();
    }

    /** {@link #lastSwitch()}'s duration. */
    public Optional<Duration> lastSwitchDuration() {
        return state.last().map(SwitchEvent::duration);
    }

    /** True while borrowers are let through (a primary is known and no switch is under way). */
    public boolean isAvailable() {
        return gate.isOpen();
    }

    /**
     * Calls {@code listener} on {@code executor} for every later event, until the handle is closed.
     */
    public AutoCloseable addListener(SwitchListener listener, Executor executor) {
        return listeners.add(listener, executor);
    }

    /**
     * Threads waiting in {@link #getConnection()}: at the gate (no primary, or a switch under way)
     * plus inside HikariCP (every connection in use). HikariCP's own
     * {@code getThreadsAwaitingConnection()} sees only the latter. Usable as a gauge.
     */
    public int threadsAwaitingConnection() {
        return gate.waiting() + pool.getHikariPoolMXBean().getThreadsAwaitingConnection();
    }

    /** Threads waiting at the gate for a primary (none known, or a switch under way). Usable as a gauge. */
    public int threadsAwaitingPrimary() {
        return gate.waiting();
    }

    /** HikariCP's pool statistics (active, idle, waiting, total). */
    public HikariPoolMXBean getHikariPoolMXBean() {
        return pool.getHikariPoolMXBean();
    }

    /** Physical connections this pool has open now (all generations); for tests and diagnostics. */
    public int physicalConnections() {
        return target.openConnections();
    }

    /** Stops following the primary and closes the pool (borrowed connections are aborted). Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (AutoCloseable s : subscriptions) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.debug("{} - unsubscribing failed: {}", name, e.toString());
            }
        }
        switcher.shutdownNow();
        synchronized (monitorLock) {
            monitor(Optional.empty());
        }
        if (ownMonitors) {
            monitors.close();
        }
        gate.shut("the pool is closed");
        target.close();
        pool.close();
        listeners.close();
        aborter.shutdown();
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
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
        if (iface.isInstance(pool)) {
            return iface.cast(pool);
        }
        throw new SQLException(name + " - not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this) || iface.isInstance(pool);
    }

    @Override
    public String toString() {
        return "PrimaryDataSource[" + name + " -> " + currentPrimary().map(PrimaryEndpoint::member)
                .orElse("waiting: " + gate.closedBecause()) + "]";
    }
}
