package io.hapg.core.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one probe of the local PostgreSQL found. Produced by {@code DatabaseNode.probe()}; never
 * describes an error as an exception: a dead or hung postmaster is a state.
 *
 * @param dataDirectory       whether a data directory with a cluster exists
 * @param process             whether the postmaster runs and answers
 * @param inRecovery          {@code pg_is_in_recovery()} (false when not running)
 * @param writeLsn            {@code pg_current_wal_lsn()} on a primary
 * @param receiveLsn          last WAL received on a replica
 * @param replayLsn           last WAL replayed on a replica
 * @param timeline            current timeline (from the control file when stopped), 0 when unknown
 * @param systemIdentifier    the database system identifier, when a data directory exists
 * @param replication         {@code pg_stat_replication} rows (primary)
 * @param synchronousStandbys the member names currently in {@code synchronous_standby_names}
 * @param checkpointLsn       latest checkpoint location from the control file (when stopped)
 * @param cleanShutdown       the control file says "shut down" (or "shut down in recovery")
 * @param detail              why it is not running, in words, for logs and {@code /patroni}
 * @param serverVersion       {@code server_version_num} of the running server (150004), 0 when unknown
 * @param pendingRestart      a changed setting waits for a restart ({@code pg_settings.pending_restart})
 * @param synchronousSetting  the full {@code synchronous_standby_names} value, parsed (method, count,
 *                            names): the primary rewrites any form but its own
 * @param syncChangeLsn       on a primary: its flush position when {@code synchronous_standby_names}
 *                            was last seen to change (or first seen since the server started). A
 *                            standby added then may hold fewer commits than were acknowledged
 *                            before; it is synchronous in fact once its flush position reaches this
 * @param crashedInRecovery   stopped, and the control file says {@code in archive recovery}: a replica
 *                            that stopped without a clean shutdown. It wrote no WAL of its own, so its
 *                            end of WAL is no mystery: {@code replayLsn} then holds its minimum recovery
 *                            point (what Patroni compares with the fork point)
 */
