package io.hapg.core.testing;

import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.Leader;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.SyncState;
import io.hapg.core.model.Tags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Snapshot factories for cluster views, after Patroni's {@code get_cluster_initialized_with_leader()}
 * family. Every factory returns a {@link View} builder, so a test starts from a named situation and
 * changes only what it is about:
 *
 * <pre>
 * ClusterView view = Clusters.healthy().sync("pg1", "pg2").config("synchronous_mode", true).build();
 * </pre>
 *
 * Defaults: scope {@value #SCOPE}, system identifier {@value #SYSID}, history with timeline 1 ended at
 * 0/3000000 (so the cluster is on timeline 2), members on timeline 2.
 */
public final class Clusters {
    public static final String SCOPE = "demo";
    public static final String SYSID = "7312345678901234567";
    /** Where the default cluster's timeline 1 ended. */
    public static final String TIMELINE_1_END = "0/3000000";
    /** The default WAL position of every member. */
    public static final String POSITION = "0/5000060";

    private Clusters() {
    }

    /** pg1 holds the key and runs as primary; pg2 and pg3 stream from it; all at {@link #POSITION}. */
    public static View healthy() {
        return initialized()
                .leader("pg1")
                .member(member("pg1").primary())
                .member(member("pg2").replica())
                .member(member("pg3").replica())
                .optime(POSITION);
    }

    /** {@link #healthy()}, built. */
    public static ClusterView withHealthyLeader() {
        return healthy().build();
    }

    /**
     * The leader (pg1) died: its key and member record expired; pg2 and pg3 are replicas at
     * {@link #POSITION}, the last published optime.
     */
    public static View leaderless() {
        return initialized()
                .member(member("pg2").replica())
                .member(member("pg3").replica())
                .optime(POSITION);
    }

    /** An initialized cluster without a leader and with exactly these members. */
    public static View leaderless(Members... members) {
        View view = initialized().optime(POSITION);
        for (Members m : members) {
            view.member(m);
        }
        return view;
    }

    /** A store with no keys at all for the cluster. */
    public static ClusterView uninitialized() {
        return view().build();
    }

    /** initialize key, config absent, history: timeline 1 ended at {@link #TIMELINE_1_END}. No members. */
    public static View initialized() {
        return view().initialize(SYSID).history(1, TIMELINE_1_END);
    }

    /** An empty view builder. */
    public static View view() {
        return new View();
    }

    /** A member record builder: running replica on timeline 2 at {@link #POSITION} unless changed. */
    public static Members member(String name) {
        return new Members(name);
    }

    /** Fluent {@link ClusterView} builder. */
    public static final class View {
        private Optional<String> initialize = Optional.empty();
        private Optional<Leader> leader = Optional.empty();
        private final Map<String, Member> members = new LinkedHashMap<>();
        private final Map<String, Object> config = new LinkedHashMap<>();
        private boolean hasConfig;
        private SyncState sync = SyncState.EMPTY;
        private Optional<FailoverRequest> failover = Optional.empty();
        private final List<HistoryEntry> history = new ArrayList<>();
        private Optional<Lsn> optime = Optional.empty();
        private final Map<String, Lsn> slotPositions = new LinkedHashMap<>();
        private final List<String> retainSlots = new ArrayList<>();
        private Optional<Map<String, String>> failsafe = Optional.empty();

        private View() {
        }

        public View leader(String name) {
            leader = Optional.of(new Leader(name, 7));
            return this;
        }

        /** The leader key is absent (the member records stay). */
        public View noLeader() {
            leader = Optional.empty();
            return this;
        }

        public View member(Members m) {
            return member(m.build());
        }

        public View member(Member m) {
            members.put(m.name(), m);
            return this;
        }

        /** Drops a member record (its key expired). */
        public View without(String name) {
            members.remove(name);
            return this;
        }

        public View initialize(String sysid) {
            initialize = Optional.of(sysid);
            return this;
        }

        public View noInitialize() {
            initialize = Optional.empty();
            return this;
        }

        /** Sets one key of the {@code config} key (creating it); Patroni's names and value types. */
        public View config(String key, Object value) {
            config.put(key, value);
            hasConfig = true;
            return this;
        }

        public View pause() {
            return config("pause", true);
        }

        public View synchronousMode() {
            return config("synchronous_mode", true);
        }

        /** {@code synchronous_mode: quorum} (QUORUM.md). */
        public View quorumMode() {
            return config("synchronous_mode", "quorum");
        }

        /** A quorum commit sync key: {@code quorum} of {@code voters}, published by {@code syncLeader}. */
        public View syncQuorum(String syncLeader, int quorum, String... voters) {
            sync = new SyncState(Optional.of(syncLeader), Arrays.asList(voters), quorum, 11);
            return this;
        }

        public View sync(String syncLeader, String... standbys) {
            sync = new SyncState(Optional.of(syncLeader), Arrays.asList(standbys), 11);
            return this;
        }

        /** Planned switchover away from {@code from}; {@code to} may be null (best candidate). */
        public View switchover(String from, String to) {
            failover = Optional.of(new FailoverRequest(Optional.of(from), Optional.ofNullable(to), Optional.empty(), 13));
            return this;
        }

        /** Manual failover (no leader named) to {@code to}. */
        public View failoverTo(String to) {
            failover = Optional.of(new FailoverRequest(Optional.empty(), Optional.of(to), Optional.empty(), 13));
            return this;
        }

        /** Schedules the failover request set before. */
        public View scheduledAt(Instant at) {
            FailoverRequest f = failover.orElseThrow(() -> new IllegalStateException("set a switchover first"));
            failover = Optional.of(new FailoverRequest(f.leader(), f.candidate(), Optional.of(at), f.revision()));
            return this;
        }

        /** Appends a history line: {@code timeline} ended at {@code lsn}. */
        public View history(int timeline, String lsn) {
            history.add(new HistoryEntry(timeline, Lsn.parse(lsn), "no recovery target specified", Optional.empty(),
                    Optional.empty()));
            return this;
        }

        public View noHistory() {
            history.clear();
            return this;
        }

        public View optime(String lsn) {
            optime = Optional.of(Lsn.parse(lsn));
            return this;
        }

        /** The leader's published position of permanent slot {@code slot} (the status key's {@code slots}). */
        public View slotPosition(String slot, String lsn) {
            slotPositions.put(slot, Lsn.parse(lsn));
            return this;
        }

        /** The status key's {@code retain_slots} (Patroni 4): the member slots its writer retained. */
        public View retainSlots(String... names) {
            retainSlots.addAll(Arrays.asList(names));
            return this;
        }

        /** The leader key held by {@code name} in term {@code term} (a key created at that revision). */
        public View leader(String name, long term) {
            leader = Optional.of(new Leader(name, term));
            return this;
        }

        public View noOptime() {
            optime = Optional.empty();
            return this;
        }

        /** The failsafe key naming these members. */
        public View failsafe(String... names) {
            Map<String, String> map = new LinkedHashMap<>();
            for (String n : names) {
                map.put(n, "http://" + n + ":8008/patroni");
            }
            failsafe = Optional.of(map);
            return this;
        }

        public ClusterView build() {
            Optional<DynamicConfig> dcs = hasConfig ? Optional.of(DynamicConfig.fromMap(config)) : Optional.empty();
            return new ClusterView(42, initialize, leader, members, dcs, hasConfig ? 5 : 0, sync, failover, history,
                    new ClusterStatus(optime, slotPositions, retainSlots), failsafe);
        }
    }

    /** Fluent {@link Member} builder. */
    public static final class Members {
        private final String name;
        private String role = "replica";
        private String state = "running";
        private Optional<Lsn> position = Optional.of(Lsn.parse(POSITION));
        private int timeline = 2;
        private Optional<String> replicationState = Optional.of("streaming");
        private Tags tags = Tags.NONE;
        private boolean pendingRestart;

        private Members(String name) {
            this.name = name;
        }

        public Members primary() {
            role = "primary";
            state = "running";
            replicationState = Optional.empty();
            return this;
        }

        public Members replica() {
            role = "replica";
            state = "running";
            replicationState = Optional.of("streaming");
            return this;
        }

        public Members stopped() {
            state = "stopped";
            replicationState = Optional.empty();
            return this;
        }

        public Members state(String s) {
            state = s;
            return this;
        }

        /** Running but replaying from the archive, not streaming. */
        public Members notStreaming() {
            replicationState = Optional.of("in archive recovery");
            return this;
        }

        public Members at(String lsn) {
            position = Optional.of(Lsn.parse(lsn));
            return this;
        }

        public Members timeline(int t) {
            timeline = t;
            return this;
        }

        public Members tag(String key, Object value) {
            tags = tags.with(key, value);
            return this;
        }

        public Members nofailover() {
            return tag("nofailover", true);
        }

        public Members priority(int p) {
            return tag("failover_priority", p);
        }

        /** A changed setting waits for a restart ({@code pending_restart: true} in the member key). */
        private Optional<Member.ScheduledRestart> scheduledRestart = Optional.empty();

        public Members pendingRestart() {
            pendingRestart = true;
            return this;
        }

        /** A restart scheduled for {@code at} ({@code scheduled_restart} in the member key). */
        public Members scheduledRestart(java.time.Instant at) {
            scheduledRestart = Optional.of(new Member.ScheduledRestart(at, Optional.empty(), Optional.empty()));
            return this;
        }

        public Member build() {
            boolean replica = !"primary".equals(role);
            return new Member(name, "postgres://" + name + ":5432/postgres", "http://" + name + ":8008/patroni", role,
                    state, position, replica ? position : Optional.empty(), replica ? position : Optional.empty(),
                    timeline, replicationState, tags, "0.1.0", pendingRestart, scheduledRestart);
        }
    }
}
