package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.PeerStatus;
import io.hapg.core.model.SyncState;
import io.hapg.core.model.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The HA decision engine: a pure function from (cluster view, local state, self, now) to one
 * {@link Decision}. No I/O, no clock, no threads, no logging, so every rule is a unit test
 * ({@code DeciderTest}). Patroni's {@code ha.py} ({@code _run_cycle} and what it calls) is the
 * reference; where hapg differs, the section says so.
 *
 * <p>The sections below run top to bottom and the first one that applies decides:
 * <ol>
 *   <li>the store is unreachable (fencing comes before everything else)</li>
 *   <li>a slow action is in progress</li>
 *   <li>the agent is shutting down</li>
 *   <li>maintenance mode ({@code pause})</li>
 *   <li>the data directory is empty: bootstrap or clone</li>
 *   <li>the data directory belongs to another cluster</li>
 *   <li>PostgreSQL is not running: on the leader (restart in place or hand over), elsewhere (start,
 *       rewind)</li>
 *   <li>the leader key is absent: the leader race</li>
 *   <li>I hold the leader key: promote, switchover, synchronous standbys, renew</li>
 *   <li>another member holds the key: demote, rewind, follow</li>
 * </ol>
 * Every decision carries a one-line reason naming the members and values involved; the loop logs
 * it as is.
 */
public final class Decider {
    private static final String STREAMING = "streaming";

    private final ClusterView view;
    private final LocalState local;
    private final DatabaseState db;
    private final DynamicConfig dcs;
    private final String me;
    private final Tags myTags;
    private final String scope;
    private final Now now;

    private Decider(ClusterView view, LocalState local, Self self, Now now) {
        this.view = view;
        this.local = local;
        this.db = local.database();
        this.dcs = view.effectiveConfig(self.bootstrapDcs());
        this.me = self.name();
        this.myTags = self.tags();
        this.scope = self.scope();
        this.now = now;
    }

    /**
     * Decides what this node does in this loop iteration.
     *
     * @param view   the cluster as read from the store this iteration (the last one read when
     *               {@code local.consensusReachable()} is false)
     * @param local  the local database probe and the agent's memory
     * @param self   this member; the dynamic config is {@code view.effectiveConfig(self.bootstrapDcs())}
     * @param now    the iteration's monotonic and wall-clock time
     * @return one action with its reason; never null
     */
    public static Decision decide(ClusterView view, LocalState local, Self self, Now now) {
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(now, "now");
        return new Decider(view, local, self, now).decide();
    }

    private Decision decide() {
        if (!local.consensusReachable()) {
            return storeUnreachable();
        }
        if (local.actionInProgress().isPresent()) {
            // The slow action (promote, basebackup, rewind, restart) runs on its own executor; the
            // loop keeps the lease alive meanwhile (Patroni handle_long_action_in_progress).
            return Decision.of(Action.WAIT, "action in progress: " + local.actionInProgress().get());
        }
        if (local.shutdownRequested()) {
            return shutdown();
        }
        if (dcs.pause()) {
            return paused();
        }
        if (!db.hasData()) {
            return emptyDataDirectory();
        }
        Optional<String> foreign = foreignDataDirectory();
        if (foreign.isPresent()) {
            return Decision.of(Action.WAIT, foreign.get());
        }
        if (!db.isRunning()) {
            return iAmLeader() ? leaderDatabaseDown() : databaseDown();
        }
        if (view.leader().isEmpty()) {
            return leaderRace();
        }
        return iAmLeader() ? leading() : following();
    }

    // ---- 1. The store is unreachable ------------------------------------------------------------
    // Why first, even before a running action: a primary that cannot renew its lease must stop
    // accepting writes before the lease expires and another member promotes. Patroni
    // _handle_dcs_error. (The lease watchdog enforces the deadline even if this loop is stuck.)

    private Decision storeUnreachable() {
        boolean actingPrimary = local.holdsLease(now.monotonicNanos()) || db.isRunningPrimary();
        if (!actingPrimary) {
            return Decision.of(Action.NONE, "store unreachable: staying as I am (replicas never race blind)");
        }
        if (dcs.pause()) {
            return Decision.of(Action.NONE, "store unreachable; paused: leaving PostgreSQL running as primary");
        }
        if (dcs.failsafeMode() && local.failsafeAccepted().equals(Optional.of(true))) {
            return Decision.of(Action.NONE, "store unreachable; all members accepted me as primary (failsafe)");
        }
        String why = !dcs.failsafeMode() ? "failsafe_mode is off"
                : local.failsafeAccepted().isEmpty() ? "failsafe check not done"
                : "not every member accepted me as primary (failsafe)";
        return Decision.demote(DemoteMode.OFFLINE, Optional.empty(),
                "demoting: store unreachable, cannot renew the leader lease and " + why);
    }

