package io.hapg.postgres.internal;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DatabaseState.DataDirectory;
import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.ReplicationPeer;
import io.hapg.core.model.SynchronousStandbyNames;
import io.hapg.core.model.SynchronousStandbyNames.Method;
import io.hapg.core.spi.HaException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One look at the instance: the data directory, the postmaster process, and (when it runs) two
 * queries, every wait bounded by the probe timeout. Never throws for a stopped, starting or hung
 * server: those are states.
 *
 * <p>The queries run on one kept connection, as Patroni's do, not on a new one per probe: a new
 * connection costs the agent a SCRAM login (4096 SHA-256 rounds), a pgjdbc login-timeout thread
 * and the server a backend fork, every loop, which was most of an idle agent's CPU. A kept
 * connection that fails is closed: a timeout is reported as it is (no second wait), any other
 * failure (the server restarted, the backend was terminated) is retried once at once on a new
 * connection, so what the probe reports is what a fresh connection would have found. A probe
 * that finds the kept connection in use by another thread opens its own, as before.
 */
public final class Probe {
    private static final Logger LOG = LoggerFactory.getLogger(Probe.class);
    private static final String CANNOT_CONNECT_NOW = "57P03";
    private static final String STATUS_SQL = "WITH r AS (SELECT pg_catalog.pg_is_in_recovery() AS rec) SELECT rec,"
            + " CASE WHEN rec THEN NULL ELSE pg_catalog.pg_current_wal_lsn()::text END,"
            + " pg_catalog.pg_last_wal_receive_lsn()::text, pg_catalog.pg_last_wal_replay_lsn()::text,"
            + " CASE WHEN rec THEN (SELECT received_tli FROM pg_catalog.pg_stat_wal_receiver)"
            + "  ELSE ('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int"
            + " END,"
            + " GREATEST((SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()),"
            + "  (SELECT min_recovery_end_timeline FROM pg_catalog.pg_control_recovery())),"
            + " (SELECT system_identifier FROM pg_catalog.pg_control_system())::text,"
            + " pg_catalog.current_setting('synchronous_standby_names'),"
            + " pg_catalog.current_setting('server_version_num'),"
            + " EXISTS (SELECT 1 FROM pg_catalog.pg_settings WHERE pending_restart),"
            + " CASE WHEN rec THEN NULL ELSE pg_catalog.pg_current_wal_flush_lsn()::text END FROM r";
    private static final String REPLICATION_SQL = "SELECT application_name, state, sync_state, flush_lsn::text,"
            + " replay_lsn::text FROM pg_catalog.pg_stat_replication ORDER BY application_name";
    /** Both, in one round trip: Patroni's loop asks PostgreSQL once too. */
    private static final String PROBE_SQL = STATUS_SQL + "; " + REPLICATION_SQL;

    private final Instance instance;
    /**
     * The highest timeline this replica was seen streaming on. Without a stream PostgreSQL shows
     * no replay timeline: the checkpoint's lags until the next restartpoint (up to
     * checkpoint_timeout), so a replica that just lost its stream (the old primary stopping for a
     * switchover) would look diverged. Timelines only grow while the server runs.
     */
    private volatile int replicaTimeline;
    private volatile long replicaPostmaster;
    /**
     * The replay position at which this postmaster last answered {@code IDENTIFY_SYSTEM}, or null:
     * its timeline can change only with replay, so a replica left without a stream pays one
     * replication login (and WAL-sender fork) per position, not one per loop.
     */
    private volatile String identifiedAt;
    /**
     * {@code synchronous_standby_names} as this primary last showed it, and its flush position when
     * the value was first seen (Patroni's {@code _primary_flush_lsn}). Seen late is safe: a later
     * position only asks a new standby to catch up further. Forgotten in recovery and with a new
     * postmaster, so a promotion or restart measures afresh.
     */
    private volatile SyncChange syncChange;
    private final ReentrantLock keptLock = new ReentrantLock();
    private Connection kept; // guarded by keptLock
    private long keptPostmaster; // the postmaster pid kept was opened to; guarded by keptLock

    private record SyncChange(long postmaster, String value, Optional<Lsn> flushLsn) {
    }

    public Probe(Instance instance) {
        this.instance = instance;
    }

    public DatabaseState probe() {
        boolean hasData = instance.dataDir().isInitialized();
        if (!instance.postmaster().isRunning()) {
            disconnect();
            return stopped(hasData, "not running");
        }
        if (!keptLock.tryLock()) {
            try (Connection c = instance.connect(instance.config().probeTimeout())) {
                return query(hasData, c);
            } catch (SQLException e) {
                return failure(hasData, e);
            }
        }
        try {
            long postmaster = instance.postmaster().pid().orElse(-1L);
            if (kept != null && keptPostmaster == postmaster) {
                try {
                    return query(hasData, kept);
                } catch (SQLException e) {
                    closeKept();
                    if (hasCause(e, SocketTimeoutException.class)) {
                        return failure(hasData, e);
                    }
                    LOG.debug("{} - kept probe connection failed, opening a new one: {}", instance.member(),
                            e.getMessage());
                }
            }
            try {
                return query(hasData, keptFor(postmaster));
            } catch (SQLException e) {
                closeKept();
                return failure(hasData, e);
            }
        } finally {
            keptLock.unlock();
        }
    }

