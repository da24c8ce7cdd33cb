package io.hapg.hikari;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;

/**
 * Counts the client backends of one PostgreSQL server while a test runs, from its own connection
 * sampling {@code pg_stat_activity} every 100 ms: the most seen at once, and how many distinct
 * backends (all, and those of host monitors, named {@code <pool> monitor}) were seen in all, so
 * connection churn shows as distinct backends far above the peak, and the sessions PostgreSQL
 * counted ({@code pg_stat_database.sessions}, which also counts those too short to be sampled).
 */
final class Backends implements AutoCloseable {
    private final String name;
    private final Thread sampler;
    private final Set<String> seen = new HashSet<>(); // guarded by this
    private final Set<String> monitorsSeen = new HashSet<>(); // guarded by this
    private int peak; // guarded by this
    private int peakMonitors; // guarded by this
    private int samples; // guarded by this
    private long sessionsAtStart = -1; // guarded by this
    private long sessionsNow = -1; // guarded by this
    private volatile boolean stop;

    Backends(String name, String jdbcUrl) {
        this.name = name;
        this.sampler = new Thread(() -> sample(jdbcUrl), "backends-" + name);
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sample(String jdbcUrl) {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
            while (!stop) {
                try (ResultSet rs = s.executeQuery("SELECT sum(sessions) FROM pg_stat_database")) {
                    rs.next();
                    synchronized (this) {
                        sessionsNow = rs.getLong(1);
                        if (sessionsAtStart < 0) {
                            sessionsAtStart = sessionsNow;
                        }
                    }
                }
                int now = 0;
                int monitorsNow = 0;
                try (ResultSet rs = s.executeQuery("SELECT pid, backend_start, application_name FROM pg_stat_activity"
                        + " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
                    synchronized (this) {
                        while (rs.next()) {
                            String id = rs.getInt(1) + "@" + rs.getString(2);
                            seen.add(id);
                            now++;
                            if (rs.getString(3) != null && rs.getString(3).endsWith(" monitor")) {
                                monitorsSeen.add(id);
                                monitorsNow++;
                            }
                        }
                        peak = Math.max(peak, now);
                        peakMonitors = Math.max(peakMonitors, monitorsNow);
                        samples++;
                    }
                }
                Thread.sleep(100);
            }
        } catch (SQLException e) {
            // The server went away (a switchover stops the old primary): what was counted stays.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The most host monitor backends ({@code <name> monitor}) seen at once. */
    synchronized int peakMonitors() {
        return peakMonitors;
    }

    /** One line: peak and distinct backends, all and the host monitors'. */
    synchronized String summary() {
        return String.format("%s: client backends at most %d at once, %d distinct; host monitor backends at most %d "
                + "at once, %d distinct (%d samples); sessions started (pg_stat_database) %d", name, peak, seen.size(),
                peakMonitors, monitorsSeen.size(), samples, sessionsNow - sessionsAtStart);
    }

    @Override
    public void close() {
        stop = true;
        try {
            sampler.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
