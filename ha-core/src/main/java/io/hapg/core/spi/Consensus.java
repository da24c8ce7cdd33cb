package io.hapg.core.spi;

import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Heartbeat;
import io.hapg.core.model.Leader;
import io.hapg.core.model.Member;
import java.time.Duration;
import java.util.Optional;

/**
 * The consensus store (Patroni's DCS) as one agent sees it. An instance is bound to one member
 * name and owns one lease whose lifetime is the cluster's {@code ttl} ({@link #setTtl}); the
 * member key and, while this member leads, the leader key are attached to it, so both vanish
 * when the agent dies.
 *
 * <p><b>Outcomes.</b> Losing a race or a compare-and-set is a {@code false} return: another
 * member acted first, and the caller carries on. Failing to reach the store is a
 * {@link ConsensusUnavailableException}, thrown once the call's deadline (derived from
 * {@code retry_timeout}) has passed; no method blocks longer than that deadline.
 *
 * <p><b>Threads.</b> Methods may be called from any thread; the HA loop calls them from its own
 * thread only. {@link #watch} callbacks run on a thread of the implementation and must not block.
 *
 * <p><b>Timing-critical</b> methods ({@link #tryAcquireLeader}, {@link #renewLeader}) decide who
 * may accept writes: an implementation must make them atomic in the store.
 */
public interface Consensus extends AutoCloseable {

    /**
     * One consistent read of every key of the cluster, at a single store revision. Unparseable
     * values are logged and read as absent; they never fail the read or hide other keys.
     *
     * @throws ConsensusUnavailableException when the store cannot answer within the deadline
     */
    ClusterView read();

    /**
     * Sets the lifetime of this member's lease to the cluster's live {@code ttl} (Patroni's
     * {@code set_ttl}). No call to the store: the next call that refreshes the lease
     * ({@link #tryAcquireLeader}, {@link #renewLeader}, {@link #publishMember}) replaces a lease
     * of another lifetime with a new one and moves this member's keys onto it, atomically with the
     * usual check that the leader key still names this member. The HA loop calls this before
     * every acquisition and renewal with the ttl it measures its own deadline by, so that the
     * deadline it believes is never later than the moment the store drops its leader key. Until a
     * refresh succeeds, the old lease and its lifetime stay in force.
     *
     * @param ttl whole seconds, at least 1 second
     * @throws IllegalArgumentException when {@code ttl} is below 1 second
     */
    void setTtl(Duration ttl);

    /**
     * Creates the leader key with this member's name on this member's lease, only if the key is
     * absent (atomic: "create revision is 0"). Also makes sure the lease is alive first.
     *
     * @return true if this member now holds the key; false if someone else holds it
     * @throws ConsensusUnavailableException when the store cannot answer within the deadline
     */
    boolean tryAcquireLeader();

    /**
     * Keeps this member's lease alive and confirms the leader key still holds this member's name
     * (re-attaching it to a new lease if the old one was lost), then publishes {@code status}
     * (the leader's optime), conditioned on the term this renewal confirmed (if the key moved on in
     * between, nothing is written and the result is false). The caller measures its own lease
     * deadline from when it <em>sent</em> this call, not from when it returned.
     *
     * <p>As Patroni's etcd3 backend does: if this member's lease had expired, a new one is granted
     * and the key is re-created on it when it is absent or still names this member; but a key this
     * member released itself ({@link #releaseLeader}) is never re-created by a late renewal.
     *
     * @return true if this member still holds the key; false if it names another member or was
     *         released (the caller must stop acting as primary)
     * @throws ConsensusUnavailableException when the store cannot answer within the deadline
     */
    boolean renewLeader(ClusterStatus status);

    /**
     * Deletes the leader key if it holds this member's name (atomic: "value is my name").
     *
     * @return true if the key was deleted; false if it was absent or held by another member
     * @throws ConsensusUnavailableException when the store cannot answer within the deadline
     */
    boolean releaseLeader();

    /**
     * Writes this member's status to {@code members/<name>} on this member's lease, keeping the
     * lease alive. Unconditional (each member writes only its own key).
     *
     * @throws ConsensusUnavailableException when the store cannot answer within the deadline
     */
    void publishMember(Member member);

    /**
     * Writes a cluster key only if its modification revision is still {@code expectedRevision}
     * (0 = only if absent; -1 = unconditionally). An empty value deletes the key.
     *
     * @return true if written; false if the revision no longer matched
     * @throws ConsensusUnavailableException when the store cannot answer within the deadline
     */
    <T> boolean compareAndSet(ClusterKey<T> key, long expectedRevision, Optional<T> value);