    /** Work on a connection to the local server. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} on the kept connection when no probe is using it (opening it if need be),
     * else on a new one: a promotion then costs no login (a SCRAM handshake and a backend fork,
     * half a second on a loaded machine, on the switchover's critical path). A probe meanwhile
     * opens its own connection, as when two probes meet. A failure closes the kept connection.
     *
     * @throws SQLException what {@code work} or the connect threw
     */
    public <T> T withConnection(SqlWork<T> work) throws SQLException {
        if (!keptLock.tryLock()) {
            try (Connection c = instance.connect(instance.config().probeTimeout())) {
                return work.run(c);
            }
        }
        try {
            return work.run(keptFor(instance.postmaster().pid().orElse(-1L)));
        } catch (SQLException | RuntimeException e) {
            closeKept();
            throw e;
        } finally {
            keptLock.unlock();
        }
    }

    /**
     * Closes the kept connection unless a probe is using it right now (then that probe's own end
     * decides). Never blocks: a stop calls it before a smart shutdown, which waits for every
     * session, this one too.
     */
    public void disconnect() {
        if (keptLock.tryLock()) {
            try {
                closeKept();
            } finally {
                keptLock.unlock();
            }
        }
    }

    private DatabaseState query(boolean hasData, Connection c) throws SQLException {
        List<List<List<String>>> results = Jdbc.queryRepeatedEach(c, PROBE_SQL);
        return running(hasData, results.get(0).get(0), results.get(1));
    }

    private DatabaseState failure(boolean hasData, SQLException e) {
        if (!instance.postmaster().isRunning()) {
            return stopped(hasData, "not running (exited during the probe)");
        }
        return notAnswering(hasData, e);
    }

    /** The kept connection, (re)opened when it is missing or was opened to another postmaster; under keptLock. */
    private Connection keptFor(long postmaster) throws SQLException {
        if (kept == null || keptPostmaster != postmaster) {
            closeKept();
            kept = instance.connect(instance.config().probeTimeout());
            keptPostmaster = postmaster;
        }
        return kept;
    }

    private void closeKept() {
        if (kept != null) {
            try {
                kept.close();
            } catch (SQLException e) {
                LOG.debug("{} - closing the kept probe connection: {}", instance.member(), e.getMessage());
            }
            kept = null;
        }
    }

    /** What to report when the probe itself failed unexpectedly: still a state, never an exception. */
    public DatabaseState failed(RuntimeException e) {
        boolean hasData = instance.dataDir().isInitialized();
        return new DatabaseState(dataDirectory(hasData), instance.postmaster().isRunning() ? ProcessState.UNRESPONSIVE
                : ProcessState.STOPPED, false, Optional.empty(), Optional.empty(), Optional.empty(), 0,
                Optional.empty(), List.of(), List.of(), Optional.empty(), false, "probe failed: " + e);
    }

    private DatabaseState running(boolean hasData, List<String> row, List<List<String>> peers) {
        boolean inRecovery = "t".equals(row.get(0));
        int timeline = row.get(4) != null ? Integer.parseInt(row.get(4)) : Integer.parseInt(row.get(5));
        if (inRecovery) {
            long postmaster = instance.postmaster().pid().orElse(-1L);
            if (postmaster != replicaPostmaster) {
                replicaPostmaster = postmaster;
                replicaTimeline = 0;
                identifiedAt = null;
            }
            timeline = Math.max(timeline, Integer.parseInt(row.get(5)));
            String replayed = String.valueOf(row.get(3));
            if (row.get(4) == null && !replayed.equals(identifiedAt)) {
                Optional<Integer> replayTimeline = replayTimeline();
                if (replayTimeline.isPresent()) {
                    identifiedAt = replayed;
                    timeline = Math.max(timeline, replayTimeline.get());
                }
            }
            timeline = Math.max(timeline, replicaTimeline);
            replicaTimeline = timeline;
            syncChange = null;
        }
        List<ReplicationPeer> replication = new ArrayList<>();
        for (List<String> p : peers) {
            replication.add(new ReplicationPeer(p.get(0) == null ? "" : p.get(0), p.get(1), p.get(2), lsn(p.get(3)),
                    lsn(p.get(4))));
        }
        SynchronousStandbyNames setting;
        List<String> standbys;
        try {
            setting = SyncNames.parseSetting(row.get(7));
            standbys = SyncNames.parse(row.get(7));
        } catch (IllegalArgumentException e) {
            // PostgreSQL accepted it, so this parser is missing a form: report a value that is never
            // hapg's own (the primary rewrites it) and no standby a commit is known to wait for.
            LOG.warn("{} - {}", instance.member(), e.getMessage());
            setting = new SynchronousStandbyNames(Method.FIRST, 0, List.of(row.get(7)));
            standbys = List.of();
        }
        return new DatabaseState(dataDirectory(hasData), ProcessState.RUNNING, inRecovery, lsn(row.get(1)),
                lsn(row.get(2)), lsn(row.get(3)), timeline, Optional.ofNullable(row.get(6)), replication,
                standbys, Optional.empty(), false,
                inRecovery ? "running as a replica" : "running as a primary")
                .withServer(Integer.parseInt(row.get(8)), "t".equals(row.get(9)))
                .withSync(setting, inRecovery ? Optional.empty() : syncChangeLsn(row.get(7), lsn(row.get(10))));
    }