    // ---- 3. Agent shutdown ----------------------------------------------------------------------
    // Stopping the agent on the primary must be a quick failover, not a ttl wait: stop PostgreSQL,
    // then release the key as soon as a replica has the shutdown checkpoint (so it loses nothing).

    private Decision shutdown() {
        if (dcs.pause()) {
            return Decision.of(Action.NONE,
                    "shutting down in pause: leaving PostgreSQL running and the leader key to expire");
        }
        if (!iAmLeader()) {
            return Decision.of(Action.SHUTDOWN, "shutting down: stopping PostgreSQL (not the leader)");
        }
        if (db.process() != ProcessState.STOPPED) {
            return Decision.of(Action.SHUTDOWN,
                    "shutting down: stopping PostgreSQL on the primary, keeping the leader key until a replica "
                            + "has the shutdown checkpoint");
        }
        List<String> replicas = otherMembers();
        if (replicas.isEmpty()) {
            return Decision.of(Action.RELEASE_LEASE, "shutting down: PostgreSQL stopped and there are no replicas: "
                    + "releasing the leader key");
        }
        if (db.checkpointLsn().isEmpty()) {
            return Decision.of(Action.RELEASE_LEASE,
                    "shutting down: PostgreSQL stopped, shutdown checkpoint unknown: releasing the leader key");
        }
        Lsn checkpoint = db.checkpointLsn().get();
        for (String name : replicas) {
            Optional<Lsn> position = knownPosition(name);
            if (position.isPresent() && position.get().compareTo(checkpoint) >= 0) {
                return Decision.of(Action.RELEASE_LEASE, name, "shutting down: replica " + name
                        + " received the shutdown checkpoint " + checkpoint + " (at " + position.get()
                        + "): releasing the leader key");
            }
        }
        return Decision.of(Action.WAIT, "shutting down: waiting for a replica (" + String.join(", ", replicas)
                + ") to receive the shutdown checkpoint " + checkpoint);
    }

    /** What a member has received: its /patroni answer if we have one, else its published key. */
    private Optional<Lsn> knownPosition(String name) {
        PeerStatus peer = local.peers().get(name);
        if (peer != null && peer.walPosition().isPresent()) {
            return peer.walPosition();
        }
        return view.member(name).flatMap(m -> maxOf(m.receiveLsn(), m.replayLsn(), m.walPosition()));
    }

    // ---- 4. Maintenance mode (pause) ------------------------------------------------------------
    // Patroni pause semantics: the agent keeps the lock and member keys current but promotes,
    // demotes, starts, stops, bootstraps and clones nothing. A primary without the lock takes the
    // free key (without promoting anything) so clients keep finding it.

    private Decision paused() {
        if (iAmLeader()) {
            String pg = !db.isRunning() ? "; PostgreSQL is " + processWord() + " and is left so"
                    : db.inRecovery() ? "; PostgreSQL is in recovery and is not promoted" : "";
            return Decision.renew(slots(), "paused: I am the leader with the lock" + pg + " (maintenance mode)");
        }
        if (view.leader().isEmpty() && db.isRunningPrimary() && foreignDataDirectory().isEmpty()) {
            return Decision.of(Action.ACQUIRE_LEASE,
                    "paused: leader key free and PostgreSQL runs as primary here: taking the key without promoting");
        }
        if (!db.hasData()) {
            return Decision.of(Action.NONE, "paused: data directory empty; maintenance mode does not bootstrap or clone");
        }
        if (!db.isRunning()) {
            return Decision.of(Action.NONE, "paused: PostgreSQL is " + processWord() + "; maintenance mode leaves it");
        }
        if (view.leader().isEmpty()) {
            return Decision.of(Action.NONE, "paused: leader key free; maintenance mode does not race or promote");
        }
        String leader = view.leader().get().name();
        if (db.isRunningPrimary()) {
            return Decision.of(Action.NONE, "paused: " + leader
                    + " holds the leader key but PostgreSQL runs as primary here; maintenance mode does not demote");
        }
        return Decision.of(Action.NONE, "paused: no action (maintenance mode); leader is " + leader);
    }

    // ---- 5. Empty data directory: bootstrap or clone --------------------------------------------
    // The initialize key is the bootstrap race: whoever creates it runs initdb; an empty value
    // means initdb is still running somewhere. Everyone else clones from the leader.

