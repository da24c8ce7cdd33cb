package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DeathEvidence;
import io.hapg.core.model.FastFailover;
import io.hapg.core.model.HeartbeatSeen;
import io.hapg.core.model.Leader;
import io.hapg.core.model.LocalState;
import java.util.Objects;
import java.util.Optional;

/**
 * The HA decision engine: a pure function from (cluster view, local state, self, now) to one
 * {@link Decision}. No I/O, no clock, no threads, no logging, so every rule is a unit test
 * ({@code DeciderTest}). Patroni's {@code ha.py} ({@code _run_cycle} and what it calls) is the
 * reference; where hapg differs, the rule's class says so.
 *
 * <p>The sections below run top to bottom and the first one that applies decides:
 * <ol>
 *   <li>the store is unreachable (fencing comes before everything else)</li>
 *   <li>a slow action is in progress</li>
 *   <li>the agent is shutting down</li>
 *   <li>maintenance mode ({@code pause})</li>
 *   <li>the data directory is empty: bootstrap or clone</li>
 *   <li>the data directory belongs to another cluster</li>
 *   <li>PostgreSQL is not running: on the leader (7a: restart in place or hand over), elsewhere
 *       (7b: start, rewind)</li>
 *   <li>the leader key is absent: the leader race, which {@link PrimaryRaceBackoff} may put off
 *       while WAL still streams in</li>
 *   <li>I hold the leader key: promote, switchover (9a), synchronous standbys (9b), renew</li>
 *   <li>another member holds the key: with {@code fast_failover}, take over early from a leader
 *       confirmed dead ({@link EarlyTakeover}); else demote, rewind, follow</li>
 * </ol>
 * In a standby cluster ({@code standby_cluster}) the key holder follows the remote primary instead
 * of promoting: {@link StandbyLeader} turns every decision above that would promote into
 * {@link Action#LEAD_STANDBY}.
 * Every decision carries a one-line reason naming the members and values involved; the loop logs
 * it as is.
 */
public final class Decider {

    private Decider() {
    }

    /**
     * Decides what this node does in this loop iteration.
     *
     * @param view  the cluster as read from the store this iteration (the last one read when
     *              {@code local.consensusReachable()} is false)
     * @param local the local database probe and the agent's memory
     * @param self  this member; the dynamic config is {@code view.effectiveConfig(self.bootstrapDcs())}
     * @param now   the iteration's monotonic and wall-clock time
     * @return one action with its reason; never null
     */
    public static Decision decide(ClusterView view, LocalState local, Self self, Now now) {
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(now, "now");
        Situation s = Situation.of(view, local, self, now);
        return StandbyLeader.adapt(s, decide(s));
    }

    private static Decision decide(Situation s) {
        ClusterView view = s.view();
        LocalState local = s.local();
        if (!local.consensusReachable()) {
            return Fencing.storeUnreachable(s);
        }
        if (local.actionInProgress().isPresent()) {
            // The slow action (promote, basebackup, rewind, restart) runs on its own executor; the
            // loop keeps the lease alive meanwhile (Patroni handle_long_action_in_progress).
            return Decision.of(Action.WAIT, "action in progress: " + local.actionInProgress().get());
        }
        if (local.shutdownRequested()) {
            return Shutdown.shutdown(s);
        }
        if (s.dcs().pause()) {
            return Maintenance.paused(s);
        }
        if (!s.db().hasData()) {
            return DataDirectory.empty(s);
        }
        Optional<String> foreign = DataDirectory.foreign(s);
        if (foreign.isPresent()) {
            return Decision.of(Action.WAIT, foreign.get());
        }
        if (!s.db().isRunning()) {
            return s.iAmLeader() ? PrimaryRecovery.databaseDown(s) : Rejoin.databaseDown(s);
        }
        if (view.leader().isEmpty()) {
            return LeaderRace.race(s);
        }
        if (s.iAmLeader()) {
            return s.dcs().standbyCluster().map(remote -> StandbyLeader.leading(s, remote))
                    .orElseGet(() -> Leading.leading(s));
        }
        return earlyTakeover(s).orElseGet(() -> Rejoin.following(s));
    }

    /**
     * Section 10, fast failover first ({@code FAST-FAILOVER.md}): with {@code fast_failover} in
     * force and the leader's heartbeat observed, {@link EarlyTakeover} may answer
     * {@link Action#PROBE_LEADER} or {@link Action#TAKE_OVER_EARLY}; otherwise the usual decision.
     */
    private static Optional<Decision> earlyTakeover(Situation s) {
        FastFailover ff = s.dcs().fastFailover();
        Optional<HeartbeatSeen> seen = s.local().early().seen();
        if (!ff.enabled() || seen.isEmpty()) {
            return Optional.empty();
        }
        Leader leader = s.view().leader().orElseThrow();
        DeathEvidence evidence = s.local().early().probes()
                .orElseGet(() -> DeathEvidence.none(leader.name(), leader.term()));
        return EarlyTakeover.evaluate(s, ff, seen.get(), evidence).decision(leader.name());
    }

    /**
     * Whether the leader race would look at the other members' {@code /patroni} documents: not
     * when a due failover request names {@code me} as its candidate, since then
     * {@link #decide} promotes me (or refuses, in synchronous mode) without comparing positions,
     * and asking the peers first only delays a switchover by a round trip, or by their whole
     * timeout when one of them is busy (the old primary restarting).
     *
     * @param view the cluster as read this iteration
     * @param me   this member's name
     * @param now  the iteration's time (a request scheduled later is not due)
     */
    public static boolean racePeersMatter(ClusterView view, String me, Now now) {
        return view.failover()
                .filter(f -> f.scheduledAt().map(at -> !at.isAfter(now.wall())).orElse(true))
                .flatMap(f -> f.candidate())
                .filter(me::equals)
                .isEmpty();
    }
}