    /**
     * A leader's write: {@link #compareAndSet}, and in the same atomic transaction only while the
     * leader key still names this member and was created at {@code term} (the
     * {@link io.hapg.core.model.Leader#term()} of the view the leader acted on). A leader whose key
     * expired, was taken by another member, or was deleted and re-created since that view cannot
     * write. Use it for every write the leader makes ({@code sync}, {@code history},
     * {@code failsafe}, clearing {@code failover}, filling in {@code initialize} and
     * {@code config}); writes that happen without a leader (the {@code initialize} race, an
     * operator's {@code config} or {@code failover} through the REST API) use
     * {@link #compareAndSet}. The leader's {@code status}, written by {@link #renewLeader}, is
     * conditioned on the term that renewal confirmed.
     *
     * @param term the leader key's create revision this member holds; positive
     * @return true if written; false if the term moved on or the revision no longer matched (a
     *         refusal for the term is logged once, with what the store holds now; the caller
     *         re-reads at its next iteration)
     * @throws IllegalArgumentException when {@code term} is not positive
     * @throws ConsensusUnavailableException when the store cannot answer within the deadline
     */
    <T> boolean compareAndSetAsLeader(long term, ClusterKey<T> key, long expectedRevision, Optional<T> value);

    /**
     * Fast failover (the {@code fast_failover} key; see {@code FAST-FAILOVER.md}):
     * rewrites the heartbeat key with this member's name and {@code term}, in one atomic
     * transaction only while the leader key still names this member and was created at
     * {@code term}. Each successful call moves the key's modification revision, which a standby
     * compares in its takeover transaction. The key lies outside the cluster's key prefix, so
     * Patroni tools and {@link #watch} never see it. Does not touch the lease.
     *
     * <p>Called by the leader's own heartbeat thread, never the HA loop; it takes at most the
     * implementation's call deadline (derived from {@code retry_timeout}).
     *
     * @param term the leader key's create revision this member holds; positive
     * @return true if written; false if the term moved on (the caller stops beating in that term)
     * @throws IllegalArgumentException when {@code term} is not positive
     * @throws ConsensusUnavailableException when the store cannot answer within the deadline (a
     *         missed beat: the caller tries again at its next beat)
     * @throws UnsupportedOperationException by default: this implementation has no fast failover
     */
    default boolean writeHeartbeat(long term) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not support fast_failover");
    }

    /**
     * Fast failover: one linearizable read of the heartbeat key ({@link #writeHeartbeat}).
     * An unparseable value reads with its revision but no leader and term 0.
     *
     * @return the key as stored, or {@link Heartbeat#ABSENT}
     * @throws ConsensusUnavailableException when the store cannot answer within the deadline
     * @throws UnsupportedOperationException by default: this implementation has no fast failover
     */
    default Heartbeat readHeartbeat() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not support fast_failover");
    }

    /**
     * Fast failover (see {@code FAST-FAILOVER.md}): takes the leader key from a leader
     * confirmed dead before its lease expired, in one atomic transaction that compares what the
     * evidence was gathered on: the leader key's value, modification and create revision
     * ({@code leader}), the {@code sync} key's modification revision and the heartbeat key's
     * modification revision (a heartbeat written since means the leader lives). When all still
     * match, it puts the leader key with this member's name on this member's lease (refreshed
     * first) and {@code sync = {leader: me, standbys: []}}, so the old leader, should it come back,
     * is no longer named in {@code sync} and no other standby may promote before this member
     * rewrites it. Then the caller promotes as usual.
     *
     * <p>The leader key is overwritten, not re-created (etcd refuses a delete and a put of one key
     * in one transaction), so its create revision, the {@link Leader#term()}, stays the old
     * leader's: a term is the pair (holder, create revision). Every write conditioned on the old
     * leader's term compares the holder's name as well and is refused from now on.
     *
     * @param leader            the leader key as read when the evidence was gathered
     * @param syncRevision      the {@code sync} key's modification revision then; positive
     * @param heartbeatRevision the heartbeat key's modification revision then; positive
     * @return true if this member now holds the key; false if anything compared had moved
     * @throws IllegalArgumentException when a revision is not positive or {@code leader} names me
     * @throws ConsensusUnavailableException when the store cannot answer within the deadline (the
     *         transaction may or may not have been applied: the caller re-reads)
     * @throws UnsupportedOperationException by default: this implementation has no fast failover
     */
    default boolean takeOverEarly(Leader leader, long syncRevision, long heartbeatRevision) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not support fast_failover");
    }

    /**
     * Calls {@code onChange} after a key that can change a member's decision changes: the leader
     * key (including its expiry with a lease), {@code config}, {@code initialize}, {@code sync} and
     * {@code failover}, until the returned handle is closed. Changes to {@code members/*} and
     * {@code status} do not call it: every member rewrites those each iteration, and waking every
     * loop on them would make the loops wake each other forever. The watch survives store
     * restarts and lost streams by re-reading; a spurious call is harmless, a missed change is a
     * bug.
     *
     * @param onChange must return quickly: it runs on the implementation's thread
     */
    AutoCloseable watch(Runnable onChange);

    /**
     * Stops every watch and closes connections. Does not release the leader key (call
     * {@link #releaseLeader} first for a voluntary handover). Idempotent.
     *
     * <p>There is no background keepalive at any time: the lease is kept alive only by
     * {@link #renewLeader}, {@link #tryAcquireLeader} and {@link #publishMember}, so a member whose
     * loop is stuck loses its keys a {@code ttl} after its last call, as it must.
     */
    @Override
    void close();
}