public record DatabaseState(
        DataDirectory dataDirectory,
        ProcessState process,
        boolean inRecovery,
        Optional<Lsn> writeLsn,
        Optional<Lsn> receiveLsn,
        Optional<Lsn> replayLsn,
        int timeline,
        Optional<String> systemIdentifier,
        List<ReplicationPeer> replication,
        List<String> synchronousStandbys,
        Optional<Lsn> checkpointLsn,
        boolean cleanShutdown,
        String detail,
        int serverVersion,
        boolean pendingRestart,
        SynchronousStandbyNames synchronousSetting,
        Optional<Lsn> syncChangeLsn,
        boolean crashedInRecovery) {

    /** Whether a usable data directory is there. */
    public enum DataDirectory { EMPTY, INITIALIZED }

    /** The postmaster, as the probe saw it. */
    public enum ProcessState {
        /** No postmaster. */
        STOPPED,
        /** Running but not accepting connections yet (startup, crash recovery). */
        STARTING,
        /** Accepting connections. */
        RUNNING,
        /** The process exists but the probe timed out (frozen, overloaded). */
        UNRESPONSIVE
    }

    public DatabaseState {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(writeLsn, "writeLsn");
        Objects.requireNonNull(receiveLsn, "receiveLsn");
        Objects.requireNonNull(replayLsn, "replayLsn");
        Objects.requireNonNull(systemIdentifier, "systemIdentifier");
        replication = List.copyOf(replication);
        synchronousStandbys = List.copyOf(synchronousStandbys);
        Objects.requireNonNull(checkpointLsn, "checkpointLsn");
        detail = detail == null ? "" : detail;
        Objects.requireNonNull(synchronousSetting, "synchronousSetting");
        Objects.requireNonNull(syncChangeLsn, "syncChangeLsn");
    }

    /**
     * A state whose setting is in hapg's form over {@code synchronousStandbys} and without a known
     * change position: what a stub or a stopped server shows.
     */
    public DatabaseState(DataDirectory dataDirectory, ProcessState process, boolean inRecovery, Optional<Lsn> writeLsn,
                         Optional<Lsn> receiveLsn, Optional<Lsn> replayLsn, int timeline,
                         Optional<String> systemIdentifier, List<ReplicationPeer> replication,
                         List<String> synchronousStandbys, Optional<Lsn> checkpointLsn, boolean cleanShutdown,
                         String detail, int serverVersion, boolean pendingRestart) {
        this(dataDirectory, process, inRecovery, writeLsn, receiveLsn, replayLsn, timeline, systemIdentifier,
                replication, synchronousStandbys, checkpointLsn, cleanShutdown, detail, serverVersion, pendingRestart,
                SynchronousStandbyNames.allOf(synchronousStandbys), Optional.empty(), false);
    }

    /** A state without server facts (version unknown, no pending restart): what a stopped server shows. */
    public DatabaseState(DataDirectory dataDirectory, ProcessState process, boolean inRecovery, Optional<Lsn> writeLsn,
                         Optional<Lsn> receiveLsn, Optional<Lsn> replayLsn, int timeline,
                         Optional<String> systemIdentifier, List<ReplicationPeer> replication,
                         List<String> synchronousStandbys, Optional<Lsn> checkpointLsn, boolean cleanShutdown,
                         String detail) {
        this(dataDirectory, process, inRecovery, writeLsn, receiveLsn, replayLsn, timeline, systemIdentifier,
                replication, synchronousStandbys, checkpointLsn, cleanShutdown, detail, 0, false);
    }

    /** This state with the running server's version and pending-restart flag. */
    public DatabaseState withServer(int version, boolean restartPending) {
        return new DatabaseState(dataDirectory, process, inRecovery, writeLsn, receiveLsn, replayLsn, timeline,
                systemIdentifier, replication, synchronousStandbys, checkpointLsn, cleanShutdown, detail, version,
                restartPending, synchronousSetting, syncChangeLsn, crashedInRecovery);
    }

    /** This state with the parsed {@code synchronous_standby_names} and the primary's flush position at its last change. */
    public DatabaseState withSync(SynchronousStandbyNames setting, Optional<Lsn> changeLsn) {
        return new DatabaseState(dataDirectory, process, inRecovery, writeLsn, receiveLsn, replayLsn, timeline,
                systemIdentifier, replication, synchronousStandbys, checkpointLsn, cleanShutdown, detail, serverVersion,
                pendingRestart, setting, changeLsn, crashedInRecovery);
    }

    /** This state with {@link #crashedInRecovery()} set as given. */
    public DatabaseState withCrashedInRecovery(boolean crashed) {
        return new DatabaseState(dataDirectory, process, inRecovery, writeLsn, receiveLsn, replayLsn, timeline,
                systemIdentifier, replication, synchronousStandbys, checkpointLsn, cleanShutdown, detail, serverVersion,
                pendingRestart, synchronousSetting, syncChangeLsn, crashed);
    }

    /** No data directory, nothing running. */
    public static DatabaseState empty() {
        return new DatabaseState(DataDirectory.EMPTY, ProcessState.STOPPED, false, Optional.empty(), Optional.empty(),
                Optional.empty(), 0, Optional.empty(), List.of(), List.of(), Optional.empty(), false, "no data directory");
    }

    public boolean isRunning() {
        return process == ProcessState.RUNNING;
    }

    /** Running and not in recovery: accepts writes. */
    public boolean isRunningPrimary() {
        return process == ProcessState.RUNNING && !inRecovery;
    }

    public boolean hasData() {
        return dataDirectory == DataDirectory.INITIALIZED;
    }

    /**
     * The WAL position this node would bring to a leader race: write LSN on a primary, else the
     * larger of received and replayed, else the checkpoint.
     */
    public Optional<Lsn> walPosition() {
        if (writeLsn.isPresent()) {
            return writeLsn;
        }
        if (receiveLsn.isPresent() || replayLsn.isPresent()) {
            return Optional.of(Lsn.max(receiveLsn.orElse(Lsn.ZERO), replayLsn.orElse(Lsn.ZERO)));
        }
        return checkpointLsn;
    }
}
