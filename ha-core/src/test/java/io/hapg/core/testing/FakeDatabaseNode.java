package io.hapg.core.testing;

import io.hapg.core.model.ClusterPgFiles;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.SlotPlan;
import io.hapg.core.model.SynchronousStandbyNames;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.spi.DatabaseUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * An in-memory PostgreSQL for agent tests: a data directory (empty or initialized, with a system
 * identifier, a timeline and its history), a postmaster (stopped or running, primary or in
 * recovery), WAL positions, replication from an upstream on the same {@link FakeDatabaseNetwork},
 * {@code synchronous_standby_names} and replication slots. Create one with
 * {@link FakeDatabaseNetwork#node} or {@link #standalone}.
 *
 * <p>Behaves like PostgreSQL under Patroni: {@code stop(FAST|SMART)} writes a shutdown checkpoint
 * that streaming replicas receive before the postmaster exits, {@code IMMEDIATE}, {@code KILL} and
 * {@link #crash()} leave an unclean control file, {@code promote} switches timeline at the end of
 * the received WAL, a former primary that wrote past that point cannot stream until
 * {@code rewind}. {@code start} on a running node and {@code stop} on a stopped one do nothing.
 *
 * <p><b>Test controls.</b> {@link #crash}, {@link #advanceWal}, {@link #setLsn},
 * {@link #pauseReplication}, {@link #setUnresponsive}; {@link #failNext} and {@link #hangNext} per
 * operation (SPI method names: {@code probe, bootstrap, cloneFrom, start, stop, promote, follow,
 * rewind, setSynchronousStandbys, ensureSlots, close}); {@link #calls()} logs every SPI call but
 * {@code probe} as {@code "stop(IMMEDIATE)"}, {@code "start(n0)"}, {@code "start()"}.
 *
 * <p>Thread-safe: the loop, the action executor and a watchdog may call it at once. A hanging
 * call holds no lock. {@link #close()} only logs: the node stays usable, as a data directory
 * outlives the agent that closed its handle.
 */
public final class FakeDatabaseNode implements DatabaseNode {
    /** The operation names {@link #failNext}, {@link #hangNext} and {@link #count} accept. */
    public static final Set<String> OPERATIONS = Set.of("probe", "bootstrap", "cloneFrom", "start", "stop", "promote",
            "follow", "rewind", "setSynchronousStandbys", "setQuorumStandbys", "ensureSlots", "reload", "startReadOnly", "close",
            "probeOther");
    /** Where a freshly bootstrapped cluster's WAL ends. */
    public static final Lsn INITIAL_LSN = NodeState.INITIAL_LSN;

    private final FakeDatabaseNetwork network;
    private final NodeState state;
    private final CallRecorder recorder;
    private final Object lock;
    private volatile ClusterPgFiles clusterFiles = ClusterPgFiles.NONE;

    FakeDatabaseNode(FakeDatabaseNetwork network, NodeState state) {
        this.network = network;
        this.state = state;
        this.lock = network.lock;
        this.recorder = new CallRecorder(state.name, OPERATIONS, DatabaseUnavailableException::new);
    }

    /** A node on a network of its own: it can bootstrap, not clone. */
    public static FakeDatabaseNode standalone(String name) {
        return new FakeDatabaseNetwork().node(name);
    }

    public String name() {
        return state.name;
    }

    public FakeDatabaseNetwork network() {
        return network;
    }

    // ---- DatabaseNode ----

    @Override
    public DatabaseState probe() {
        recorder.enter("probe", null);
        synchronized (lock) {
            return FakeNodeViews.probe(state, network);
        }
    }

    @Override
    public void bootstrap() {
        recorder.enter("bootstrap", "bootstrap()");
        synchronized (lock) {
            state.bootstrap(network.nextSystemIdentifierLocked());
        }
    }

    /** pg_basebackup from {@code source} (stopping this node first if it runs), then streaming from it. */
    @Override
    public void cloneFrom(Member source) {
        Objects.requireNonNull(source, "source");
        recorder.enter("cloneFrom", "cloneFrom(" + source.name() + ")");
        synchronized (lock) {
            state.cloneFrom(network.reachableLocked(source, state, "cloneFrom"));
        }
    }

    @Override
    public void start(Optional<Member> upstream) {
        Objects.requireNonNull(upstream, "upstream");
        recorder.enter("start", "start(" + upstream.map(Member::name).orElse("") + ")");
        synchronized (lock) {
            state.start(upstream.map(this::otherName).orElse(null));
        }
    }

    @Override
    public void startReadOnly() {
        recorder.enter("startReadOnly", "startReadOnly()");
        synchronized (lock) {
            state.startStandby();
        }
    }

    @Override
    public void stop(StopMode mode) {
        Objects.requireNonNull(mode, "mode");
        recorder.enter("stop", "stop(" + mode + ")");
        synchronized (lock) {
            state.stop(mode);
        }
    }

    /** Ends recovery: the timeline switches at the end of the received WAL. On a primary, nothing happens. */
    @Override
    public void promote() {
        recorder.enter("promote", "promote()");
        synchronized (lock) {
            state.promote();
        }
    }

    /** A running primary shuts down cleanly first, a stopped node is started: either way it ends streaming from {@code leader}. */
    @Override
    public void follow(Member leader) {
        Objects.requireNonNull(leader, "leader");
        recorder.enter("follow", "follow(" + leader.name() + ")");
        synchronized (lock) {
            state.follow(otherName(leader));
        }
    }

    /** pg_rewind: back to where this node's history left {@code leader}'s, onto its timeline; stays stopped. */
    @Override
    public void rewind(Member leader) {
        Objects.requireNonNull(leader, "leader");
        recorder.enter("rewind", "rewind(" + leader.name() + ")");
        synchronized (lock) {
            state.requireStopped("rewind");
            state.rewind(network.reachableLocked(leader, state, "rewind"));
        }
    }

    @Override
    public void setSynchronousStandbys(List<String> members, boolean strict) {
        Objects.requireNonNull(members, "members");
        recorder.enter("setSynchronousStandbys", "setSynchronousStandbys(" + members + ", " + strict + ")");
        synchronized (lock) {
            state.requireData("setSynchronousStandbys");
            if (!state.synchronousStandbys.equals(members)) {
                state.synchronousChange = state.flushed;
            }
            state.synchronousStandbys = List.copyOf(members);
            state.synchronousStrict = strict;
            state.synchronousAny = 0;
        }
    }

    /** {@code ANY count (members)}: the probe then reports that form (see {@link DatabaseNode#setQuorumStandbys}). */
    @Override
    public void setQuorumStandbys(int count, List<String> members) {
        Objects.requireNonNull(members, "members");
        recorder.enter("setQuorumStandbys", "setQuorumStandbys(" + count + ", " + members + ")");
        SynchronousStandbyNames.anyOf(count, members); // the real node's argument check
        synchronized (lock) {
            state.requireData("setQuorumStandbys");
            if (!state.synchronousStandbys.equals(members) || state.synchronousAny != count) {
                state.synchronousChange = state.flushed;
            }
            state.synchronousStandbys = List.copyOf(members);
            state.synchronousStrict = false;
            state.synchronousAny = members.isEmpty() ? 0 : count;
        }
    }

    /**
     * Exactly the slots of the plan, member and permanent (no sanitising of names, no positions);
     * needs a running postmaster.
     */
    @Override
    public Map<String, Lsn> ensureSlots(SlotPlan plan) {
        Objects.requireNonNull(plan, "plan");
        SortedSet<String> sorted = new TreeSet<>(plan.memberSlots());
        sorted.addAll(plan.permanent().keySet());
        recorder.enter("ensureSlots", "ensureSlots(" + sorted + ")");
        synchronized (lock) {
            if (!state.running) {
                throw state.failure("ensureSlots", "not running");
            }
            state.slots = sorted;
        }
        return Map.of();
    }

    @Override
    public void reload() {
        recorder.enter("reload", "reload()");
        synchronized (lock) {
            if (!state.running) {
                throw state.failure("reload", "not running");
            }
        }
    }

    /** Keeps {@code files} for {@link #clusterFiles()}; writes nothing. */
    @Override
    public boolean configureFiles(ClusterPgFiles files) {
        clusterFiles = files;
        return true;
    }

    @Override
    public void close() {
        recorder.enter("close", "close()");
    }

    /**
     * Fast failover's death probe of another member: {@code NOT_ANSWERING} when its PostgreSQL is
     * stopped (crashed), not answering ({@link #setUnresponsive}) or not on this network;
     * {@code ANSWERED} when it runs.
     */
    @Override
    public LeaderProbe.Outcome probeOther(Member member, Duration timeout) {
        Objects.requireNonNull(member, "member");
        recorder.enter("probeOther", null);
        synchronized (lock) {
            try {
                network.reachableLocked(member, state, "probeOther");
                return LeaderProbe.Outcome.ANSWERED;
            } catch (DatabaseUnavailableException e) {
                return LeaderProbe.Outcome.NOT_ANSWERING;
            }
        }
    }

    // ---- test controls ----

    /** The postmaster dies (kill -9): stopped, control file unclean, WAL kept for crash recovery. */
    public void crash() {
        synchronized (lock) {
            state.crash();
        }
    }

    /**
     * Commits {@code bytes} of WAL on this running primary; streaming replicas receive them.
     *
     * @throws IllegalStateException when this node is not a running primary
     */
    public void advanceWal(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("bytes must be positive, got " + bytes);
        }
        synchronized (lock) {
            if (!state.running || state.standby) {
                throw new IllegalStateException(state.name + ": advanceWal needs a running primary");
            }
            Lsn end = Lsn.of(state.flushed.value() + bytes);
            state.setPosition(end, end);
        }
    }

    /** Sets the end of this node's WAL (written or received, and replayed), running or not. */
    public void setLsn(Lsn lsn) {
        setLsn(lsn, lsn);
    }

    /**
     * Sets received and replayed WAL separately (a replay lag). Streaming replicas are caught up
     * again at the next change: {@link #pauseReplication} first to hold a lag.
     */
    public void setLsn(Lsn received, Lsn replayedUpTo) {
        Objects.requireNonNull(received, "received");
        Objects.requireNonNull(replayedUpTo, "replayed");
        if (replayedUpTo.isAfter(received)) {
            throw new IllegalArgumentException("replayed must not be after received: " + replayedUpTo + " > " + received);
        }
        synchronized (lock) {
            state.setPosition(received, replayedUpTo);
        }
    }

    /** While true this node's walreceiver is disconnected: it receives nothing, and its upstream lists no row for it. */
    public void pauseReplication(boolean paused) {
        synchronized (lock) {
            state.replicationPaused = paused;
            network.propagateLocked();
        }
    }

    /** While true a running postmaster does not answer: probe says UNRESPONSIVE, peers cannot connect. */
    public void setUnresponsive(boolean value) {
        synchronized (lock) {
            state.unresponsive = value && state.running;
            network.propagateLocked();
        }
    }

    /** The next call of {@code operation} throws {@code failure} (queued per operation). */
    public void failNext(String operation, RuntimeException failure) {
        recorder.failNext(operation, failure);
    }

    /** Makes the next call of {@code operation} throw {@code failure}, an Error no caller should survive. */
    public void failNext(String operation, Error failure) {
        recorder.failNext(operation, failure);
    }

    /**
     * The next call of {@code operation} hangs until {@link #release} or until {@code bound} of
     * real time passes, then carries on normally (combine with {@link #failNext} to make it fail).
     */
    public void hangNext(String operation, Duration bound) {
        recorder.hangNext(operation, bound);
    }

    public void release(String operation) {
        recorder.release(operation);
    }

    public void releaseAll() {
        recorder.releaseAll();
    }

    /** Waits (real time) until a call is hanging in {@code operation}, armed by {@link #hangNext}. */
    public boolean awaitHanging(String operation, Duration timeout) {
        return recorder.awaitHanging(operation, timeout);
    }

    /** Every SPI call but {@code probe}, in order: {@code "bootstrap()"}, {@code "stop(FAST)"}, {@code "follow(n0)"}. */
    public List<String> calls() {
        return recorder.calls();
    }

    /** How many times {@code operation} was called, probes and failed calls included. */
    public int count(String operation) {
        return recorder.count(operation);
    }

    public Map<String, Integer> callCounts() {
        return recorder.counts();
    }

    public void resetCalls() {
        recorder.reset();
    }

    /** This node as its agent would publish it, with fake URLs {@code postgres://<name>:5432/postgres}. */
    public Member member() {
        synchronized (lock) {
            return FakeNodeViews.member(state, network);
        }
    }

    public SortedSet<String> slots() {
        synchronized (lock) {
            return new TreeSet<>(state.slots);
        }
    }

    public boolean synchronousStrict() {
        synchronized (lock) {
            return state.synchronousStrict;
        }
    }

    /** The cluster's pg_ident and recovery_conf last handed to {@link #configureFiles}. */
    public ClusterPgFiles clusterFiles() {
        return clusterFiles;
    }

    /** The member this node is configured to stream from, when in recovery. */
    public Optional<String> upstream() {
        synchronized (lock) {
            return state.standby ? Optional.ofNullable(state.upstream) : Optional.empty();
        }
    }

    /** Whether WAL flows from the upstream right now. */
    public boolean isStreaming() {
        synchronized (lock) {
            return network.streamingUpstreamLocked(state) != null;
        }
    }

    @Override
    public String toString() {
        return "FakeDatabaseNode[" + state.name + "]";
    }

    // ---- internals ----

    private String otherName(Member member) {
        if (member.name().equals(state.name)) {
            throw new IllegalArgumentException("upstream must be another member, got this node '" + state.name + "'");
        }
        return member.name();
    }
}
