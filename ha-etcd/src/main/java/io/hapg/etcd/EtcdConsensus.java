package io.hapg.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.PutOption;
import io.hapg.core.config.Secret;
import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Heartbeat;
import io.hapg.core.model.Leader;
import io.hapg.core.model.SyncState;
import io.hapg.core.model.Member;
import io.hapg.core.spi.ClusterKey;
import io.hapg.core.spi.Consensus;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.etcd.internal.ChannelTap;
import io.hapg.etcd.internal.ClientFactory;
import io.hapg.etcd.internal.Deadline;
import io.hapg.etcd.internal.DirectRange;
import io.hapg.etcd.internal.EtcdCodec;
import io.hapg.etcd.internal.EtcdErrors;
import io.hapg.etcd.internal.HeartbeatKey;
import io.hapg.etcd.internal.KeepAliveStream;
import io.hapg.etcd.internal.KeyLayout;
import io.hapg.etcd.internal.LeaderKey;
import io.hapg.etcd.internal.LeaseKeeper;
import io.hapg.etcd.internal.RangeSnapshot;
import io.hapg.etcd.internal.RawKv;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Consensus} on etcd v3, with Patroni's etcd3 key layout and JSON values, so
 * {@code patronictl} and Patroni-aware monitoring read an hapg cluster.
 *
 * <p>One lease per agent (TTL = {@code ttl}) carries {@code members/<name>} and, while this
 * agent leads, {@code leader}. The lease is renewed only when the caller calls
 * {@link #renewLeader}, {@link #publishMember} or {@link #tryAcquireLeader} (one keepalive
 * request each, on a stream kept open between them; {@link #publishMember} reuses a keepalive less than a second old,
 * the leader's renewal of the same loop iteration), never in the background: whether a primary
 * may keep accepting writes is decided by the caller's own deadline, measured from when it sent its
 * last successful renewal (etcd may keep a lease alive past its TTL across an etcd leader change).
 *
 * <p>Every method takes at most {@code retryTimeout}: failures that may heal (a member down, no
 * etcd leader yet) are retried inside that budget; when it runs out the method throws
 * {@link ConsensusUnavailableException}. Methods may be called from any thread. Watch callbacks run
 * on this instance's own thread {@code hapg-etcd-watch-<scope>-<member>}, never on gRPC threads.
 *
 * <p>The constructor does no I/O: jetcd connects on the first call.
 */
public final class EtcdConsensus implements Consensus {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdConsensus.class);
    /**
     * A member key write reuses a keepalive younger than this: the leader's renewal just before it,
     * in the same loop iteration. A replica's only keepalive is its member write, made every loop.
     */
    private static final Duration MEMBER_KEEPALIVE_REUSE = Duration.ofSeconds(1);
    /** A renewal confirms the term from this agent's own cluster read younger than this. */
    private static final Duration READ_CONFIRMS_TERM = Duration.ofSeconds(1);

    private final EtcdConfig config;
    private final String context;
    private final KeyLayout layout;
    private final Client client;
    private final KV kv;
    private final EtcdErrors errors;
    private final EtcdCodec codec;
    private final KeepAliveStream keepAlives;
    private final DirectRange direct;
    private final ByteSequence prefixEnd;
    private final LeaseKeeper lease;
    private final LeaderKey leaderKey;
    private final HeartbeatKey heartbeat;
    private final Watches watches;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object published = new Object();
    private String lastMemberJson; // guarded by published
    private Member lastMember; // what lastMemberJson encodes; guarded by published
    private long lastMemberLease; // guarded by published
    private String lastStatusJson; // guarded by published
    private ClusterStatus lastStatus; // what lastStatusJson encodes; guarded by published
    private long leaderLease; // the lease I last held the leader key on, 0 if none; guarded by published
    /**
     * The leader key as my last {@link #read} saw it naming me, for the one renewal that follows
     * it; null when that read showed another holder or none, or was used, or I changed the key since.
     */
    private volatile SeenLeader seenLeader;

    /**
     * The keys of the last cluster read and the view decoded from them: an idle cluster's keys do
     * not change from one read to the next, and decoding every key's JSON again each loop
     * iteration would be work for nothing.
     */
    private volatile Decoded lastDecoded;

    private record Decoded(List<RawKv> kvs, ClusterView view) {
    }

    /** The leader key naming me in a cluster read sent at {@code sentNanos} (monotonic). */
    private record SeenLeader(long lease, long term, long sentNanos) {
    }

    public EtcdConsensus(EtcdConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.context = config.context();
        this.layout = new KeyLayout(config.namespace(), config.scope());
        ChannelTap tap = new ChannelTap();
        this.client = ClientFactory.build(config.endpoints(), config.retryTimeout(), config.caCert(),
                config.clientCert(), config.clientKey(),
                config.credentials().map(c -> c.username()),
                config.credentials().map(c -> c.password()).map(Secret::reveal), tap);
        this.kv = client.getKVClient();
        this.errors = new EtcdErrors(context);
        this.codec = new EtcdCodec(context);
        this.keepAlives = new KeepAliveStream(tap, client.getLeaseClient(), context);
        this.direct = new DirectRange(tap);
        this.prefixEnd = OptionsUtil.prefixEndOf(layout.prefixBytes());
        this.lease = new LeaseKeeper(client.getLeaseClient(), keepAlives, config.ttl().toSeconds(), errors, context);
        this.leaderKey = new LeaderKey(kv, errors, layout, config.member(), context);
        this.heartbeat = new HeartbeatKey(kv, errors, leaderKey, layout, config.member());
        this.watches = new Watches(client.getWatchClient(), layout, this::snapshot, context);
        LOG.info("{} - etcd consensus on {} under {} (ttl {} s, retry_timeout {})", context, config.endpoints(),
                layout.prefix(), config.ttl().toSeconds(), config.retryTimeout());
    }

    /** The configuration this instance runs with. */
    public EtcdConfig config() {
        return config;
    }

    /** {@inheritDoc} One linearizable range read of the cluster prefix. */
    @Override
    public ClusterView read() {
        long sent = System.nanoTime();
        RangeSnapshot s = snapshot();
        seenLeader = s.kvs().stream()
                .filter(k -> k.key().equals(KeyLayout.LEADER) && k.value().equals(config.member())).findFirst()
                .map(k -> new SeenLeader(k.lease(), k.createRevision(), sent)).orElse(null);
        String mine = layout.member(config.member()).substring(layout.prefix().length());
        String stored = s.kvs().stream().filter(k -> k.key().equals(mine)).map(RawKv::value).findFirst().orElse(null);
        synchronized (published) {
            if (!Objects.equals(stored, lastMemberJson)) {
                lastMemberJson = null; // someone removed or changed my key: the next publish rewrites it
            }
        }
        return decode(s);
    }

    /** The view of {@code s}, decoded again only when its keys differ from the last read's. */
    private ClusterView decode(RangeSnapshot s) {
        Decoded last = lastDecoded;
        if (last != null && last.kvs().equals(s.kvs())) {
            ClusterView v = last.view();
            return v.revision() == s.revision() ? v : new ClusterView(s.revision(), v.initialize(), v.leader(),
                    v.members(), v.config(), v.configRevision(), v.sync(), v.failover(), v.history(), v.status(),
                    v.failsafe());
        }
        ClusterView view = codec.decodeView(s.revision(), s.kvs());
        lastDecoded = new Decoded(s.kvs(), view);
        return view;
    }

    /**
     * The cluster as the running watch last saw it, without a round trip; empty when no watch runs
     * or its first read has not completed. It may lag etcd by the watch latency.
     */
    public Optional<ClusterView> cachedView() {
        return watches.current().map(s -> codec.decodeView(s.revision(), s.kvs()));
    }

    /** {@inheritDoc} The initial ttl is {@link EtcdConfig#ttl()}. */
    @Override
    public void setTtl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException("ttl: must be whole seconds, got " + ttl);
        }
        lease.setTtl(ttl.toSeconds());
    }

    @Override
    public boolean tryAcquireLeader() {
        ensureOpen();
        Deadline deadline = deadline();
        seenLeader = null;
        long id = lease.refresh(deadline);
        boolean won;
        try {
            won = leaderKey.create(id, deadline);
        } catch (EtcdErrors.LeaseNotFoundException e) { // expired between the keepalive and the txn
            lease.forget(id);
            won = leaderKey.create(lease.refresh(deadline), deadline);
        }
        if (won) {
            heldOn(lease.leaseId());
            LOG.info("{} - acquired the leader key", context);
        }
        return won;
    }

    /**
     * {@inheritDoc} One keepalive; the term is confirmed from this agent's own {@link #read} when
     * that read was sent less than a second before and showed the key naming this member on the
     * lease just renewed (each read confirms one renewal), else by reading the key.
     */
    @Override
    public boolean renewLeader(ClusterStatus status) {
        ensureOpen();
        Objects.requireNonNull(status, "status");
        Deadline deadline = deadline();
        SeenLeader seen = seenLeader;
        seenLeader = null;
        long id = lease.refresh(deadline);
        long term = termSeen(seen, id);
        if (term == 0) {
            try {
                term = leaderKey.hold(id, lostWithLease(id), deadline);
            } catch (EtcdErrors.LeaseNotFoundException e) {
                lease.forget(id);
                id = lease.refresh(deadline);
                term = leaderKey.hold(id, lostWithLease(id), deadline);
            }
        }
        // A status write refused for the term means the key moved on right after it was confirmed.
        boolean held = term > 0 && heldOn(id) && writeStatus(status, term, deadline);
        if (!held) {
            heldOn(0);
        }
        return held;
    }

    @Override
    public boolean releaseLeader() {
        ensureOpen();
        seenLeader = null;
        boolean released = leaderKey.delete(deadline());
        heldOn(0);
        if (released) {
            LOG.info("{} - released the leader key", context);
        }
        return released;
    }

    @Override
    public void publishMember(Member member) {
        ensureOpen();
        if (!config.member().equals(member.name())) {
            throw new IllegalArgumentException("member.name: this consensus publishes '" + config.member()
                    + "', got '" + member.name() + "'");
        }
        Deadline deadline = deadline();
        String json;
        synchronized (published) {
            json = lastMemberJson != null && member.equals(lastMember) ? lastMemberJson : null;
        }
        if (json == null) {
            json = codec.encodeMember(member);
        }
        long id = lease.refreshUnlessRenewedWithin(MEMBER_KEEPALIVE_REUSE, deadline);
        synchronized (published) {
            if (json.equals(lastMemberJson) && id == lastMemberLease) {
                return; // unchanged: the keepalive above was all that was needed
            }
        }
        ByteSequence key = KeyLayout.bytes(layout.member(config.member()));
        try {
            putMember(key, json, id, deadline);
        } catch (EtcdErrors.LeaseNotFoundException e) {
            lease.forget(id);
            id = lease.refresh(deadline);
            putMember(key, json, id, deadline);
        }
        synchronized (published) {
            lastMemberJson = json;
            lastMember = member;
            lastMemberLease = id;
        }
    }

    @Override
    public <T> boolean compareAndSet(ClusterKey<T> key, long expectedRevision, Optional<T> value) {
        return write(key, expectedRevision, value, 0);
    }

    /** {@inheritDoc} One transaction: the key's own comparison plus "leader == me, created at term". */
    @Override
    public <T> boolean compareAndSetAsLeader(long term, ClusterKey<T> key, long expectedRevision, Optional<T> value) {
        if (term <= 0) {
            throw new IllegalArgumentException("term must be a positive create revision of the leader key, got " + term);
        }
        return write(key, expectedRevision, value, term);
    }

    /** A compare-and-set of a cluster key; with {@code term > 0}, also conditioned on my leader term. */
    private <T> boolean write(ClusterKey<T> key, long expectedRevision, Optional<T> value, long term) {
        ensureOpen();
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (expectedRevision < -1) {
            throw new IllegalArgumentException("expectedRevision must be -1, 0 or a revision, got " + expectedRevision);
        }
        ByteSequence k = layout.keyBytes(key.name());
        Optional<ByteSequence> encoded = value.map(v -> KeyLayout.bytes(codec.encode(key, v)));
        Op write = encoded.<Op>map(v -> Op.put(k, v, PutOption.DEFAULT)).orElse(Op.delete(k, DeleteOption.DEFAULT));
        List<Cmp> conditions = new ArrayList<>();
        if (expectedRevision == 0) {
            conditions.add(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)));
        } else if (expectedRevision > 0) {
            conditions.add(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision)));
        }
        if (term > 0) {
            conditions.addAll(List.of(leaderKey.heldIn(term)));
        }
        int[] attempt = {0};
        TxnResponse r = errors.call("write " + key.name(), deadline(), n -> {
            attempt[0] = n;
            return kv.txn().If(conditions.toArray(Cmp[]::new)).Then(write)
                    .Else(Op.get(k, GetOption.DEFAULT), leaderKey.read()).commit();
        });
        if (r.isSucceeded()) {
            return true;
        }
        // After a retry: the store already holding what I meant to write means my first attempt won.
        Optional<ByteSequence> now = r.getGetResponses().get(0).getKvs().stream().map(x -> x.getValue()).findFirst();
        if (attempt[0] > 0 && now.equals(encoded)) {
            return true;
        }
        if (term > 0) {
            leaderKey.termMoved(term, r.getGetResponses().get(1).getKvs()).ifPresent(why -> LOG.info(
                    "{} - not writing {} as the leader of term {}: {}", context, key.name(), term, why));
        }
        return false;
    }

    /** {@inheritDoc} One transaction on {@code /<namespace>/.hapg/<scope>/heartbeat}. */
    @Override
    public boolean writeHeartbeat(long term) {
        ensureOpen();
        if (term <= 0) {
            throw new IllegalArgumentException("term must be a positive create revision of the leader key, got " + term);
        }
        return heartbeat.write(term, deadline());
    }

    @Override
    public Heartbeat readHeartbeat() {
        ensureOpen();
        return heartbeat.read(deadline());
    }

    /** {@inheritDoc} One transaction over the leader, {@code sync} and heartbeat keys. */
    @Override
    public boolean takeOverEarly(Leader leader, long syncRevision, long heartbeatRevision) {
        ensureOpen();
        Objects.requireNonNull(leader, "leader");
        if (syncRevision <= 0 || heartbeatRevision <= 0) {
            throw new IllegalArgumentException("syncRevision and heartbeatRevision must be positive, got "
                    + syncRevision + " and " + heartbeatRevision);
        }
        if (leader.name().equals(config.member())) {
            throw new IllegalArgumentException("leader: cannot take over from myself (" + leader.name() + ")");
        }
        Deadline deadline = deadline();
        String sync = codec.encode(io.hapg.core.spi.ClusterKey.SYNC,
                new SyncState(Optional.of(config.member()), List.of(), 0));
        seenLeader = null;
        long id = lease.refresh(deadline);
        boolean won;
        try {
            won = heartbeat.takeOver(leader, syncRevision, heartbeatRevision, id, sync, deadline);
        } catch (EtcdErrors.LeaseNotFoundException e) {
            lease.forget(id);
            id = lease.refresh(deadline);
            won = heartbeat.takeOver(leader, syncRevision, heartbeatRevision, id, sync, deadline);
        }
        if (won) {
            heldOn(id);
            LOG.warn("{} - took the leader key from {} (term {}) before its lease expired: fast failover", context,
                    leader.name(), leader.term());
        }
        return won;
    }

    @Override
    public AutoCloseable watch(Runnable onChange) {
        ensureOpen();
        return watches.add(Objects.requireNonNull(onChange, "onChange"));
    }

    /**
     * Deletes every key under the cluster's prefix ({@code /<namespace>/<scope>/}) in one request:
     * patronictl's {@code remove} ({@code delete_cluster}). Running agents write their keys again,
     * so it is meant for a cluster whose agents are stopped.
     *
     * @return how many keys were deleted
     * @throws io.hapg.core.spi.ConsensusUnavailableException when etcd does not answer in time
     */
    public long deleteCluster() {
        ensureOpen();
        DeleteOption prefix = DeleteOption.builder().isPrefix(true).build();
        return errors.call("delete cluster", deadline(), n -> kv.delete(layout.prefixBytes(), prefix)).getDeleted();
    }

    /** {@inheritDoc} Does not revoke the lease: the member key expires {@code ttl} later. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        watches.close();
        keepAlives.close();
        client.close();
        LOG.info("{} - etcd consensus closed", context);
    }

    /** One linearizable range read of every key under the cluster prefix ({@link DirectRange} first). */
    private RangeSnapshot snapshot() {
        ensureOpen();
        GetOption prefix = GetOption.builder().isPrefix(true).build();
        Deadline deadline = deadline();
        // Retries go through jetcd: it refreshes an expired auth token when a call fails with it.
        GetResponse r = errors.call("read cluster", deadline, n -> n > 0 ? kv.get(layout.prefixBytes(), prefix)
                : direct.range(layout.prefixBytes(), prefixEnd)
                        .orElseGet(() -> kv.get(layout.prefixBytes(), prefix)));
        List<RawKv> kvs = new ArrayList<>();
        r.getKvs().forEach(x -> RawKv.of(layout, x).ifPresent(kvs::add));
        return new RangeSnapshot(r.getHeader().getRevision(), kvs);
    }

    private void putMember(ByteSequence key, String json, long id, Deadline deadline) {
        PutOption withLease = PutOption.builder().withLeaseId(id).build();
        errors.call("publish member", deadline, n -> kv.put(key, KeyLayout.bytes(json), withLease));
    }

    /**
     * Patroni writes {@code status} only when it changed, and its failure does not fail the renewal.
     * Conditioned on the term the renewal confirmed, so a leader that lost the key in between
     * cannot publish an optime over its successor's.
     *
     * @return true if written (or unchanged); false if refused because the term moved on
     */
    boolean writeStatus(ClusterStatus status, long term, Deadline deadline) {
        if (status.optime().isEmpty() && status.slots().isEmpty()) {
            return true;
        }
        synchronized (published) {
            if (lastStatusJson != null && status.equals(lastStatus)) {
                return true;
            }
        }
        String json = codec.encodeStatus(status);
        synchronized (published) {
            if (json.equals(lastStatusJson)) {
                return true;
            }
        }
        try {
            TxnResponse r = errors.call("write status", deadline, n -> kv.txn().If(leaderKey.heldIn(term))
                    .Then(Op.put(layout.keyBytes(KeyLayout.STATUS), KeyLayout.bytes(json), PutOption.DEFAULT))
                    .Else(leaderKey.read()).commit());
            if (!r.isSucceeded()) {
                LOG.info("{} - not writing status as the leader of term {}: {}", context, term, leaderKey
                        .termMoved(term, r.getGetResponses().get(0).getKvs()).orElse("the term moved on"));
                return false;
            }
            synchronized (published) {
                lastStatusJson = json;
                lastStatus = status;
            }
        } catch (ConsensusUnavailableException e) {
            LOG.warn("{} - leader key renewed, but the status key was not written: {}", context, e.getMessage());
        }
        return true;
    }

    /**
     * The term my last cluster read showed me holding on {@code lease}, when that read was sent
     * less than {@link #READ_CONFIRMS_TERM} ago (before the keepalive that just renewed
     * {@code lease}); else 0, and the renewal reads the key. The HA loop reads, decides and renews
     * within milliseconds: reading the key again would confirm what the read just did, at one more
     * RPC per iteration. A key taken from me in between is seen by the next read, as one taken right
     * after a fresh read would be; every leader write stays conditioned on the term.
     */
    private static long termSeen(SeenLeader seen, long lease) {
        boolean fresh = seen != null && System.nanoTime() - seen.sentNanos() < READ_CONFIRMS_TERM.toNanos();
        return fresh && seen.lease() == lease ? seen.term() : 0;
    }

    /** Whether the leader key I held was on a lease that etcd has since dropped. */
    private boolean lostWithLease(long currentLease) {
        synchronized (published) {
            return leaderLease != 0 && leaderLease != currentLease && !lease.retiredOnPurpose(leaderLease);
        }
    }

    /**
     * Records the lease I hold the leader key on (0: I do not hold it); a new term forgets the
     * last status written.
     *
     * @return true (for chaining)
     */
    private boolean heldOn(long id) {
        synchronized (published) {
            if (id != leaderLease) {
                lastStatusJson = null;
                lastStatus = null;
            }
            leaderLease = id;
        }
        return true;
    }

    /** The lease this agent's keys are on, 0 before the first call that takes one. For tests. */
    long leaseId() {
        return lease.leaseId();
    }

    /** How many times the running watch was established (1 + restarts); 0 when none runs. For tests. */
    long watchEstablishedCount() {
        return watches.establishedCount();
    }

    private Deadline deadline() {
        return Deadline.after(config.retryTimeout());
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new ConsensusUnavailableException(context + " - etcd consensus is closed");
        }
    }

    @Override
    public String toString() {
        return "EtcdConsensus[" + context + " at " + layout.prefix() + " on " + config.endpoints() + "]";
    }
}
