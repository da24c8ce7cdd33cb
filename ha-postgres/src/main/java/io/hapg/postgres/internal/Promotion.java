package io.hapg.postgres.internal;

import io.hapg.process.Commands;
import io.hapg.core.spi.DatabaseUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/** Promotion to primary, and the reload that retargets a running replica. */
public final class Promotion {
    private final Instance instance;
    private final Probe probe;

    /** @param probe whose kept connection the promotion uses, so that it costs no login */
    public Promotion(Instance instance, Probe probe) {
        this.instance = instance;
        this.probe = probe;
    }

    /**
     * How long a promotion may sit in "received promote request" before the request is sent
     * again: PostgreSQL 15 sometimes waits out {@code wal_retrieve_retry_interval} (5 s by
     * default) when the request lands while the startup process waits for WAL to stream, and a
     * second request wakes it (7 of 535 soak promotions took over 3 s; the median is 0.57 s).
     */
    private static final long NUDGE_AFTER_MS = 300;
    /** How often the end of recovery is checked: a switchover waits on it. */
    private static final long POLL_MS = 20;

    /**
     * Promotes a running replica and returns once it accepts writes; a primary is left alone.
     * {@code pg_promote(wait => false)} and then polls on the same connection, rather than
     * {@code pg_promote(wait => true)} (which checks every 100 ms) and a new connection.
     */
    public void run() {
        Duration timeout = instance.config().startTimeout();
        boolean writable;
        try {
            writable = probe.withConnection(c -> promoteAndAwaitWritable(c, System.nanoTime() + timeout.toNanos()));
        } catch (SQLException e) {
            throw new DatabaseUnavailableException(instance.member() + ": cannot promote: " + e.getMessage(), e);
        }
        if (!writable) {
            throw new DatabaseUnavailableException(instance.member() + ": not writable within " + timeout
                    + " after promotion (still in recovery)");
        }
    }

    /** True once {@code c}'s server accepts writes (or already did); false at the deadline. */
    private boolean promoteAndAwaitWritable(Connection c, long deadline) throws SQLException {
        if (!inRecovery(c)) {
            return true;
        }
        long asked = System.nanoTime();
        promote(c);
        while (System.nanoTime() - deadline < 0) {
            Commands.pause(POLL_MS);
            if (!inRecovery(c)) {
                Jdbc.value(c, "SELECT pg_catalog.txid_current()"); // fails while read-only
                instance.files().writePrimary();
                return true;
            }
            if (System.nanoTime() - asked > NUDGE_AFTER_MS * 1_000_000) {
                promote(c);
                asked = System.nanoTime();
            }
        }
        return false;
    }

    private static boolean inRecovery(Connection c) throws SQLException {
        return "t".equals(Jdbc.value(c, "SELECT pg_catalog.pg_is_in_recovery()"));
    }

    private void promote(Connection c) throws SQLException {
        try {
            Jdbc.value(c, "SELECT pg_catalog.pg_promote(false)");
        } catch (SQLException e) {
            // Recovery ended between the check and the request: what the caller waits for.
            if (!"55000".equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    /** Reloads the configuration and waits until the server uses {@code conninfo}. */
    public void reloadAndAwaitConninfo(String conninfo) {
        Duration timeout = instance.config().queryTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            try (Connection c = instance.connect(timeout)) {
                Jdbc.value(c, "SELECT pg_catalog.pg_reload_conf()");
            }
            while (System.nanoTime() < deadline) {
                try (Connection c = instance.connect(timeout)) {
                    if (conninfo.equals(Jdbc.value(c, "SHOW primary_conninfo"))) {
                        return;
                    }
                }
                Commands.pause(20);
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException(instance.member() + ": cannot reload: " + e.getMessage(), e);
        }
        throw new DatabaseUnavailableException(instance.member() + ": primary_conninfo not in effect within " + timeout);
    }
}
