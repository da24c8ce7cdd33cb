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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>Threads: a ticker {@code <name>} decides (every {@code interval}, never blocked by a probe),
 * a prober {@code <name>-probe} runs the probes; both stop on {@link #close()}. The events run on
 * either and must not block. One extra connection per pool on the primary, named
 * {@code <applicationName> monitor} in {@code pg_stat_activity}.
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
    private final AtomicBoolean probing = new AtomicBoolean();
    private final Object lock = new Object();
    // Guarded by lock: what is watched (an epoch per endpoint, so a late probe of the previous one counts for
    // nothing), when it last answered, what the last failed probe said, and whether it was reported down.
    private PrimaryEndpoint endpoint;
    private long epoch;
    private long lastAnswerNanos;
    private String lastError = "no probe finished yet";
    private boolean down;
    private long nextProbeNanos; // ticker thread only
    private volatile Connection probe; // written by the prober thread only; volatile for close()
    private long probeEpoch = -1; // prober thread only

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
        this.prober = NamedThreads.single(threadName + "-probe");
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
                endpoint = null;
                down = false;
                return;
            }
            if (!now.get().equals(endpoint)) {
                // A new primary gets the whole timeout, counted from now.
                endpoint = now.get();
                epoch++;
                lastAnswerNanos = t;
                lastError = "no probe finished yet";
                down = false;
                nextProbeNanos = t;
            }
            e = endpoint;
            ep = epoch;
            long silent = t - lastAnswerNanos;
            if (!down && silent >= timeout.toNanos()) {
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
        if (t - nextProbeNanos >= 0 && probing.compareAndSet(false, true)) {
            nextProbeNanos = t + interval.toNanos();
            try {
                prober.execute(() -> {
                    try {
                        probe(e, ep);
                    } finally {
                        probing.set(false);
                    }
                });
            } catch (RejectedExecutionException closed) {
                probing.set(false);
            }
        }
    }

    /** One probe of {@code e}; prober thread only. */
    private void probe(PrimaryEndpoint e, long ep) {
        long started = System.nanoTime();
        try {
            if (probe != null && probeEpoch != ep) {
                abortProbe();
            }
            if (probe == null) {
                probe = open(e);
                probeEpoch = ep;
            }
            try (Statement s = probe.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                rs.next();
            }
        } catch (SQLException | RuntimeException failure) {
            abortProbe();
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
    private void abortProbe() {
        Connection c = probe;
        probe = null;
        probeEpoch = -1;
        if (c != null) {
            try {
                c.abort(Runnable::run);
            } catch (SQLException | RuntimeException ignored) {
                // Broken already.
            }
        }
    }

    /** Stops both threads and drops the probe connection. Idempotent. */
    @Override
    public void close() {
        ticker.shutdownNow();
        prober.shutdownNow(); // a probe blocked on the socket is not interruptible: the abort below ends it
        Connection c = probe;
        if (c != null) {
            try {
                c.abort(Runnable::run);
            } catch (SQLException | RuntimeException ignored) {
                // Broken already.
            }
        }
    }
}
