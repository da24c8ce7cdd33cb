package io.hapg.core.model;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything the decision engine knows about this node besides the cluster view: the latest
 * database probe plus the agent's own memory. Times are monotonic nanoseconds (the same clock
 * as the {@code now} handed to the decision engine), never wall-clock time.
 *
 * @param role                   the agent's current role
 * @param database               the latest probe of the local PostgreSQL
 * @param consensusReachable     false when the cluster read of this iteration failed; the view is
 *                               then the last one read
 * @param leaseDeadline          when the agent's leader lease will have expired, measured from
 *                               when its last successful renewal was sent; empty when it holds none
 * @param following              the leader the local PostgreSQL is configured to stream from
 * @param primaryDownSince       when the agent, holding the lock, first found PostgreSQL not running
 * @param actionInProgress       a slow action still running on the action executor
 * @param peers                  other members' {@code /patroni} answers, gathered for a leader race
 * @param failsafeAccepted       with the store unreachable: did every member accept this primary's
 *                               failsafe call; empty when not asked
 * @param shutdownRequested      the agent is closing
 * @param raceBackoff            no racing before its time: after a pre_promote veto, or after handing
 *                               the key over because the local PostgreSQL failed
 * @param rewindFailed           the last pg_rewind failed: re-clone instead of retrying it
 * @param lastSeenLeader         the leader key's holder in the last view that had one (kept when
 *                               the key disappears): the only member whose {@code POST /failsafe}
 *                               this node accepts
 * @param failsafePing           the last {@code POST /failsafe} this node accepted
 * @param slots                  this node's permanent slots as last seen, and the logical ones it copied
 * @param upstreamKnown          this agent has written the local PostgreSQL's upstream itself ({@link #following()})
 *                               since it started (a start, clone, follow or rewind); false before: a
 *                               PostgreSQL found running may still stream from whatever its files say
 * @param retention              as leader: when each member with a slot here was last seen, for
 *                               {@code member_slots_ttl}
 * @param received               the receive LSN of the latest probe and since when it stands there
 *                               (Patroni keeps {@code _prev_wal_lsn}): whether WAL still streams in,
 *                               for {@code primary_race_backoff}
 * @param primaryRaceBackoffSince when {@code primary_race_backoff} first held this node's leader
 *                               race back (Patroni's {@code _primary_race_backoff_timestamp}); empty
 *                               once a leader key is seen again
 * @param early                  fast failover, on a member that does not lead: the leader's
 *                               heartbeat as last observed and the probes of its PostgreSQL
 *                               gathered so far ({@link EarlyEvidence#NONE} otherwise)
 */
public record LocalState(
        Role role,
        DatabaseState database,
        boolean consensusReachable,
        OptionalLong leaseDeadline,
        Optional<String> following,
        OptionalLong primaryDownSince,
        Optional<String> actionInProgress,
        Map<String, PeerStatus> peers,
        Optional<Boolean> failsafeAccepted,
        boolean shutdownRequested,
        Optional<RaceBackoff> raceBackoff,
        boolean rewindFailed,
        Optional<String> lastSeenLeader,
        Optional<FailsafePing> failsafePing,
        LocalSlots slots,
        boolean upstreamKnown,
        SlotRetention retention,
        Optional<ReceivedWal> received,
        OptionalLong primaryRaceBackoffSince,
        EarlyEvidence early) {

    public LocalState {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(leaseDeadline, "leaseDeadline");
        Objects.requireNonNull(following, "following");
        Objects.requireNonNull(primaryDownSince, "primaryDownSince");
        Objects.requireNonNull(actionInProgress, "actionInProgress");
        peers = Map.copyOf(peers);
        Objects.requireNonNull(failsafeAccepted, "failsafeAccepted");
        Objects.requireNonNull(raceBackoff, "raceBackoff");
        Objects.requireNonNull(lastSeenLeader, "lastSeenLeader");
        Objects.requireNonNull(failsafePing, "failsafePing");
        Objects.requireNonNull(slots, "slots");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(received, "received");
        Objects.requireNonNull(primaryRaceBackoffSince, "primaryRaceBackoffSince");
        Objects.requireNonNull(early, "early");
    }

    /** A freshly started agent that has probed its database once. */
    public static LocalState initial(DatabaseState database) {
        return new LocalState(Role.UNKNOWN, database, true, OptionalLong.empty(), Optional.empty(),
                OptionalLong.empty(), Optional.empty(), Map.of(), Optional.empty(), false, Optional.empty(), false,
                Optional.empty(), Optional.empty(), LocalSlots.UNKNOWN, false, SlotRetention.NONE, Optional.empty(),
                OptionalLong.empty(), EarlyEvidence.NONE);
    }

    /** True when the agent believes it holds the leader lease at {@code now}. */
    public boolean holdsLease(long now) {
        return leaseDeadline.isPresent() && now - leaseDeadline.getAsLong() < 0;
    }

    /**
     * {@link #primaryDownSince()} at the next observation: it starts when this leader first finds
     * its PostgreSQL down (data present, not running) with no action under way, goes on unchanged
     * while an action runs, and ends once PostgreSQL runs or the node no longer leads.
     * primary_start_timeout is measured on it, so a restart in place that fails again and again
     * must not restart the clock: the leader would then keep the key for ever ("down 0 s") instead
     * of handing over after the timeout.
     *
     * @param leaderHere whether this node holds the leader key or its lease
     * @param db         the database as just probed
     */
    public OptionalLong primaryDownSinceAt(boolean leaderHere, DatabaseState db, long nowNanos) {
        if (!leaderHere || !db.hasData() || db.isRunning()) {
            return OptionalLong.empty();
        }
        return actionInProgress.isPresent() ? primaryDownSince : OptionalLong.of(primaryDownSince.orElse(nowNanos));
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Copy-and-change for the loop and for tests. */
    public static final class Builder {
        private Role role;
        private DatabaseState database;
        private boolean consensusReachable;
        private OptionalLong leaseDeadline;
        private Optional<String> following;
        private OptionalLong primaryDownSince;
        private Optional<String> actionInProgress;
        private Map<String, PeerStatus> peers;
        private Optional<Boolean> failsafeAccepted;
        private boolean shutdownRequested;
        private Optional<RaceBackoff> raceBackoff;
        private boolean rewindFailed;
        private Optional<String> lastSeenLeader;
        private Optional<FailsafePing> failsafePing;
        private LocalSlots slots;
        private boolean upstreamKnown;
        private SlotRetention retention;
        private Optional<ReceivedWal> received;
        private OptionalLong primaryRaceBackoffSince;
        private EarlyEvidence early;

        private Builder(LocalState s) {
            role = s.role;
            database = s.database;
            consensusReachable = s.consensusReachable;
            leaseDeadline = s.leaseDeadline;
            following = s.following;
            primaryDownSince = s.primaryDownSince;
            actionInProgress = s.actionInProgress;
            peers = s.peers;
            failsafeAccepted = s.failsafeAccepted;
            shutdownRequested = s.shutdownRequested;
            raceBackoff = s.raceBackoff;
            rewindFailed = s.rewindFailed;
            lastSeenLeader = s.lastSeenLeader;
            failsafePing = s.failsafePing;
            slots = s.slots;
            upstreamKnown = s.upstreamKnown;
            retention = s.retention;
            received = s.received;
            primaryRaceBackoffSince = s.primaryRaceBackoffSince;
            early = s.early;
        }

        public Builder role(Role v) { role = v; return this; }
        public Builder database(DatabaseState v) { database = v; return this; }
        public Builder consensusReachable(boolean v) { consensusReachable = v; return this; }
        public Builder leaseDeadline(OptionalLong v) { leaseDeadline = v; return this; }
        public Builder leaseDeadline(long v) { leaseDeadline = OptionalLong.of(v); return this; }
        public Builder following(Optional<String> v) { following = v; return this; }
        public Builder following(String v) { following = Optional.of(v); return this; }
        public Builder primaryDownSince(OptionalLong v) { primaryDownSince = v; return this; }
        public Builder actionInProgress(Optional<String> v) { actionInProgress = v; return this; }
        public Builder peers(Map<String, PeerStatus> v) { peers = v; return this; }
        public Builder failsafeAccepted(Optional<Boolean> v) { failsafeAccepted = v; return this; }
        public Builder shutdownRequested(boolean v) { shutdownRequested = v; return this; }
        public Builder raceBackoff(Optional<RaceBackoff> v) { raceBackoff = v; return this; }
        public Builder rewindFailed(boolean v) { rewindFailed = v; return this; }
        public Builder lastSeenLeader(Optional<String> v) { lastSeenLeader = v; return this; }
        public Builder failsafePing(Optional<FailsafePing> v) { failsafePing = v; return this; }
        public Builder slots(LocalSlots v) { slots = v; return this; }
        public Builder upstreamKnown(boolean v) { upstreamKnown = v; return this; }
        public Builder retention(SlotRetention v) { retention = v; return this; }
        public Builder received(Optional<ReceivedWal> v) { received = v; return this; }
        public Builder primaryRaceBackoffSince(OptionalLong v) { primaryRaceBackoffSince = v; return this; }
        public Builder early(EarlyEvidence v) { early = v; return this; }

        public LocalState build() {
            return new LocalState(role, database, consensusReachable, leaseDeadline, following, primaryDownSince,
                    actionInProgress, peers, failsafeAccepted, shutdownRequested, raceBackoff,
                    rewindFailed, lastSeenLeader, failsafePing, slots, upstreamKnown, retention, received,
                    primaryRaceBackoffSince, early);
        }
    }
}