    private Decision emptyDataDirectory() {
        if (iAmLeader()) {
            // Someone wiped the leader's data directory: let a replica take over (Patroni releases too).
            return Decision.of(Action.RELEASE_LEASE,
                    "data directory empty while I hold the leader key: releasing it so a replica takes over");
        }
        if (view.leader().isEmpty()) {
            if (view.initialize().isEmpty()) {
                if (myTags.nofailover()) {
                    return Decision.of(Action.WAIT, "data directory empty and cluster " + scope
                            + " not initialized; not bootstrapping: " + nofailoverWhy());
                }
                return Decision.of(Action.BOOTSTRAP,
                        "bootstrapping: no initialize key and no leader: racing to initialize cluster " + scope);
            }
            if (view.initialize().get().isEmpty()) {
                return Decision.of(Action.WAIT,
                        "data directory empty; another member is running initdb (initialize key claimed)");
            }
            return Decision.of(Action.WAIT, "data directory empty; cluster " + scope + " is initialized (system "
                    + "identifier " + view.initialize().get() + ") but has no leader to clone from");
        }
        String leader = view.leader().get().name();
        if (view.leaderMember().isEmpty()) {
            return Decision.of(Action.WAIT, "data directory empty; leader " + leader + " has no member record to clone from");
        }
        String source = replicationSource().orElse(leader);
        return Decision.of(Action.CLONE, source, "cloning from " + describeSource(source, leader)
                + ": data directory empty");
    }

    // ---- 6. Data directory of another cluster ---------------------------------------------------
    // Starting or promoting a database that is not this cluster's would serve the wrong data.

    private Optional<String> foreignDataDirectory() {
        Optional<String> clusterId = view.initialize().filter(s -> !s.isEmpty());
        if (clusterId.isEmpty() || db.systemIdentifier().isEmpty()
                || db.systemIdentifier().get().equals(clusterId.get())) {
            return Optional.empty();
        }
        return Optional.of("data directory belongs to another cluster: its system identifier is "
                + db.systemIdentifier().get() + ", cluster " + scope + " has " + clusterId.get()
                + "; not starting or promoting it");
    }

    // ---- 7a. PostgreSQL down on the leader ------------------------------------------------------
    // Patroni recover(): restart in place (PostgreSQL's crash recovery, no timeline change, no data
    // lost) for up to primary_start_timeout, then hand over if someone can take over. In synchronous
    // mode with a healthy synchronous standby, hand over at once: no acknowledged commit can be lost.

    private Decision leaderDatabaseDown() {
        List<String> candidates = failoverCandidates(Optional.empty());
        Duration timeout = dcs.primaryStartTimeout();
        long downNanos = local.primaryDownSince().isPresent()
                ? Math.max(0, now.monotonicNanos() - local.primaryDownSince().getAsLong()) : 0;
        String down = "PostgreSQL on the primary is " + processWord();
        if (!candidates.isEmpty()) {
            String who = " and a failover is possible (" + String.join(", ", candidates) + ")";
            Optional<String> syncStandby = healthySynchronousStandby();
            if (syncStandby.isPresent()) {
                return Decision.demote(DemoteMode.HANDOVER, Optional.empty(), "handing over: " + down
                        + " and synchronous standby " + syncStandby.get()
                        + " is streaming: releasing the leader key (no acknowledged commit can be lost)");
            }
            if (timeout.isZero()) {
                return Decision.demote(DemoteMode.HANDOVER, Optional.empty(), "handing over: " + down
                        + ", primary_start_timeout is 0" + who + ": releasing the leader key");
            }
            if (downNanos > timeout.toNanos()) {
                return Decision.demote(DemoteMode.HANDOVER, Optional.empty(), "handing over: " + down + " for "
                        + seconds(downNanos) + " s (primary_start_timeout " + timeout.toSeconds() + " s)" + who
                        + ": releasing the leader key");
            }
        }
        String progress = " (down " + seconds(downNanos) + " s of primary_start_timeout " + timeout.toSeconds()
                + " s" + (candidates.isEmpty() ? "; no other member could take over" : "") + ")";
        if (db.process() == ProcessState.STOPPED) {
            return Decision.of(Action.RESTART_PRIMARY,
                    "restarting PostgreSQL as primary in place: it is stopped and I hold the lock" + progress);
        }
        return Decision.of(Action.WAIT, "waiting: " + down + ", keeping the leader lock" + progress);
    }

    /** A member in the sync key I published, running and streaming: it has every acknowledged commit. */
    private Optional<String> healthySynchronousStandby() {
        SyncState sync = view.sync();
        if (!dcs.synchronousMode() || !sync.leader().equals(Optional.of(me))) {
            return Optional.empty();
        }
        return sync.syncStandbys().stream()
                .filter(name -> view.member(name).map(SyncStandbys::isStreaming).orElse(false))
                .filter(name -> !view.member(name).get().tags().nofailover())
                .findFirst();
    }

    // ---- 7b. PostgreSQL down, not the leader ----------------------------------------------------
    // Start it as a replica of the leader; a former primary that wrote past the point where the new
    // leader's timeline forked must be rewound (or re-cloned) first, or it could never stream.

