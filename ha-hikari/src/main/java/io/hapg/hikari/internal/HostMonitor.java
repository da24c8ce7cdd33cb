package io.hapg.hikari.internal;

import io.hapg.core.spi.PrimaryEndpoint;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the primary a pool connects to, in the spirit of the AWS JDBC wrapper's enhanced failure
 * monitoring: every {@code interval} its own small connection runs {@code SELECT 1}, bounded by
 * {@code timeout}. A primary that answered no probe for {@code timeout} (hung: SIGSTOPped, a
 * black-holed network, a full disk that blocks every backend) is reported once as unresponsive, so
 * the pool can abort the connections in flight on it instead of leaving them to the socket timeout
 * (30 s; ~15 min for a write into a black hole); it is reported responsive again after the next
 * probe that succeeds. Only liveness is checked: being the primary is the locator's business.
 *
 * <p>An endpoint is judged only after its first answer: a primary that never answered has no
 * connection in flight to abort, and one just named may be slow to accept connections when every
 * pool connects to it at once.
 *
 * <p>Threads: a ticker {@code <name>} decides (every {@code interval}, never blocked by a probe),
 * probers {@code <name>-probe} run the probes, one at a time per endpoint; all stop on
 * {@link #close()}. A probe still stuck on a former primary (hung, or shutting down) neither delays
 * the probes of the new one nor counts for it: its connection is aborted when the endpoint changes. The events run on
 * either and must not block. One extra connection on the primary, named {@code <applicationName> monitor} in
 * {@code pg_stat_activity}, kept open between probes (a probe is one {@code SELECT 1} round trip, not a new
 * backend); after a failed probe it is reopened at the next interval. Pools share monitors through
 * {@link HostMonitors}: one per primary, not one per pool.
 */
public final class HostMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HostMonitor.class);

    /** What the pool is told; called without locks held by the monitor, must not block. */
    public interface Events {
        /** {@code endpoint} answered no probe for the monitor's timeout; {@code why} says what the last one got. */
        void unresponsive(PrimaryEndpoint endpoint, String why);

        /** {@code endpoint}, reported unresponsive, answered a probe again. */
        void responsive(PrimaryEndpoint endpoint);
    }

    private final PgSettings settings;
    private final Duration interval;
    private final Duration timeout;
    private final Supplier<Optional<PrimaryEndpoint>> watched;
    private final Events events;
    private final ScheduledExecutorService ticker;
    private final ExecutorService prober;
    /** The epoch of the probe running now; -1 when none. */
    private final AtomicLong probing = new AtomicLong(-1);
    /** The probe connection and the epoch it was opened for. */
    private final AtomicReference<Held> held = new AtomicReference<>();

    private record Held(long epoch, Connection connection) {
    }
    private final Object lock = new Object();
    // Guarded by lock: what is watched (an epoch per endpoint, so a late probe of the previous one counts for
    // nothing), when it last answered, what the last failed probe said, and whether it was reported down.
    private PrimaryEndpoint endpoint;
    private long epoch;
    private long lastAnswerNanos;
    private String lastError = "no probe finished yet";
    private boolean down;
    private boolean answered; // the endpoint answered a probe since it is watched
    private long nextProbeNanos; // ticker thread only

    /**
     * @param watched the endpoint to watch now (the locator's answer); empty: nothing is watched
     */
    public HostMonitor(String threadName, PgSettings settings, Duration interval, Duration timeout,
                       Supplier<Optional<PrimaryEndpoint>> watched, Events events) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.watched = Objects.requireNonNull(watched, "watched");
        this.events = Objects.requireNonNull(events, "events");
        this.ticker = NamedThreads.single(threadName);
        this.prober = NamedThreads.cached(threadName + "-probe");
    }

    /** Starts ticking; returns at once. */
    public HostMonitor start() {
        ticker.scheduleAtFixedRate(this::tickSafely, 0, Math.max(1, interval.toNanos() / 4), TimeUnit.NANOSECONDS);
        return this;
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("{} - host monitor tick failed", settings.applicationName(), e);
        }
    }

    /**
     * Ticks four times per interval, so the timeout is noticed within a quarter of an interval; a probe
     * starts once per interval, and never while the previous one still runs.
     */
    private void tick() {
        Optional<PrimaryEndpoint> now = watched.get();
        long t = System.nanoTime();
        PrimaryEndpoint e;
        long ep;
        String why = null;
        synchronized (lock) {
            if (now.isEmpty()) {
                if (endpoint != null) {
                    endpoint = null;
                    epoch++; // a probe still running counts for nothing
                    down = false;
                }
                return;
            }
            if (!now.get().equals(endpoint)) {
                // A new primary gets the whole timeout, counted from now, and a probe of the former one
                // that is still waiting on it is cut loose.
                Held former = held.getAndSet(null);
                if (former != null) {
                    abortQuietly(former.connection());
                }
                endpoint = now.get();
                epoch++;
                lastAnswerNanos = t;
                lastError = "no probe finished yet";
                down = false;
                answered = false;
                // A random start within one interval: the monitors of many application instances learn of
                // a new primary at the same moment, and their probe connections need not arrive together.
                nextProbeNanos = t + ThreadLocalRandom.current().nextLong(Math.max(1, interval.toNanos()));
            }
            e = endpoint;
            ep = epoch;
            long silent = t - lastAnswerNanos;
            // Judged only once it answered: until then the pool has nothing in flight on it to abort, and a
            // newly named primary may be slow to take connections (every pool of an application
            // connecting to it at once) without being hung.
            if (!down && answered && silent >= timeout.toNanos()) {
                down = true;
                why = "no probe (SELECT 1 on the pool's monitor connection) answered for "
                        + TimeUnit.NANOSECONDS.toMillis(silent) + " ms (host monitor timeout " + timeout.toMillis()
                        + " ms): " + lastError;
            }
        }
        if (why != null) {
            LOG.warn("{} - primary {} at {}:{} does not answer: {}", settings.applicationName(), e.member(), e.host(),
                    e.port(), why);
            events.unresponsive(e, why);
        }
        long running = probing.get();
        if (t - nextProbeNanos >= 0 && running < ep && probing.compareAndSet(running, ep)) {
            nextProbeNanos = t + interval.toNanos();
            try {
                prober.execute(() -> {
                    try {
                        probe(e, ep);
                    } finally {
                        probing.compareAndSet(ep, -1);
                    }
                });
            } catch (RejectedExecutionException closed) {
                probing.compareAndSet(ep, -1);
            }
        }
    }

    /** One probe of {@code e} for epoch {@code ep}; on a prober thread, one at a time per epoch. */
    private void probe(PrimaryEndpoint e, long ep) {
        long started = System.nanoTime();
        Held h = held.get();
        try {
            if (h == null || h.epoch() != ep) {
                if (h != null && held.compareAndSet(h, null)) {
                    abortQuietly(h.connection());
                }
                Connection c = open(e);
                h = new Held(ep, c);
                boolean current;
                synchronized (lock) {
                    current = ep == epoch;
                }
                if (!current || !held.compareAndSet(null, h)) {
                    abortQuietly(c); // the endpoint changed while connecting
                    return;
                }
            }
            try (Statement s = h.connection().createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                rs.next();
            }
        } catch (SQLException | RuntimeException failure) {
            if (h != null && held.compareAndSet(h, null)) {
                abortQuietly(h.connection());
            }
            synchronized (lock) {
                if (ep == epoch) {
                    lastError = failure.toString();
                }
            }
            return;
        }
        boolean back = false;
        synchronized (lock) {
            if (ep == epoch) {
                // The server answered after the probe started: that is the latest moment known alive.
                lastAnswerNanos = Math.max(lastAnswerNanos, started);
                answered = true;
                back = down;
                down = false;
            }
        }
        if (back) {
            LOG.info("{} - primary {} at {}:{} answers again", settings.applicationName(), e.member(), e.host(),
                    e.port());
            events.responsive(e);
        }
    }

    private Connection open(PrimaryEndpoint e) throws SQLException {
        PGSimpleDataSource ds = settings.dataSource(e.host(), e.port());
        int seconds = PgSettings.seconds(timeout);
        ds.setConnectTimeout(seconds);
        ds.setLoginTimeout(seconds);
        ds.setSocketTimeout(seconds);
        ds.setApplicationName(settings.applicationName() + " monitor");
        Connection c = ds.getConnection();
        try {
            // Milliseconds, where the data source settings are whole seconds.
            c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            c.setAutoCommit(true);
        } catch (SQLException | RuntimeException failure) {
            c.abort(Runnable::run);
            throw failure;
        }
        return c;
    }

    /** Abort, not close: close() would send a Terminate message to a server that may not be reading. */
    private static void abortQuietly(Connection c) {
        try {
            c.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // Broken already.
        }
    }

    /** Stops both threads and drops the probe connection. Idempotent. */
    @Override
    public void close() {
        ticker.shutdownNow();
        prober.shutdownNow(); // a probe blocked on the socket is not interruptible: the abort below ends it
        Held h = held.getAndSet(null);
        if (h != null) {
            abortQuietly(h.connection());
        }
    }
}