    /**
     * The timeline of the last WAL record this replica replayed, from {@code IDENTIFY_SYSTEM} on a
     * replication connection to itself (Patroni's {@code get_replica_timeline}); empty when that
     * connection is refused (a pg_hba without local replication, no free WAL sender). Asked only
     * while no stream shows {@code received_tli}: the control file's timelines lag until the next
     * restartpoint, so a replica restarted after a crash that had already followed the leader
     * through a promotion would look diverged from it and be rewound for nothing.
     */
    private Optional<Integer> replayTimeline() {
        try (Connection c = instance.connectReplication(instance.config().probeTimeout());
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
            return rs.next() ? Optional.of(rs.getInt(2)) : Optional.empty();
        } catch (SQLException e) {
            LOG.debug("{} - IDENTIFY_SYSTEM on the local replica failed: {}", instance.member(), e.getMessage());
            return Optional.empty();
        }
    }

    /** The primary's flush position when {@code value} was first seen (now, if it is new). */
    private Optional<Lsn> syncChangeLsn(String value, Optional<Lsn> flushNow) {
        long postmaster = instance.postmaster().pid().orElse(-1L);
        SyncChange last = syncChange;
        if (last == null || last.postmaster() != postmaster || !last.value().equals(value)) {
            last = new SyncChange(postmaster, value, flushNow);
            syncChange = last;
        }
        return last.flushLsn();
    }

    private DatabaseState notAnswering(boolean hasData, SQLException e) {
        ProcessState process;
        String detail;
        if (CANNOT_CONNECT_NOW.equals(e.getSQLState())) {
            process = ProcessState.STARTING;
            detail = e.getMessage(); // "the database system is starting up / in recovery mode / shutting down"
        } else if (hasCause(e, ConnectException.class)) {
            process = ProcessState.STARTING;
            detail = "not accepting connections yet";
        } else if (hasCause(e, SocketTimeoutException.class) || "08001".equals(e.getSQLState())) {
            process = ProcessState.UNRESPONSIVE;
            detail = "no answer within " + instance.config().probeTimeout() + ": " + e.getMessage();
        } else {
            process = ProcessState.UNRESPONSIVE;
            detail = "probe failed: " + e.getMessage();
        }
        Optional<ControlData> control = control(hasData);
        return new DatabaseState(dataDirectory(hasData), process, false, Optional.empty(), Optional.empty(),
                Optional.empty(), control.map(ControlData::timeline).orElse(0),
                control.flatMap(ControlData::systemIdentifier), List.of(), List.of(), Optional.empty(), false, detail);
    }

    private DatabaseState stopped(boolean hasData, String why) {
        if (!hasData) {
            return new DatabaseState(DataDirectory.EMPTY, ProcessState.STOPPED, false, Optional.empty(),
                    Optional.empty(), Optional.empty(), 0, Optional.empty(), List.of(), List.of(), Optional.empty(),
                    false, why + "; no data directory at " + instance.dataDir().path());
        }
        Optional<ControlData> control = control(true);
        String state = control.map(ControlData::clusterState).orElse("unreadable control file");
        boolean crashedInRecovery = control.map(ControlData::crashedInRecovery).orElse(false);
        Optional<Lsn> replayed = crashedInRecovery ? control.flatMap(ControlData::minRecoveryLsn) : Optional.empty();
        return new DatabaseState(DataDirectory.INITIALIZED, ProcessState.STOPPED, false, Optional.empty(),
                Optional.empty(), replayed, control.map(ControlData::timeline).orElse(0),
                control.flatMap(ControlData::systemIdentifier), List.of(), List.of(),
                control.flatMap(ControlData::checkpointLsn), control.map(ControlData::cleanShutdown).orElse(false),
                why + "; cluster state: " + state).withCrashedInRecovery(crashedInRecovery);
    }

    private Optional<ControlData> control(boolean hasData) {
        if (!hasData) {
            return Optional.empty();
        }
        try {
            return Optional.of(instance.controlData());
        } catch (HaException | IllegalStateException e) {
            return Optional.empty();
        }
    }

    private static DataDirectory dataDirectory(boolean hasData) {
        return hasData ? DataDirectory.INITIALIZED : DataDirectory.EMPTY;
    }

    private static Optional<Lsn> lsn(String text) {
        return text == null ? Optional.empty() : Optional.of(Lsn.parse(text));
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