    private Decision databaseDown() {
        if (db.process() != ProcessState.STOPPED) {
            return Decision.of(Action.WAIT, "waiting: PostgreSQL is " + processWord());
        }
        if (view.leader().isEmpty()) {
            return Decision.of(Action.START_REPLICA,
                    "starting PostgreSQL read-only: no leader (I will race once it runs)");
        }
        String leader = view.leader().get().name();
        Optional<Member> leaderMember = view.leaderMember();
        if (leaderMember.isEmpty()) {
            return Decision.of(Action.WAIT, "waiting: leader " + leader + " has no member record yet");
        }
        Optional<Decision> rewind = rewindIfDiverged(leaderMember.get());
        if (rewind.isPresent()) {
            return rewind.get();
        }
        String source = replicationSource().orElse(leader);
        return Decision.of(Action.START_REPLICA, source, "starting PostgreSQL as a replica of "
                + describeSource(source, leader));
    }

    /**
     * REWIND or REINITIALIZE when my timeline is behind the leader's and my WAL goes past the point
     * where my timeline ended in {@code history}. A node that crashed (no clean shutdown) cannot know
     * its end of WAL from the control file: pg_rewind decides then (it reports "no rewind required"
     * when there is nothing to do), but without pg_rewind we never wipe data on a guess.
     */
    private Optional<Decision> rewindIfDiverged(Member leader) {
        int mine = db.timeline();
        int theirs = Math.max(leader.timeline(), view.clusterTimeline());
        if (mine <= 0 || mine >= theirs) {
            return Optional.empty();
        }
        Optional<Lsn> fork = view.history().stream().filter(h -> h.timeline() == mine).map(HistoryEntry::lsn)
                .reduce((first, last) -> last);
        Optional<Lsn> position = db.walPosition();
        String at = "my timeline " + mine + " is behind leader " + leader.name() + "'s timeline " + theirs;
        String why;
        if (fork.isPresent() && position.isPresent() && position.get().isAfter(fork.get())) {
            why = at + " and my WAL (" + position.get() + ") goes past where timeline " + mine + " ended ("
                    + fork.get() + ")";
        } else if (fork.isPresent() && db.process() == ProcessState.STOPPED && !db.cleanShutdown()
                && dcs.usePgRewind() && !local.rewindFailed()) {
            why = at + " and PostgreSQL was not shut down cleanly (end of WAL unknown, timeline " + mine
                    + " ended at " + fork.get() + ")";
        } else {
            return Optional.empty();
        }
        if (!dcs.usePgRewind()) {
            return Optional.of(Decision.of(Action.REINITIALIZE, leader.name(),
                    "re-cloning from " + leader.name() + ": diverged (" + why + ") and use_pg_rewind is off"));
        }
        if (local.rewindFailed()) {
            return Optional.of(Decision.of(Action.REINITIALIZE, leader.name(),
                    "re-cloning from " + leader.name() + ": diverged (" + why + ") and the last pg_rewind failed"));
        }
        return Optional.of(Decision.of(Action.REWIND, leader.name(),
                "rewinding from " + leader.name() + ": diverged (" + why + ")"));
    }

    // ---- 8. Leader key absent: the leader race --------------------------------------------------
    // Patroni is_healthiest_node: only the best replica may promote, and only if it cannot lose an
    // acknowledged commit that another member has. Every check names why a node does not race.

    private Decision leaderRace() {
        if (db.isRunningPrimary()) {
            // A running primary is the healthiest node, unless a newer timeline exists: then it is a
            // stale primary whose key expired while another member promoted (Patroni PR #2787).
            // Unconditional (not gated by check_timeline), as in Patroni: a stale primary must never win.
            if (db.timeline() < view.clusterTimeline()) {
                return Decision.demote(DemoteMode.IMMEDIATE, Optional.empty(), "demoting: PostgreSQL runs as "
                        + "primary on timeline " + db.timeline() + " but the cluster is on timeline "
                        + view.clusterTimeline() + " (stale primary)");
            }
            return Decision.of(Action.ACQUIRE_LEASE, "taking the free leader key: PostgreSQL already runs as "
                    + "primary here (timeline " + db.timeline() + ", " + lsn(db.walPosition()) + ")");
        }
        if (local.prePromoteBackoffUntil().isPresent()
                && now.monotonicNanos() - local.prePromoteBackoffUntil().getAsLong() < 0) {
            return notRacing("pre_promote vetoed my last promotion; backing off for "
                    + seconds(local.prePromoteBackoffUntil().getAsLong() - now.monotonicNanos()) + " s more");
        }
        if (myTags.nofailover()) {
            return notRacing(nofailoverWhy());
        }
        Optional<FailoverRequest> manual = pendingFailover();
        if (manual.isPresent()) {
            Optional<Decision> outcome = manualFailoverWithoutLeader(manual.get());
            if (outcome.isPresent()) {
                return outcome.get();
            }
        }
        return automaticRace(manual);
    }

