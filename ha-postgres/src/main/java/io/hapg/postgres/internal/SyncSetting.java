package io.hapg.postgres.internal;

import io.hapg.process.Commands;
import io.hapg.core.spi.DatabaseUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code synchronous_standby_names} through ALTER SYSTEM, applied by a reload. */
public final class SyncSetting {
    private static final Logger LOG = LoggerFactory.getLogger(SyncSetting.class);

    private final Instance instance;

    public SyncSetting(Instance instance) {
        this.instance = instance;
    }

    /**
     * Writes a tiny WAL record. An idle standby confirms its flush position only every
     * {@code wal_receiver_status_interval} (10 s); new WAL makes it confirm at once, which releases
     * commits that were waiting for a standby that has just become synchronous.
     */
    private static void nudgeStandbys(Connection c) throws SQLException {
        if (!"t".equals(Jdbc.value(c, "SELECT pg_catalog.pg_is_in_recovery()"))) {
            Jdbc.value(c, "SELECT pg_catalog.pg_logical_emit_message(false, 'hapg', 'synchronous_standby_names')");
        }
    }

    /** Sets the value for {@code members} and returns once a new session shows it. */
    public void set(List<String> members, boolean strict) {
        apply(SyncNames.format(members, strict));
    }

    /** Sets {@code ANY count (members)} ({@link SyncNames#formatAny}) and returns once a new session shows it. */
    public void setQuorum(int count, List<String> members) {
        apply(SyncNames.formatAny(count, members));
    }

    private void apply(String value) {
        Duration timeout = instance.config().queryTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            try (Connection c = instance.connect(timeout)) {
                if (value.equals(Jdbc.value(c, "SHOW synchronous_standby_names"))) {
                    return;
                }
                Jdbc.execute(c, "ALTER SYSTEM SET synchronous_standby_names = " + Jdbc.literal(value));
                Jdbc.value(c, "SELECT pg_catalog.pg_reload_conf()");
            }
            while (System.nanoTime() < deadline) {
                try (Connection c = instance.connect(timeout)) {
                    if (value.equals(Jdbc.value(c, "SHOW synchronous_standby_names"))) {
                        nudgeStandbys(c);
                        LOG.info("{} - synchronous_standby_names = '{}'", instance.member(), value);
                        return;
                    }
                }
                Commands.pause(20);
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException(instance.member() + ": cannot set synchronous_standby_names: "
                    + e.getMessage(), e);
        }
        throw new DatabaseUnavailableException(instance.member() + ": synchronous_standby_names = '" + value
                + "' not in effect within " + timeout);
    }
}
