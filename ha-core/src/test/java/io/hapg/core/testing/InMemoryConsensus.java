package io.hapg.core.testing;

import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Heartbeat;
import io.hapg.core.model.Leader;
import io.hapg.core.model.Member;
import io.hapg.core.spi.ClusterKey;
import io.hapg.core.spi.Consensus;
import io.hapg.core.spi.ConsensusUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One agent's {@link Consensus} on an {@link InMemoryStore}, with the store's etcd semantics
 * (see there) and Patroni etcd3's transactions. Obtain it from {@link InMemoryStore#member}.
 *
 * <p><b>Faults</b> for loop tests: {@link #setPartitioned} (only this member loses the store),
 * {@link #setBlocked} (this member's calls hang, bounded), {@link #failNext} (the next call of an
 * operation throws what you give). Every call is counted per operation ({@link #calls}), failed
 * ones included. Operation names are the SPI method names (see {@link #OPERATIONS}).
 *
 * <p>Thread-safe. A call that hangs holds no lock, so other members carry on.
 */
public final class InMemoryConsensus implements Consensus {
    static final String OPERATION_NAMES =
            "read, tryAcquireLeader, renewLeader, releaseLeader, publishMember, compareAndSet, compareAndSetAsLeader, "
                    + "writeHeartbeat, readHeartbeat, takeOverEarly, watch, close";
    /** The operation names {@link #calls} and {@link #failNext} accept. */
    public static final Set<String> OPERATIONS = Set.of(OPERATION_NAMES.split(", "));

    private final InMemoryStore store;
    private final String name;
    private final KeyValueState.MemberLease lease;
    private final CallRecorder recorder;
    private final List<AutoCloseable> watches = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile boolean partitioned;
    private volatile Gate blocked;

    InMemoryConsensus(InMemoryStore store, String name) {
        this.store = store;
        this.name = name;
        this.lease = new KeyValueState.MemberLease(name);
        this.recorder = new CallRecorder(who(), OPERATIONS, ConsensusUnavailableException::new);
    }

    public String name() {
        return name;
    }

    public InMemoryStore store() {
        return store;
    }

    @Override
    public ClusterView read() {
        enter("read");
        return store.read();
    }

    /** Refreshes from now on use {@code ttl} (no call counted: it does not reach the store). */
    @Override
    public void setTtl(Duration ttl) {
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("ttl: must be at least 1 s, got " + ttl);
        }
        lease.ttl = ttl;
    }

    /** Refreshes (or re-grants) this member's lease, then "create revision == 0 → put", even if this member holds it. */
    @Override
    public boolean tryAcquireLeader() {
        enter("tryAcquireLeader");
        return store.acquire(lease);
    }

    /**
     * Patroni etcd3 {@code _update_leader}. Lease alive: true only if the key names this member.
     * Lease lost (expired or revoked): a new lease is granted and the key re-put on it if it is
     * absent or still names this member (true), else false. On true, {@code status} is written
     * when it differs from the stored one.
     */
    @Override
    public boolean renewLeader(ClusterStatus status) {
        Objects.requireNonNull(status, "status");
        enter("renewLeader");
        return store.renew(lease, status);
    }

    @Override
    public boolean releaseLeader() {
        enter("releaseLeader");
        return store.release(name);
    }

    /**
     * Refreshes (or re-grants) the lease and writes {@code members/<name>} when the value changed
     * or the key must move to a new lease.
     *
     * @throws IllegalArgumentException when {@code member} names another member
     */
    @Override
    public void publishMember(Member member) {
        Objects.requireNonNull(member, "member");
        if (!member.name().equals(name)) {
            throw new IllegalArgumentException("member.name must be this member's name '" + name + "', got '"
                    + member.name() + "'");
        }
        enter("publishMember");
        store.publish(lease, member);
    }

    /** Deleting an absent key succeeds when the revision matches (it is 0 for an absent key) or is -1. */
    @Override
    public <T> boolean compareAndSet(ClusterKey<T> key, long expectedRevision, Optional<T> value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (expectedRevision < -1) {
            throw new IllegalArgumentException("expectedRevision must be >= -1, got " + expectedRevision);
        }
        enter("compareAndSet");
        return store.compareAndSet(key, expectedRevision, value);
    }

    /** {@link #compareAndSet}, only while the leader key names this member with create revision {@code term}. */
    @Override
    public <T> boolean compareAndSetAsLeader(long term, ClusterKey<T> key, long expectedRevision, Optional<T> value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (term <= 0) {
            throw new IllegalArgumentException("term must be positive, got " + term);
        }
        if (expectedRevision < -1) {
            throw new IllegalArgumentException("expectedRevision must be >= -1, got " + expectedRevision);
        }
        enter("compareAndSetAsLeader");
        return store.compareAndSetAsLeader(name, term, key, expectedRevision, value);
    }

    /** etcd's "leader value == name and create revision == term → put heartbeat"; never wakes watchers. */
    @Override
    public boolean writeHeartbeat(long term) {
        if (term <= 0) {
            throw new IllegalArgumentException("term must be positive, got " + term);
        }
        enter("writeHeartbeat");
        return store.writeHeartbeat(name, term);
    }

    @Override
    public Heartbeat readHeartbeat() {
        enter("readHeartbeat");
        return store.readHeartbeat();
    }

    /** etcd's "leader, sync and heartbeat unchanged → put leader on my lease, sync = {me, []}". */
    @Override
    public boolean takeOverEarly(Leader leader, long syncRevision, long heartbeatRevision) {
        Objects.requireNonNull(leader, "leader");
        if (syncRevision <= 0 || heartbeatRevision <= 0) {
            throw new IllegalArgumentException("revisions must be positive, got " + syncRevision + " and "
                    + heartbeatRevision);
        }
        if (leader.name().equals(name)) {
            throw new IllegalArgumentException("leader: cannot take over from myself");
        }
        enter("takeOverEarly");
        return store.takeOverEarly(lease, leader, syncRevision, heartbeatRevision);
    }

    /**
     * Registers {@code onChange}, called on the store's watch thread after every revision that
     * changed a watched key (see {@link InMemoryStore}), and once more when this member's or the store's unavailability ends. Registration works while
     * the store is unavailable (it never throws for that); callbacks are withheld meanwhile.
     */
    @Override
    public AutoCloseable watch(Runnable onChange) {
        Objects.requireNonNull(onChange, "onChange");
        recorder.enter("watch", null);
        checkOpen();
        AutoCloseable handle = store.watch(this, onChange);
        watches.add(handle);
        return handle;
    }

    /** Closes this member's watches. The lease is not revoked: it expires ttl after its last refresh. */
    @Override
    public void close() {
        recorder.enter("close", null);
        closed = true;
        for (AutoCloseable watch : watches) {
            try {
                watch.close();
            } catch (Exception e) {
                throw new IllegalStateException(e); // our handles never throw
            }
        }
        watches.clear();
    }

    // ---- faults and assertions ----

    /** While true, this member's calls throw {@link ConsensusUnavailableException}; others are unaffected. */
    public void setPartitioned(boolean value) {
        partitioned = value;
        if (!value) {
            store.wake(this);
        }
    }

    /**
     * This member's calls hang until {@link #unblock()} (then proceed) or {@code bound} of real time
     * passes (then throw {@link ConsensusUnavailableException}).
     */
    public void setBlocked(Duration bound) {
        Gate previous = blocked;
        blocked = new Gate(Objects.requireNonNull(bound, "bound"));
        if (previous != null) {
            previous.open();
        }
    }

    public void unblock() {
        Gate gate = blocked;
        blocked = null;
        if (gate != null) {
            gate.open();
        }
    }

    /** Waits (real time) until one of this member's calls hangs in {@link #setBlocked}. */
    public boolean awaitBlockedCall(Duration timeout) {
        Gate gate = blocked;
        if (gate == null) {
            throw new IllegalStateException(who() + ": not blocked; call setBlocked first");
        }
        return gate.awaitArrival(timeout);
    }

    /** The next call of {@code operation} throws {@code failure} (queued: several calls, several failures). */
    public void failNext(String operation, RuntimeException failure) {
        recorder.failNext(operation, failure);
    }

    /** How many times {@code operation} was called, failed calls included. */
    public int calls(String operation) {
        return recorder.count(operation);
    }

    /** Every operation called so far with its count. */
    public Map<String, Integer> callCounts() {
        return recorder.counts();
    }

    public void resetCalls() {
        recorder.reset();
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "InMemoryConsensus[" + who() + "]";
    }

    boolean reachable() {
        return !partitioned && !store.isUnavailable();
    }

    private void enter(String operation) {
        recorder.enter(operation, null);
        checkOpen();
        pass(store.blockedGate(), operation);
        pass(blocked, operation);
        if (!reachable()) {
            throw new ConsensusUnavailableException(who() + ": " + operation + ": consensus store unreachable"
                    + (partitioned ? " (member partitioned)" : " (store unavailable)"));
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(who() + ": consensus closed");
        }
    }

    private void pass(Gate gate, String operation) {
        if (gate == null) {
            return;
        }
        try {
            if (!gate.pass()) {
                throw new ConsensusUnavailableException(who() + ": " + operation + ": no answer within "
                        + gate.bound());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConsensusUnavailableException(who() + ": " + operation + " interrupted", e);
        }
    }

    private String who() {
        return store.scope() + "/" + name;
    }
}