    /**
     * A failover key while the leader key is absent (Patroni manual_failover_process_no_leader): the
     * named candidate promotes without the usual checks (the operator accepted the risk); the
     * others wait for it while it is running, and race among themselves if it is not.
     */
    private Optional<Decision> manualFailoverWithoutLeader(FailoverRequest request) {
        String kind = request.isSwitchover() ? "switchover" : "manual failover";
        if (request.isSwitchover() && syncActive() && !view.sync().allowsPromotionOf(me)) {
            return Optional.of(notRacing(kind + " in synchronous mode and the sync key " + describe(view.sync())
                    + " does not name me"));
        }
        if (request.candidate().equals(Optional.of(me))) {
            return Optional.of(promote("promoting: " + kind + " names me as the candidate (lag, synchronous and "
                    + "timeline checks skipped as requested" + (request.isSwitchover() ? ")"
                    : "; commits not received here may be lost)")));
        }
        if (request.candidate().isPresent()) {
            String candidate = request.candidate().get();
            if (syncActive() && !view.sync().allowsPromotionOf(me)) {
                return Optional.of(notRacing(kind + " to " + candidate + " in synchronous mode and the sync key "
                        + describe(view.sync()) + " does not name me"));
            }
            Optional<Member> member = view.member(candidate);
            if (member.isPresent() && member.get().isRunning() && !member.get().tags().nofailover()) {
                return Optional.of(notRacing(kind + " names " + candidate + ", which is running: waiting for it"));
            }
        }
        if (request.leader().equals(Optional.of(me))) {
            // I stepped down for this switchover. Take the key back only if nobody else can.
            List<String> others = failoverCandidates(request.candidate());
            if (!others.isEmpty()) {
                return Optional.of(notRacing("I stepped down for a " + kind + "; " + String.join(", ", others)
                        + " can take over"));
            }
            return Optional.of(promote("promoting: I stepped down for a " + kind
                    + " but no other member is healthy enough to take over"));
        }
        return Optional.empty();
    }

    /** The usual race: eligibility of this node, then the comparison with every peer that answered. */
    private Decision automaticRace(Optional<FailoverRequest> manual) {
        if (dcs.failsafeMode() && view.failsafe().isPresent() && !view.failsafe().get().isEmpty()
                && !view.failsafe().get().containsKey(me)) {
            return notRacing("the failsafe key lists " + String.join(", ", sorted(view.failsafe().get().keySet()))
                    + " but not me");
        }
        if (syncActive() && !view.sync().allowsPromotionOf(me)) {
            return notRacing("synchronous mode and the sync key " + describe(view.sync()) + " does not name me");
        }
        Optional<Lsn> position = db.walPosition();
        if (position.isEmpty()) {
            return notRacing("my WAL position is unknown");
        }
        Lsn mine = position.get();
        // The lag gate compares with the optime the leader last published. When the primary died under
        // write load that optime is frozen and replicas are AHEAD of it: that is lag 0, not a negative
        // number to misread, and never a comparison with members' own published positions.
        Optional<Lsn> optime = view.status().optime();
        if (optime.isPresent() && manual.isEmpty()) {
            long lag = Math.max(0, optime.get().minus(mine));
            if (lag > dcs.maximumLagOnFailover()) {
                return notRacing("my WAL position " + mine + " lags the last leader optime " + optime.get() + " by "
                        + lag + " bytes (maximum_lag_on_failover " + dcs.maximumLagOnFailover() + ")");
            }
        }
        if (dcs.checkTimeline() && db.timeline() < view.clusterTimeline()) {
            return notRacing("my timeline " + db.timeline() + " is behind the cluster timeline "
                    + view.clusterTimeline() + " (check_timeline)");
        }
        Optional<String> excluded = manual.flatMap(FailoverRequest::leader);
        Optional<String> lostTo = betterPeer(mine, excluded);
        if (lostTo.isPresent()) {
            return notRacing(lostTo.get());
        }
        String context = manual.isPresent() ? "leader key absent, " + (manual.get().isSwitchover() ? "switchover"
                : "manual failover") + " candidate not available, and I am the healthiest candidate ("
                : "leader key absent and I am the healthiest candidate (";
        return promote("promoting: " + context + mine + ")");
    }

