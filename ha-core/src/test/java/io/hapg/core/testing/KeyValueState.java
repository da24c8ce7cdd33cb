package io.hapg.core.testing;

import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Heartbeat;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.Leader;
import io.hapg.core.model.Member;
import io.hapg.core.model.SyncState;
import io.hapg.core.spi.ClusterKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The data of an {@link InMemoryStore} with etcd's bookkeeping: keys with create and
 * modification revisions, a global revision, leases with deadlines on the monotonic clock.
 * Not thread-safe: the store calls it under its lock. {@code onChange} runs after every revision
 * that touched one of the {@link #WATCHED} keys.
 */
final class KeyValueState {
    static final String LEADER = "leader";
    static final String STATUS = "status";
    static final String MEMBERS = "members/";
    /** The fast-failover heartbeat: outside the cluster prefix in etcd, so never in {@link #view()} nor watched. */
    static final String HEARTBEAT = "../.hapg/heartbeat";
    /** The keys whose changes wake watchers (Consensus#watch): every member rewrites the others each iteration. */
    static final Set<String> WATCHED = Set.of(LEADER, ClusterKey.CONFIG.name(), ClusterKey.INITIALIZE.name(),
            ClusterKey.SYNC.name(), ClusterKey.FAILOVER.name());

    private final ManualClock clock;
    private final Runnable onChange;
    private final TreeMap<String, Entry> keys = new TreeMap<>();
    private final TreeMap<Long, Lease> leases = new TreeMap<>();
    private Duration ttl;
    private long revision;
    private long nextLeaseId = 0x7000_0000L;

    KeyValueState(ManualClock clock, Duration ttl, Runnable onChange) {
        this.clock = clock;
        this.ttl = ttl;
        this.onChange = onChange;
    }

    Duration ttl() {
        return ttl;
    }

    void setTtl(Duration value) {
        ttl = value;
    }

    long revision() {
        return revision;
    }

    Entry get(String key) {
        return keys.get(key);
    }

    void put(String key, Object value, long lease) {
        revision++;
        Entry previous = keys.get(key);
        keys.put(key, new Entry(value, previous == null ? revision : previous.createRevision(), revision, lease));
        changed(key);
    }

    void delete(String key) {
        if (keys.remove(key) != null) {
            revision++;
            changed(key);
        }
    }

    /** Refreshes the member's lease, or grants a new one if it is gone. True if it was still alive. */
    boolean keepAlive(MemberLease member) {
        Duration own = member.ttl;
        long deadline = clock.nanoTime() + (own != null ? own : ttl).toNanos();
        Lease lease = leases.get(member.id);
        if (lease != null) {
            lease.deadline = deadline;
            return true;
        }
        member.id = nextLeaseId++;
        leases.put(member.id, new Lease(member.owner, deadline));
        return false;
    }

    /** Expires every lease whose deadline the clock has reached (deadline inclusive). */
    void expireDue() {
        long now = clock.nanoTime();
        List<Long> due = new ArrayList<>();
        leases.forEach((id, lease) -> {
            if (now - lease.deadline >= 0) {
                due.add(id);
            }
        });
        due.forEach(this::revoke);
    }

    void revokeAllOf(String owner) {
        List<Long> ids = new ArrayList<>();
        leases.forEach((id, lease) -> {
            if (lease.owner.equals(owner)) {
                ids.add(id);
            }
        });
        ids.forEach(this::revoke);
    }

    Optional<Duration> remaining(String owner) {
        long now = clock.nanoTime();
        return leases.descendingMap().values().stream().filter(l -> l.owner.equals(owner)).findFirst()
                .map(l -> Duration.ofNanos(l.deadline - now));
    }

    SortedMap<String, Object> values() {
        SortedMap<String, Object> copy = new TreeMap<>();
        keys.forEach((k, e) -> copy.put(k, e.value()));
        return copy;
    }

    /** The whole cluster at the current revision, as {@link io.hapg.core.spi.Consensus#read()} returns it. */
    ClusterView view() {
        Map<String, Member> members = new LinkedHashMap<>();
        keys.subMap(MEMBERS, MEMBERS.substring(0, MEMBERS.length() - 1) + '0')
                .forEach((k, e) -> members.put(k.substring(MEMBERS.length()), (Member) e.value()));
        Entry leader = keys.get(LEADER);
        Entry config = keys.get(ClusterKey.CONFIG.name());
        Optional<SyncState> sync = value(ClusterKey.SYNC).map(s -> new SyncState(s.leader(), s.syncStandbys(),
                s.quorum(), modRevision(ClusterKey.SYNC.name())));
        Optional<FailoverRequest> failover = value(ClusterKey.FAILOVER).map(f -> new FailoverRequest(f.leader(),
                f.candidate(), f.scheduledAt(), modRevision(ClusterKey.FAILOVER.name())));
        Entry status = keys.get(STATUS);
        return new ClusterView(revision,
                value(ClusterKey.INITIALIZE),
                Optional.ofNullable(leader).map(e -> new Leader((String) e.value(), e.modRevision(), e.createRevision())),
                members,
                Optional.ofNullable(config).map(e -> (DynamicConfig) e.value()),
                config == null ? 0 : config.modRevision(),
                sync.orElse(SyncState.EMPTY),
                failover,
                value(ClusterKey.HISTORY).orElse(List.<HistoryEntry>of()),
                status == null ? ClusterStatus.EMPTY : (ClusterStatus) status.value(),
                value(ClusterKey.FAILSAFE));
    }

    // ---- Patroni's etcd3 operations, each one etcd transaction ----

    /** "create revision == 0 → put with my lease". */
    boolean acquireLeader(MemberLease member) {
        keepAlive(member);
        if (keys.containsKey(LEADER)) {
            return false;
        }
        put(LEADER, member.owner, member.id);
        return true;
    }

    /**
     * Patroni etcd3 {@code _update_leader}: refresh the lease; with the lease alive, succeed only
     * if the key names this member; with the lease lost, take a new one and re-put the key if it
     * is absent or still names this member. Writes {@code status} on success, if it changed.
     */
    boolean renewLeader(MemberLease member, ClusterStatus status) {
        boolean leaseWasAlive = keepAlive(member);
        Entry leader = keys.get(LEADER);
        boolean mine = leader != null && member.owner.equals(leader.value());
        if (!mine && (leaseWasAlive || leader != null)) {
            return false;
        }
        if (leader == null || leader.lease() != member.id) {
            put(LEADER, member.owner, member.id);
        }
        Entry current = keys.get(STATUS);
        if (current == null || !current.value().equals(status)) {
            put(STATUS, status, 0); // unchanged status: no revision, no wake-up
        }
        return true;
    }

    /** "value == my name → delete". */
    boolean releaseLeader(String name) {
        Entry leader = keys.get(LEADER);
        if (leader == null || !name.equals(leader.value())) {
            return false;
        }
        delete(LEADER);
        return true;
    }

    /** Refreshes the lease; writes the member key when it changed or must move to a new lease. */
    Void publishMember(MemberLease member, Member value) {
        keepAlive(member);
        String key = MEMBERS + member.owner;
        Entry current = keys.get(key);
        if (current == null || current.lease() != member.id || !current.value().equals(value)) {
            put(key, value, member.id);
        }
        return null;
    }

    /** "mod revision (0 when absent) == expected → put or delete"; -1 skips the comparison. */
    <T> boolean compareAndSet(ClusterKey<T> key, long expectedRevision, Optional<T> value) {
        Entry current = keys.get(key.name());
        long modRevision = current == null ? 0 : current.modRevision();
        if (expectedRevision != -1 && expectedRevision != modRevision) {
            return false;
        }
        if (value.isPresent()) {
            put(key.name(), immutableCopy(value.get()), 0);
        } else {
            delete(key.name());
        }
        return true;
    }

    /** etcd's "leader value == name and create revision == term and (as above) → put or delete". */
    <T> boolean compareAndSetAsLeader(String name, long term, ClusterKey<T> key, long expectedRevision,
            Optional<T> value) {
        Entry leader = keys.get(LEADER);
        if (leader == null || !name.equals(leader.value()) || leader.createRevision() != term) {
            return false;
        }
        return compareAndSet(key, expectedRevision, value);
    }

    /** etcd's "leader value == name and create revision == term → put heartbeat {name, term}". */
    boolean writeHeartbeat(String name, long term) {
        Entry leader = keys.get(LEADER);
        if (leader == null || !name.equals(leader.value()) || leader.createRevision() != term) {
            return false;
        }
        put(HEARTBEAT, new Heartbeat(0, Optional.of(name), term), 0);
        return true;
    }

    /**
     * Fast failover's transaction: "leader value, mod and create revision, sync mod revision and
     * heartbeat mod revision unchanged → put leader on my lease and sync = {me, []}".
     */
    boolean takeOverEarly(MemberLease member, Leader seen, long syncRevision, long heartbeatRevision) {
        keepAlive(member);
        Entry leader = keys.get(LEADER);
        boolean unchanged = leader != null && seen.name().equals(leader.value())
                && leader.modRevision() == seen.revision() && leader.createRevision() == seen.term()
                && modRevision(ClusterKey.SYNC.name()) == syncRevision && modRevision(HEARTBEAT) == heartbeatRevision;
        if (!unchanged) {
            return false;
        }
        put(LEADER, member.owner, member.id); // a put: the create revision stays, as in etcd

        put(ClusterKey.SYNC.name(), new SyncState(Optional.of(member.owner), List.of(), 0), 0);
        return true;
    }

    /** The heartbeat key with its modification revision, or {@link Heartbeat#ABSENT}. */
    Heartbeat heartbeat() {
        Entry e = keys.get(HEARTBEAT);
        if (e == null) {
            return Heartbeat.ABSENT;
        }
        Heartbeat stored = (Heartbeat) e.value();
        return new Heartbeat(e.modRevision(), stored.leader(), stored.term());
    }

    /** Values are stored as given, except collections, which are copied so a caller cannot change them later. */
    static Object immutableCopy(Object value) {
        if (value instanceof List) {
            return List.copyOf((List<?>) value);
        }
        if (value instanceof Map) {
            return Map.copyOf((Map<?, ?>) value);
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private <T> Optional<T> value(ClusterKey<T> key) {
        Entry entry = keys.get(key.name());
        return entry == null ? Optional.empty() : Optional.of((T) entry.value());
    }

    private long modRevision(String key) {
        Entry entry = keys.get(key);
        return entry == null ? 0 : entry.modRevision();
    }

    private void revoke(long leaseId) {
        leases.remove(leaseId);
        List<String> attached = new ArrayList<>();
        keys.forEach((k, e) -> {
            if (e.lease() == leaseId) {
                attached.add(k);
            }
        });
        if (!attached.isEmpty()) {
            attached.forEach(keys::remove);
            revision++; // etcd deletes all keys of a revoked lease in one revision
            if (attached.stream().anyMatch(WATCHED::contains)) {
                onChange.run();
            }
        }
    }

    private void changed(String key) {
        if (WATCHED.contains(key)) {
            onChange.run();
        }
    }

    /** One stored key: its value and etcd's bookkeeping (lease 0 = none). */
    record Entry(Object value, long createRevision, long modRevision, long lease) {
    }

    /** A member's handle on its current lease; {@code id} changes when a new lease is granted. */
    static final class MemberLease {
        final String owner;
        long id = -1;
        /** The ttl its agent asked for ({@code Consensus.setTtl}); null: the store's. */
        volatile Duration ttl;

        MemberLease(String owner) {
            this.owner = owner;
        }
    }

    private static final class Lease {
        final String owner;
        long deadline;

        Lease(String owner, long deadline) {
            this.owner = owner;
            this.deadline = deadline;
        }
    }
}
