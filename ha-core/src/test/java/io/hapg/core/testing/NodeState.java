package io.hapg.core.testing;

import io.hapg.core.model.Lsn;
import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.core.spi.DatabaseUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What one fake PostgreSQL is: its data directory (control file, timeline history, WAL end,
 * settings, slots) and its postmaster, with the transitions PostgreSQL makes. Not thread-safe:
 * every access holds the {@link FakeDatabaseNetwork}'s lock, so replication can read the
 * upstream and write the replica in one step.
 */
final class NodeState {
    static final Lsn INITIAL_LSN = Lsn.parse("0/3000060");
    static final long CHECKPOINT_RECORD_BYTES = 0x78;
    static final long END_OF_RECOVERY_BYTES = 0x28;

    final String name;
    private final FakeDatabaseNetwork network;
    boolean initialized;
    boolean running;
    boolean unresponsive;
    boolean standby;
    String upstream;
    String systemIdentifier;
    int timeline;
    List<TimelineSwitch> history = List.of();
    Lsn flushed = Lsn.ZERO;
    Lsn replayed = Lsn.ZERO;
    Lsn checkpoint = Lsn.ZERO;
    boolean cleanShutdown;
    List<String> synchronousStandbys = List.of();
    boolean synchronousStrict;
    /** n of {@code ANY n (synchronousStandbys)} when set by quorum commit; 0 for hapg's FIRST form. */
    int synchronousAny;
    /** The flush position when {@code synchronousStandbys} last changed, as the real probe reports it. */
    Lsn synchronousChange = Lsn.ZERO;
    SortedSet<String> slots = new TreeSet<>();
    boolean replicationPaused;

    NodeState(String name, FakeDatabaseNetwork network) {
        this.name = name;
        this.network = network;
    }

    /** initdb and start as a primary on timeline 1. */
    void bootstrap(String newSystemIdentifier) {
        if (initialized) {
            throw failure("bootstrap", "data directory is not empty");
        }
        initialized = true;
        systemIdentifier = newSystemIdentifier;
        resetData(1, List.of(), INITIAL_LSN);
        running = true;
        standby = false;
        upstream = null;
    }

    /** pg_basebackup (a running node is stopped first), then streaming from {@code from}. */
    void cloneFrom(NodeState from) {
        initialized = true;
        systemIdentifier = from.systemIdentifier;
        resetData(from.timeline, from.history, from.standby ? from.replayed : from.flushed);
        running = true;
        standby = true;
        upstream = from.name;
        network.propagateLocked();
    }

    /** {@code upstreamName} null: as a primary. Nothing happens when already running. */
    void start(String upstreamName) {
        requireData("start");
        if (running) {
            return;
        }
        running = true;
        cleanShutdown = false;
        standby = upstreamName != null;
        upstream = upstreamName;
        network.propagateLocked();
    }

    /** In recovery with no upstream: read-only, streaming from nobody. */
    void startStandby() {
        requireData("startReadOnly");
        if (running) {
            return;
        }
        running = true;
        cleanShutdown = false;
        standby = true;
        upstream = null;
        network.propagateLocked();
    }

    void stop(StopMode mode) {
        if (!running) {
            return;
        }
        boolean clean = switch (mode) {
            case SMART, FAST -> true;
            case IMMEDIATE, KILL -> false;
        };
        if (clean) {
            shutdownCheckpoint();
        } else {
            crash();
        }
    }

    /** The postmaster is gone without a checkpoint; the WAL stays for crash recovery. */
    void crash() {
        running = false;
        unresponsive = false;
        cleanShutdown = false;
    }

    /** Ends recovery: the timeline switches at the end of the received WAL. A primary stays as it is. */
    void promote() {
        if (!running) {
            throw failure("promote", "not running");
        }
        if (!standby) {
            return;
        }
        List<TimelineSwitch> longer = new ArrayList<>(history);
        longer.add(new TimelineSwitch(timeline, flushed));
        history = List.copyOf(longer);
        timeline++;
        flushed = Lsn.of(flushed.value() + END_OF_RECOVERY_BYTES);
        replayed = flushed;
        standby = false;
        upstream = null;
        network.propagateLocked();
    }

    /** A running primary shuts down cleanly first; then it runs in recovery from {@code upstreamName}. */
    void follow(String upstreamName) {
        requireData("follow");
        if (running && !standby) {
            shutdownCheckpoint();
        }
        running = true;
        cleanShutdown = false;
        standby = true;
        upstream = upstreamName;
        network.propagateLocked();
    }

    /** pg_rewind: back to where this history left {@code source}'s, onto its timeline; stays stopped. */
    void rewind(NodeState source) {
        requireStopped("rewind");
        if (!source.systemIdentifier.equals(systemIdentifier)) {
            throw failure("rewind", "source and target are different systems");
        }
        if (FakeDatabaseNetwork.diverged(this, source)) {
            Lsn fork = FakeDatabaseNetwork.forkPoint(this, source).orElse(source.flushed);
            flushed = fork.isBefore(flushed) ? fork : flushed;
            replayed = flushed;
            checkpoint = flushed;
            timeline = source.timeline;
            history = source.history;
        }
        cleanShutdown = false;
        standby = true;
        upstream = source.name;
    }

    void setPosition(Lsn received, Lsn replayedUpTo) {
        flushed = received;
        replayed = replayedUpTo;
        network.propagateLocked();
    }

    void requireData(String operation) {
        if (!initialized) {
            throw failure(operation, "no data directory");
        }
    }

    void requireStopped(String operation) {
        requireData(operation);
        if (running) {
            throw failure(operation, "target must be stopped");
        }
    }

    DatabaseUnavailableException failure(String operation, String why) {
        return new DatabaseUnavailableException(name + ": " + operation + ": " + why);
    }

    /** A clean shutdown: a primary writes a checkpoint its streaming replicas receive before it exits. */
    private void shutdownCheckpoint() {
        if (standby) {
            checkpoint = replayed; // the restartpoint
        } else {
            checkpoint = flushed;
            flushed = Lsn.of(flushed.value() + CHECKPOINT_RECORD_BYTES);
            replayed = flushed;
            network.propagateLocked();
        }
        running = false;
        unresponsive = false;
        cleanShutdown = true;
    }

    private void resetData(int newTimeline, List<TimelineSwitch> newHistory, Lsn position) {
        timeline = newTimeline;
        history = newHistory;
        flushed = position;
        replayed = position;
        checkpoint = position;
        cleanShutdown = false;
        unresponsive = false;
        synchronousStandbys = List.of();
        synchronousStrict = false;
        synchronousAny = 0;
        synchronousChange = position;
        slots = new TreeSet<>();
    }

    /** One line of the timeline history: {@code timeline} ended at {@code end}. */
    record TimelineSwitch(int timeline, Lsn end) {
    }
}