    /**
     * Compares with the peers that answered /patroni this iteration (the unreachable ones are simply
     * absent, as in Patroni). Returns why I lose, if I do.
     */
    private Optional<String> betterPeer(Lsn mine, Optional<String> excluded) {
        int myPriority = myTags.failoverPriority();
        Optional<String> formerSyncLeader = syncActive() ? view.sync().leader() : Optional.empty();
        List<PeerStatus> peers = new ArrayList<>(local.peers().values());
        peers.sort(Comparator.comparing(PeerStatus::name));
        for (PeerStatus peer : peers) {
            String name = peer.name();
            if (name.equals(me) || excluded.equals(Optional.of(name))) {
                continue;
            }
            if (peer.isRunningPrimary()) {
                return Optional.of(name + " reports it runs as primary");
            }
            if (peer.failoverPriority() <= 0 || peer.walPosition().isEmpty()
                    || (syncActive() && !view.sync().allowsPromotionOf(name))) {
                continue;
            }
            Lsn theirs = peer.walPosition().get();
            boolean formerLeader = formerSyncLeader.equals(Optional.of(name));
            if (theirs.isAfter(mine) && !formerLeader) {
                // In sync mode the former leader may be ahead (uncommitted WAL) and still must not win.
                return Optional.of(name + " is ahead of me (" + theirs + " > " + mine + ")");
            }
            if (theirs.equals(mine) && peer.failoverPriority() > myPriority && !formerLeader) {
                return Optional.of(name + " has the same WAL position " + mine + " and a higher failover_priority ("
                        + peer.failoverPriority() + " > " + myPriority + ")");
            }
        }
        return Optional.empty();
    }

    // ---- 9. I hold the leader key and PostgreSQL runs -------------------------------------------

    private Decision leading() {
        if (db.inRecovery()) {
            return promote("promoting: I hold the lock but PostgreSQL is in recovery");
        }
        String steady = "no action: I am the leader with the lock";
        if (view.failover().isPresent()) {
            FailoverRequest request = view.failover().get();
            Optional<Decision> handled = failoverRequestAsLeader(request);
            if (handled.isPresent()) {
                return handled.get();
            }
            steady += "; " + describe(request) + " scheduled at " + request.scheduledAt().get() + " (in "
                    + Duration.between(now.wall(), request.scheduledAt().get()).toSeconds() + " s)";
        }
        if (dcs.synchronousMode()) {
            Optional<Decision> step = synchronousStandbysStep();
            if (step.isPresent()) {
                return step.get();
            }
            if (dcs.synchronousModeStrict() && desiredSyncStandbys().isEmpty()) {
                steady += "; synchronous_mode_strict and no synchronous standby is streaming: commits wait";
            }
        } else {
            Optional<Decision> cleanup = synchronousCleanup();
            if (cleanup.isPresent()) {
                return cleanup.get();
            }
        }
        return Decision.renew(slots(), steady);
    }

    // ---- 9a. Switchover and manual failover, as the leader --------------------------------------
    // Patroni process_manual_failover_from_leader: demote gracefully (the candidate then gets the
    // shutdown checkpoint and wins the race), or delete a request that cannot be carried out so it
    // does not hang around. Returns empty only for a request scheduled in the future.

    private Optional<Decision> failoverRequestAsLeader(FailoverRequest request) {
        String kind = describe(request);
        if (request.leader().isPresent() && !request.leader().get().equals(me)) {
            return Optional.of(Decision.of(Action.CLEAR_FAILOVER, "clearing " + kind + " request: it names "
                    + request.leader().get() + " as leader but I (" + me + ") am the leader"));
        }
        if (request.candidate().equals(Optional.of(me))) {
            return Optional.of(Decision.of(Action.CLEAR_FAILOVER, "clearing " + kind
                    + " request: I am already the requested candidate and the leader"));
        }
        if (request.scheduledAt().isPresent()) {
            Duration until = Duration.between(now.wall(), request.scheduledAt().get());
            if (!until.isNegative() && !until.isZero()) {
                return Optional.empty();
            }
            // Patroni drops a schedule missed by more than 1.5 loop_wait: a late failover surprises.
            if (until.negated().compareTo(dcs.loopWait().multipliedBy(3).dividedBy(2)) > 0) {
                return Optional.of(Decision.of(Action.CLEAR_FAILOVER, "clearing stale " + kind + ": it was scheduled at "
                        + request.scheduledAt().get() + ", " + until.negated().toSeconds() + " s ago"));
            }
        }
        if (request.candidate().isPresent()) {
            String candidate = request.candidate().get();
            Optional<String> problem = candidateProblem(candidate, request.isSwitchover());
            if (problem.isPresent()) {
                return Optional.of(Decision.of(Action.CLEAR_FAILOVER, "clearing " + kind + " request: candidate "
                        + candidate + " is not healthy (" + problem.get() + ")"));
            }
            return Optional.of(Decision.demote(DemoteMode.GRACEFUL, Optional.of(candidate),
                    kind + ": demoting gracefully to hand over to " + candidate));
        }
        List<String> healthy = otherMembers().stream()
                .filter(name -> candidateProblem(name, request.isSwitchover()).isEmpty())
                .collect(Collectors.toList());
        if (healthy.isEmpty()) {
            return Optional.of(Decision.of(Action.CLEAR_FAILOVER,
                    "clearing " + kind + " request: no healthy candidate to hand over to"));
        }
        return Optional.of(Decision.demote(DemoteMode.GRACEFUL, Optional.empty(), kind
                + ": demoting gracefully; the healthiest of " + String.join(", ", healthy) + " takes over"));
    }

