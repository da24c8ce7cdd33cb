package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailsafePing;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.PeerStatus;
import io.hapg.core.model.RaceBackoff;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Section 8, the leader key is absent: the leader race. Patroni {@code is_healthiest_node}: only
 * the best replica may promote, and only if it cannot lose an acknowledged commit that another
 * member has. Every check names why a node does not race.
 */
final class LeaderRace {

    private LeaderRace() {
    }

    static Decision race(Situation s) {
        DatabaseState db = s.db();
        LocalState local = s.local();
        long nowNanos = s.now().monotonicNanos();
        if (db.isRunningPrimary()) {
            // A running primary is the healthiest node, unless a newer timeline exists: then it is a
            // stale primary whose key expired while another member promoted (Patroni PR #2787).
            // Unconditional (not gated by check_timeline), as in Patroni: a stale primary must never win.
            if (db.timeline() < s.view().clusterTimeline()) {
                return Decision.demote(DemoteMode.IMMEDIATE, Optional.empty(), "demoting: PostgreSQL runs as "
                        + "primary on timeline " + db.timeline() + " but the cluster is on timeline "
                        + s.view().clusterTimeline() + " (stale primary)");
            }
            return Decision.of(Action.ACQUIRE_LEASE, "taking the free leader key: PostgreSQL already runs as "
                    + "primary here (timeline " + db.timeline() + ", " + Reasons.lsn(db.walPosition()) + ")");
        }
        Optional<Decision> heldBack = PrimaryRaceBackoff.holdsBack(s);
        if (heldBack.isPresent()) {
            return heldBack.get();
        }
        Optional<FailsafePing> ping = local.failsafePing();
        if (s.dcs().failsafeMode() && ping.isPresent() && nowNanos - ping.get().receivedAt() < s.dcs().ttl().toNanos()) {
            // The leader, cut from the store, still runs as primary: every member confirmed it, me included.
            return notRacing("failsafe: " + ping.get().leader() + " confirmed it still runs as the primary by "
                    + "POST /failsafe " + Reasons.seconds(nowNanos - ping.get().receivedAt()) + " s ago (ttl "
                    + s.dcs().ttl().toSeconds() + " s)");
        }
        Optional<RaceBackoff> backoff = local.raceBackoff()
                .filter(b -> b.holdsAt(nowNanos, s.view().clusterTimeline()));
        // The back-off keeps a node that just gave the key up (its PostgreSQL failed, or pre_promote
        // vetoed) from winning it straight back in an open race. An operator's request that names
        // this node is no open race: waiting out the back-off would leave the cluster without a
        // leader for up to a ttl after a switchover the API accepted (bench: 100 pools waited 3.4 s).
        boolean namedByOperator = pendingFailover(s).flatMap(FailoverRequest::candidate)
                .filter(s.me()::equals).isPresent();
        if (backoff.isPresent() && !namedByOperator) {
            return notRacing(backoff.get().why() + "; backing off for "
                    + Reasons.seconds(backoff.get().until() - nowNanos) + " s more");
        }
        if (s.myTags().nofailover()) {
            return notRacing(s.nofailoverWhy());
        }
        Optional<FailoverRequest> manual = pendingFailover(s);
        if (manual.isPresent()) {
            Optional<Decision> outcome = ManualFailover.withoutLeader(s, manual.get());
            if (outcome.isPresent()) {
                return outcome.get();
            }
        }
        return automaticRace(s, manual);
    }

    static Decision notRacing(String why) {
        return Decision.of(Action.NONE, "not racing: " + why);
    }

    /** A failover request that is due (not scheduled in the future). */
    private static Optional<FailoverRequest> pendingFailover(Situation s) {
        return s.view().failover()
                .filter(f -> f.scheduledAt().map(at -> !at.isAfter(s.now().wall())).orElse(true));
    }

    /** The usual race: eligibility of this node, then the comparison with every peer that answered. */
    private static Decision automaticRace(Situation s, Optional<FailoverRequest> manual) {
        ClusterView view = s.view();
        DynamicConfig dcs = s.dcs();
        if (dcs.failsafeMode() && view.failsafe().isPresent() && !view.failsafe().get().isEmpty()
                && !view.failsafe().get().containsKey(s.me())) {
            return notRacing("the failsafe key lists "
                    + String.join(", ", Reasons.sorted(view.failsafe().get().keySet())) + " but not me");
        }
        // In quorum commit a member outside the key may race too: the votes decide (QuorumRace).
        if (s.syncActive() && !s.quorumActive() && !view.sync().allowsPromotionOf(s.me())) {
            return notRacing("synchronous mode and the sync key " + Reasons.describe(view.sync())
                    + " does not name me");
        }
        Optional<Lsn> position = s.db().walPosition();
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
        if (dcs.checkTimeline() && s.db().timeline() < view.clusterTimeline()) {
            return notRacing("my timeline " + s.db().timeline() + " is behind the cluster timeline "
                    + view.clusterTimeline() + " (check_timeline)");
        }
        Optional<String> excluded = manual.flatMap(FailoverRequest::leader);
        Optional<String> lostTo = betterPeer(s, mine, excluded);
        if (lostTo.isPresent()) {
            return notRacing(lostTo.get());
        }
        Optional<String> noQuorum = s.quorumActive() ? QuorumRace.lacksVotes(s, mine, excluded) : Optional.empty();
        if (noQuorum.isPresent()) {
            return notRacing(noQuorum.get());
        }
        String context = manual.isPresent() ? "leader key absent, " + Reasons.describe(manual.get())
                + " candidate not available, and I am the healthiest candidate ("
                : "leader key absent and I am the healthiest candidate (";
        return Decision.of(Action.PROMOTE, "promoting: " + context + mine + ")");
    }

    /**
     * Compares with the peers that answered /patroni this iteration (the unreachable ones are simply
     * absent, as in Patroni). Returns why I lose, if I do.
     */
    private static Optional<String> betterPeer(Situation s, Lsn mine, Optional<String> excluded) {
        int myPriority = s.myTags().failoverPriority();
        Optional<String> formerSyncLeader = s.syncActive() ? s.view().sync().leader() : Optional.empty();
        List<PeerStatus> peers = new ArrayList<>(s.local().peers().values());
        peers.sort(Comparator.comparing(PeerStatus::name));
        for (PeerStatus peer : peers) {
            String name = peer.name();
            if (name.equals(s.me()) || excluded.equals(Optional.of(name))) {
                continue;
            }
            if (peer.isRunningPrimary()) {
                return Optional.of(name + " reports it runs as primary");
            }
            if (peer.failoverPriority() <= 0 || peer.walPosition().isEmpty()
                    || !s.synchronousGate().test(name)) {
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
}
