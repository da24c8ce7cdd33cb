package io.hapg.core.decision;

import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.Role;
import io.hapg.core.model.SlotPlan;
import io.hapg.core.model.StandbyCluster;
import java.util.Map;
import java.util.Optional;

/**
 * The rules of a standby cluster (Patroni {@code ha.py}: {@code is_standby_cluster},
 * {@code bootstrap_standby_leader}, {@code enforce_follow_remote_member},
 * {@code _get_node_to_follow}). The leader-key holder never promotes: it follows the remote primary
 * ({@link StandbyCluster#REMOTE_MEMBER}) as the <em>standby leader</em>, and the other members
 * follow it as in any cluster. Every rule that would make the key holder a primary (the race's
 * winner, a switchover's candidate, the key holder whose PostgreSQL is down or in recovery) is
 * turned into {@link Action#LEAD_STANDBY} here, and a member that starts while the cluster has no
 * leader streams from the remote meanwhile.
 *
 * <p>hapg deviates from Patroni in one case: a cluster whose leader runs as a primary when the
 * section appears (added to a running normal cluster) is not demoted to follow the remote
 * (Patroni demotes it, "cannot be a real primary in standby cluster", which throws its timeline
 * away or needs a rewind); hapg keeps it primary and says why in every reason, until the section
 * is removed again. ({@code PATCH /config} refuses to add the section then; this rule covers a
 * {@code config} key written by other means.)
 */
final class StandbyLeader {

    private StandbyLeader() {
    }

    /**
     * Section 9 in a standby cluster: I hold the key and PostgreSQL runs. A due switchover is
     * handled as in any cluster; otherwise follow the remote, then renew.
     */
    static Decision leading(Situation s, StandbyCluster remote) {
        if (s.db().isRunningPrimary()) {
            Decision normal = Leading.leading(s);
            return withReason(normal, normal.reason() + "; standby_cluster (" + remote.describe() + ") is ignored:"
                    + " this cluster already runs a primary and hapg does not turn a running cluster into a standby"
                    + " cluster (remove the section, or build the standby cluster anew)");
        }
        if (s.view().failover().isPresent()) {
            FailoverRequest request = s.view().failover().get();
            Optional<Decision> handled = ManualFailover.asLeader(s, request);
            if (handled.isPresent()) {
                return adapt(s, handled.get());
            }
        }
        if (!isFollowingRemote(s)) {
            return follow(s, remote, "following the remote primary " + remote.describe()
                    + " as the standby leader: I hold the leader key");
        }
        return Decision.renew(slots(s), "no action: I am the standby leader with the lock, following the remote"
                + " primary " + remote.describe());
    }

    /**
     * Turns a decision the rules of a normal cluster made into the standby cluster's: whatever would
     * make me a primary makes me the standby leader instead; a bootstrap clones the remote.
     */
    static Decision adapt(Situation s, Decision d) {
        Optional<StandbyCluster> section = s.dcs().standbyCluster();
        if (section.isEmpty()) {
            return d;
        }
        StandbyCluster remote = section.get();
        switch (d.action()) {
            case BOOTSTRAP:
                return new Decision(Action.BOOTSTRAP, "bootstrapping a standby leader: cloning the remote primary "
                        + remote.describe() + " (standby_cluster; was: " + d.reason() + ")",
                        Optional.of(StandbyCluster.REMOTE_MEMBER), Optional.empty(), d.syncStandbys(), SlotPlan.NONE);
            case PROMOTE:
                return follow(s, remote, "becoming the standby leader instead of promoting (standby_cluster): "
                        + d.reason());
            case RESTART_PRIMARY:
                return follow(s, remote, "starting as a standby leader because I had the session lock, following "
                        + remote.describe());
            case START_REPLICA:
                if (d.target().isPresent()) {
                    return d;
                }
                // Patroni's recover(): "trying to follow a remote member because standby cluster is unhealthy".
                return Decision.of(Action.START_REPLICA, StandbyCluster.REMOTE_MEMBER, "starting PostgreSQL as a"
                        + " replica of the remote primary " + remote.describe() + ": the standby cluster has no"
                        + " leader (I will race once it runs)");
            case ACQUIRE_LEASE:
                return Decision.of(Action.WAIT, "not taking the leader key: PostgreSQL runs as a primary here and"
                        + " this is a standby cluster of " + remote.describe() + " (hapg does not demote a primary"
                        + " into a standby leader)");
            default:
                return d;
        }
    }

    /** Whether I already run as the standby leader, streaming from the remote. */
    static boolean isFollowingRemote(Situation s) {
        return s.local().role() == Role.STANDBY_LEADER
                && s.local().following().equals(Optional.of(StandbyCluster.REMOTE_MEMBER));
    }

    private static Decision follow(Situation s, StandbyCluster remote, String reason) {
        return Decision.of(Action.LEAD_STANDBY, StandbyCluster.REMOTE_MEMBER, reason);
    }

    /**
     * The standby leader's slots: one physical slot per other member (not {@code nostream}) and
     * the slots {@code member_slots_ttl} retains, as on a primary, but kept on a server in recovery
     * (the members cascade from it). Permanent slots are the remote cluster's
     * business.
     */
    private static SlotPlan slots(Situation s) {
        if (!s.dcs().useSlots()) {
            return SlotPlan.NONE;
        }
        return new SlotPlan(false, s.leaderMemberSlots(), Map.of(), s.dcs().ignoreSlots(), Map.of());
    }

    private static Decision withReason(Decision d, String reason) {
        return new Decision(d.action(), reason, d.target(), d.demoteMode(), d.syncStandbys(), d.slots());
    }
}