    /** Why {@code name} cannot take over from me, if it cannot. */
    private Optional<String> candidateProblem(String name, boolean switchover) {
        Optional<Member> member = view.member(name);
        if (member.isEmpty()) {
            return Optional.of("no such member");
        }
        if (!member.get().isRunning()) {
            return Optional.of("PostgreSQL state " + (member.get().state().isEmpty() ? "unknown" : member.get().state()));
        }
        if (member.get().tags().nofailover()) {
            return Optional.of("nofailover / failover_priority " + member.get().tags().failoverPriority());
        }
        // Patroni allows a manual failover (not a switchover) to an asynchronous standby.
        if (switchover && syncActive() && !view.sync().allowsPromotionOf(name)) {
            return Optional.of("not a synchronous standby in " + describe(view.sync()));
        }
        return Optional.empty();
    }

    // ---- 9b. Synchronous standbys, as the leader ------------------------------------------------
    // The ordering contract that keeps acknowledged commits safe: a standby is added to
    // synchronous_standby_names before it is published in the sync key (only then may it promote),
    // and removed from the sync key before it leaves the setting. One step per iteration.

    private Optional<Decision> synchronousStandbysStep() {
        SyncState key = view.sync();
        boolean keyIsMine = key.leader().equals(Optional.of(me));
        List<String> setting = db.synchronousStandbys();
        List<String> desired = desiredSyncStandbys();
        if (dcs.synchronousModeStrict() && desired.isEmpty()) {
            // Strict: commits block rather than go standalone, so keep the key and the setting. Only a
            // key still naming the previous leader is claimed, with nobody else allowed to promote.
            if (!keyIsMine) {
                return Optional.of(Decision.sync(Action.WRITE_SYNC_KEY, List.of(), "sync: claiming the sync key "
                        + describe(key) + " with no standbys (synchronous_mode_strict, none streaming)"));
            }
            return Optional.empty();
        }
        // A name may stay in the key only if it is wanted and (when the key is not mine yet) already
        // in my setting: the key never names a standby my commits do not wait for.
        Set<String> keepable = new LinkedHashSet<>(desired);
        if (!keyIsMine) {
            keepable.retainAll(setting);
        }
        List<String> kept = SyncStandbys.retain(key.syncStandbys(), keepable);
        if (kept.size() != key.syncStandbys().size()) {
            List<String> dropped = new ArrayList<>(key.syncStandbys());
            dropped.removeAll(kept);
            return Optional.of(Decision.sync(Action.WRITE_SYNC_KEY, kept, "sync: removing "
                    + String.join(", ", dropped) + " from the sync key before dropping it from synchronous_standby_names"));
        }
        if (!SyncStandbys.sameMembers(setting, desired)) {
            return Optional.of(Decision.sync(Action.SET_SYNC_STANDBYS, desired, "sync: setting "
                    + "synchronous_standby_names to " + desired + " (was " + setting + ")"
                    + (desired.isEmpty() ? ": no standby streaming, running standalone" : "")));
        }
        if (!keyIsMine || !SyncStandbys.sameMembers(key.syncStandbys(), desired)) {
            return Optional.of(Decision.sync(Action.WRITE_SYNC_KEY, desired, "sync: publishing " + desired
                    + " in the sync key (was " + describe(key) + ")"));
        }
        return Optional.empty();
    }

    /** Who should be synchronous now; the current ones (setting, and the key if mine) are preferred. */
    private List<String> desiredSyncStandbys() {
        Set<String> current = new LinkedHashSet<>(db.synchronousStandbys());
        if (view.sync().leader().equals(Optional.of(me))) {
            current.addAll(view.sync().syncStandbys());
        }
        return SyncStandbys.desired(view, db, me, dcs.synchronousNodeCount(), current);
    }

    /** synchronous_mode is off: undo it in the same safe order (key first, then the setting). */
    private Optional<Decision> synchronousCleanup() {
        if (!view.sync().syncStandbys().isEmpty()) {
            return Optional.of(Decision.sync(Action.WRITE_SYNC_KEY, List.of(), "sync: synchronous_mode is off: "
                    + "removing " + String.join(", ", view.sync().syncStandbys()) + " from the sync key"));
        }
        if (!db.synchronousStandbys().isEmpty()) {
            return Optional.of(Decision.sync(Action.SET_SYNC_STANDBYS, List.of(), "sync: synchronous_mode is off: "
                    + "clearing synchronous_standby_names " + db.synchronousStandbys()));
        }
        return Optional.empty();
    }

