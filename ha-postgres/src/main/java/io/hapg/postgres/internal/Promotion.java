package io.hapg.postgres.internal;

import io.hapg.process.Commands;
import io.hapg.core.spi.DatabaseUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/** Promotion to primary, and the reload that retargets a running replica. */
public final class Promotion {
    private final Instance instance;

    public Promotion(Instance instance) {
        this.instance = instance;
    }

    /** Promotes a running replica and returns once it accepts writes; a primary is left alone. */
    public void run() {
        Duration timeout = instance.config().startTimeout();
        long waitSeconds = Math.max(1, timeout.toSeconds());
        try (Connection c = Jdbc.open(instance.config().localHost(), instance.config().port(),
                instance.config().superuser(), instance.config().queryTimeout().plus(timeout),
                instance.config().queryTimeout().plus(timeout))) {
            if (!"t".equals(Jdbc.value(c, "SELECT pg_catalog.pg_is_in_recovery()"))) {
                return;
            }
            String promoted = Jdbc.value(c, "SELECT pg_catalog.pg_promote(true, " + waitSeconds + ")");
            if (!"t".equals(promoted)) {
                throw new DatabaseUnavailableException(instance.member() + ": pg_promote did not finish within "
                        + waitSeconds + " s");
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException(instance.member() + ": cannot promote: " + e.getMessage(), e);
        }
        awaitWritable(timeout);
        instance.files().writePrimary();
    }

    private void awaitWritable(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try (Connection c = instance.connect(instance.config().queryTimeout())) {
                if (!"t".equals(Jdbc.value(c, "SELECT pg_catalog.pg_is_in_recovery()"))) {
                    Jdbc.value(c, "SELECT pg_catalog.txid_current()"); // fails while read-only
                    return;
                }
                last = "still in recovery";
            } catch (SQLException e) {
                last = e.getMessage();
            }
            Commands.pause(50);
        }
        throw new DatabaseUnavailableException(instance.member() + ": not writable within " + timeout + " after"
                + " promotion (" + last + ")");
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
