package io.hapg.core.testing;

import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Heartbeat;
import io.hapg.core.model.Leader;
import io.hapg.core.model.Member;
import io.hapg.core.spi.ClusterKey;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.core.testing.KeyValueState.MemberLease;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One test cluster's consensus store ({@code <namespace>/<scope>/}), in memory, with etcd's
 * semantics: a global revision bumped by every write, per-key modification revisions, leases
 * with a ttl on a {@link ManualClock}, and watches. Every agent of the test gets its own
 * {@link InMemoryConsensus} from {@link #member}, each with its own lease.
 *
 * <p><b>Expiry.</b> A lease expires once the clock reaches its deadline (last refresh + ttl);
 * every key attached to it is then deleted in one revision. Expiry is applied
 * on every call, on {@link #expireDue()}, and on every {@link ManualClock#advance} (the store
 * listens to its clock), so advancing time past a deadline is enough.
 *
 * <p><b>Watches</b> fire, as {@link io.hapg.core.spi.Consensus#watch} specifies, on changes of the
 * leader key (expiry included), {@code config}, {@code initialize}, {@code sync} and
 * {@code failover}; never on {@code members/*}, {@code status}, {@code history} or {@code failsafe}.
 *
 * <p><b>Threads.</b> All state sits behind one lock; no callback ever runs while it is held.
 * Watch callbacks run, in order, on one daemon thread owned by the store
 * ({@code in-memory-consensus-<scope>-watch}), stopped by {@link #close()}. No static state:
 * stores never see each other.
 *
 * <p><b>Faults.</b> {@link #setUnavailable} (every member's calls throw
 * {@link ConsensusUnavailableException}, like lost quorum), {@link #setBlocked} (every call hangs
 * until {@link #unblock()} or a real-time bound, then throws), {@link #revokeLease} (a member's
 * lease dies now, as if its agent had died ttl ago). Per-member faults are on
 * {@link InMemoryConsensus}.
 */
public final class InMemoryStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryStore.class);

    private final String scope;
    private final String namespace;
    private final ManualClock clock;
    private final Object lock = new Object();
    private final KeyValueState state;
    private final Map<Long, Watcher> watchers = new LinkedHashMap<>();
    private final ExecutorService watchThread;
    private final ManualClock.Registration clockListener;
    private long nextWatchId = 1;
    private boolean closed;
    private volatile boolean unavailable;
    private volatile Gate blocked;

    private InMemoryStore(InMemoryStoreBuilder builder) {
        this.scope = builder.scope;
        this.namespace = builder.namespace;
        this.clock = builder.clock;
        this.state = new KeyValueState(clock, builder.ttl, this::notifyLocked);
        String threadName = "in-memory-consensus-" + scope + "-watch";
        this.watchThread = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, threadName);
            thread.setDaemon(true);
            return thread;
        });
        this.clockListener = clock.onAdvance(this::expireDue);
    }

    /** Scope {@code batman}, namespace {@code /service/}, ttl 30 s, a new {@link ManualClock}: change any. */
    public static InMemoryStoreBuilder builder() {
        return new InMemoryStoreBuilder(InMemoryStore::new);
    }

    /** A store with every default of {@link #builder()}. */
    public static InMemoryStore create() {
        return builder().build();
    }

    /**
     * A new agent's view of this store: a fresh {@link InMemoryConsensus} bound to {@code name},
     * with no lease until its first lease-taking call. Two instances with one name behave like
     * an agent and its restarted successor: separate leases, one member key.
     */
    public InMemoryConsensus member(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.contains("/")) {
            throw new IllegalArgumentException("name must be non-blank without '/', got '" + name + "'");
        }
        return new InMemoryConsensus(this, name);
    }

    public String scope() {
        return scope;
    }

    public String namespace() {
        return namespace;
    }

    /** {@code <namespace><scope>/}: where Patroni's etcd3 backend keeps these keys. */
    public String keyPrefix() {
        return namespace + scope + "/";
    }

    public ManualClock clock() {
        return clock;
    }

    public Duration ttl() {
        synchronized (lock) {
            return state.ttl();
        }
    }

    /** Changes the ttl of leases from their next grant or refresh on. */
    public void setTtl(Duration ttl) {
        InMemoryStoreBuilder.checkTtl(ttl);
        synchronized (lock) {
            state.setTtl(ttl);
        }
    }

    /** The store's revision: bumped by every write, delete and lease expiry. */
    public long revision() {
        synchronized (lock) {
            state.expireDue();
            return state.revision();
        }
    }

    /** Every key by its name under {@link #keyPrefix()} ({@code leader}, {@code members/n0}, ...). */
    public SortedMap<String, Object> keys() {
        synchronized (lock) {
            state.expireDue();
            return Collections.unmodifiableSortedMap(state.values());
        }
    }

    /** Time left on the newest live lease of {@code member}; empty when it has none. */
    public Optional<Duration> leaseRemaining(String member) {
        synchronized (lock) {
            state.expireDue();
            return state.remaining(member);
        }
    }

    /** Applies expiry for every lease whose deadline the clock has reached. */
    public void expireDue() {
        synchronized (lock) {
            if (!closed) {
                state.expireDue();
            }
        }
    }

    /** Revokes every lease of {@code member} now (etcd's lease revoke): its keys vanish. */
    public void revokeLease(String member) {
        synchronized (lock) {
            state.expireDue();
            state.revokeAllOf(member);
        }
    }

    /**
     * While true, every member's calls except {@code watch} and {@code close} throw
     * {@link ConsensusUnavailableException}, and watches hear nothing. Back to false, every watch
     * fires once, as a reconnected watch stream re-reads.
     */
    public void setUnavailable(boolean value) {
        unavailable = value;
        if (!value) {
            synchronized (lock) {
                watchers.values().forEach(this::deliverLocked);
            }
        }
    }

    public boolean isUnavailable() {
        return unavailable;
    }

    /**
     * From now on every member's call hangs until {@link #unblock()} (then proceeds) or until
     * {@code bound} of real time passes (then throws {@link ConsensusUnavailableException}, as a
     * call past its deadline does).
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

    /** Waits (real time) until a call hangs in {@link #setBlocked}; false if none came in time. */
    public boolean awaitBlockedCall(Duration timeout) {
        Gate gate = blocked;
        if (gate == null) {
            throw new IllegalStateException("the store is not blocked; call setBlocked first");
        }
        return gate.awaitArrival(timeout);
    }

    /**
     * Waits until every watch callback queued so far has run: how a test asserts that something
     * was <em>not</em> delivered, without sleeping.
     *
     * @return false if the callbacks did not finish within {@code timeout}, or the store is closed
     */
    public boolean awaitWatchDelivery(Duration timeout) {
        try {
            watchThread.submit(() -> { }).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException | TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops the watch thread and detaches from the clock; members' calls then throw. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            watchers.clear();
        }
        clockListener.close();
        watchThread.shutdownNow();
        unblock();
    }

    @Override
    public String toString() {
        return "InMemoryStore[" + keyPrefix() + "]";
    }

    // ---- the operations behind InMemoryConsensus; each runs under the lock, after expiry ----

    Gate blockedGate() {
        return blocked;
    }

    ClusterView read() {
        return call(KeyValueState::view);
    }

    boolean acquire(MemberLease member) {
        return call(s -> s.acquireLeader(member));
    }

    boolean renew(MemberLease member, ClusterStatus status) {
        return call(s -> s.renewLeader(member, status));
    }

    boolean release(String name) {
        return call(s -> s.releaseLeader(name));
    }

    void publish(MemberLease member, Member value) {
        call(s -> s.publishMember(member, value));
    }

    <T> boolean compareAndSet(ClusterKey<T> key, long expectedRevision, Optional<T> value) {
        return call(s -> s.compareAndSet(key, expectedRevision, value));
    }

    <T> boolean compareAndSetAsLeader(String name, long term, ClusterKey<T> key, long expectedRevision,
            Optional<T> value) {
        return call(s -> s.compareAndSetAsLeader(name, term, key, expectedRevision, value));
    }

    boolean writeHeartbeat(String name, long term) {
        return call(s -> s.writeHeartbeat(name, term));
    }

    boolean takeOverEarly(MemberLease member, Leader leader, long syncRevision, long heartbeatRevision) {
        return call(s -> s.takeOverEarly(member, leader, syncRevision, heartbeatRevision));
    }

    Heartbeat readHeartbeat() {
        return call(KeyValueState::heartbeat);
    }

    AutoCloseable watch(InMemoryConsensus owner, Runnable onChange) {
        synchronized (lock) {
            enterLocked();
            long id = nextWatchId++;
            watchers.put(id, new Watcher(owner, onChange));
            return () -> {
                synchronized (lock) {
                    watchers.remove(id);
                }
            };
        }
    }

    /** Wakes {@code owner}'s watches once: its partition healed and its stream re-reads. */
    void wake(InMemoryConsensus owner) {
        synchronized (lock) {
            watchers.values().stream().filter(w -> w.owner() == owner).forEach(this::deliverLocked);
        }
    }

    private <R> R call(Function<KeyValueState, R> operation) {
        synchronized (lock) {
            enterLocked();
            return operation.apply(state);
        }
    }

    private void enterLocked() {
        if (closed) {
            throw new ConsensusUnavailableException(keyPrefix() + ": store closed");
        }
        state.expireDue();
    }

    private void notifyLocked() {
        watchers.values().forEach(this::deliverLocked);
    }

    private void deliverLocked(Watcher watcher) {
        if (closed) {
            return;
        }
        try {
            watchThread.execute(watcher::deliver); // queued in revision order; run without the lock
        } catch (RejectedExecutionException e) {
            // closing: nothing more is delivered
        }
    }

    private record Watcher(InMemoryConsensus owner, Runnable onChange) {
        void deliver() {
            if (!owner.reachable()) {
                return; // a cut-off member hears nothing; it is woken when the cut heals
            }
            try {
                onChange.run();
            } catch (RuntimeException e) {
                LOG.warn("{} - watch callback failed", owner.name(), e);
            }
        }
    }
}