    // ---- 10. Another member holds the key -------------------------------------------------------
    // Exactly one primary: a running primary that is not the key holder demotes at once. Replicas
    // stream from the leader (or their replicatefrom member), rewinding first if they diverged.

    private Decision following() {
        String leader = view.leader().get().name();
        if (db.isRunningPrimary()) {
            return Decision.demote(DemoteMode.IMMEDIATE, Optional.of(leader), "demoting: " + leader
                    + " holds the leader key but PostgreSQL runs as primary here");
        }
        Optional<Member> leaderMember = view.leaderMember();
        if (leaderMember.isEmpty()) {
            return Decision.of(Action.WAIT, "waiting: leader " + leader + " has no member record to follow yet");
        }
        Optional<Decision> rewind = rewindIfDiverged(leaderMember.get());
        if (rewind.isPresent()) {
            return rewind.get();
        }
        String source = replicationSource().orElse(leader);
        if (!local.following().equals(Optional.of(source))) {
            return Decision.of(Action.FOLLOW, source, "following " + describeSource(source, leader)
                    + local.following().map(old -> " (was streaming from " + old + ")").orElse(""));
        }
        return Decision.of(Action.NONE, "no action: streaming from " + describeSource(source, leader));
    }

    // ---- Shared helpers --------------------------------------------------------------------------

    private boolean iAmLeader() {
        return view.isLeader(me);
    }

    /** Synchronous mode is on and active: the leader has published a sync key (Patroni sync_mode_is_active). */
    private boolean syncActive() {
        return dcs.synchronousMode() && !view.sync().isEmpty();
    }

    /** A failover request that is due (not scheduled in the future). */
    private Optional<FailoverRequest> pendingFailover() {
        return view.failover().filter(f -> f.scheduledAt().map(at -> !at.isAfter(now.wall())).orElse(true));
    }

    /** The {@code replicatefrom} member, when it exists, runs and is not me. */
    private Optional<String> replicationSource() {
        return myTags.replicatefrom()
                .filter(name -> !name.equals(me))
                .filter(name -> view.member(name).map(Member::isRunning).orElse(false));
    }

    /** Other running members that could promote (failover_priority > 0, allowed by the sync key). */
    private List<String> failoverCandidates(Optional<String> exclude) {
        return otherMembers().stream()
                .filter(name -> !exclude.equals(Optional.of(name)))
                .filter(name -> {
                    Member m = view.member(name).get();
                    return m.isRunning() && !m.tags().nofailover()
                            && (!syncActive() || view.sync().allowsPromotionOf(name));
                })
                .collect(Collectors.toList());
    }

    private List<String> otherMembers() {
        return view.members().keySet().stream().filter(name -> !name.equals(me)).sorted().collect(Collectors.toList());
    }

    /** One physical slot per other member (Patroni use_slots). */
    private Set<String> slots() {
        return dcs.useSlots() ? new LinkedHashSet<>(otherMembers()) : Set.of();
    }

    private Decision promote(String reason) {
        return Decision.of(Action.PROMOTE, reason);
    }

    private static Decision notRacing(String why) {
        return Decision.of(Action.NONE, "not racing: " + why);
    }

    private String nofailoverWhy() {
        boolean flag = myTags.with("failover_priority", 1).nofailover();
        return flag ? "nofailover tag set" : "failover_priority is " + myTags.failoverPriority();
    }

    private String processWord() {
        switch (db.process()) {
            case STOPPED:
                return "stopped";
            case STARTING:
                return "starting";
            case UNRESPONSIVE:
                return "not responding";
            default:
                return "running";
        }
    }

    private static String describeSource(String source, String leader) {
        return source.equals(leader) ? "leader " + leader : source + " (replicatefrom; leader is " + leader + ")";
    }

    private static String describe(SyncState sync) {
        return "(leader " + sync.leader().orElse("none") + ", standbys " + sync.syncStandbys() + ")";
    }

    private static String describe(FailoverRequest request) {
        return request.isSwitchover() ? "switchover" : "manual failover";
    }

    private static String lsn(Optional<Lsn> lsn) {
        return lsn.map(Lsn::toString).orElse("WAL position unknown");
    }

    private static long seconds(long nanos) {
        return Duration.ofNanos(nanos).toSeconds();
    }

    private static List<String> sorted(Set<String> names) {
        return names.stream().sorted().collect(Collectors.toList());
    }

    @SafeVarargs
    private static Optional<Lsn> maxOf(Optional<Lsn>... positions) {
        Optional<Lsn> best = Optional.empty();
        for (Optional<Lsn> p : positions) {
            if (p.isPresent() && (best.isEmpty() || p.get().isAfter(best.get()))) {
                best = p;
            }
        }
        return best;
    }
}
