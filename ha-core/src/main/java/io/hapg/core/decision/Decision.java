package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.SlotPlan;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The decision engine's answer for one iteration: one action and the one-line reason an operator
 * reads in the log ("promoting: leader key expired and I am the healthiest candidate").
 *
 * @param action        what to do
 * @param reason        why, in one line
 * @param target        the member the action is about: the leader to follow, clone or rewind
 *                      from; the candidate of a switchover
 * @param demoteMode    for {@link Action#DEMOTE}
 * @param syncStandbys  for {@link Action#SET_SYNC_STANDBYS} and {@link Action#WRITE_SYNC_KEY}
 * @param syncCount     quorum commit only (else 0): for {@link Action#SET_SYNC_STANDBYS} the n of
 *                      {@code ANY n (syncStandbys)}; for {@link Action#WRITE_SYNC_KEY} the key's {@code quorum}
 * @param slots         for {@link Action#RENEW_LEASE}: the slots the primary keeps; for
 *                      {@link Action#NONE} on a streaming replica: the slots it keeps; for
 *                      {@link Action#COPY_SLOTS}: the logical slots to copy
 */
public record Decision(Action action, String reason, Optional<String> target, Optional<DemoteMode> demoteMode,
                       List<String> syncStandbys, int syncCount, SlotPlan slots) {

    /** A decision outside quorum commit (syncCount 0). */
    public Decision(Action action, String reason, Optional<String> target, Optional<DemoteMode> demoteMode,
                    List<String> syncStandbys, SlotPlan slots) {
        this(action, reason, target, demoteMode, syncStandbys, 0, slots);
    }

    /**
     * @throws IllegalArgumentException when {@code syncCount} is negative
     */
    public Decision {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(demoteMode, "demoteMode");
        syncStandbys = List.copyOf(syncStandbys);
        Objects.requireNonNull(slots, "slots");
        if (syncCount < 0) {
            throw new IllegalArgumentException("syncCount must be >= 0, was " + syncCount);
        }
    }

    public static Decision of(Action action, String reason) {
        return new Decision(action, reason, Optional.empty(), Optional.empty(), List.of(), SlotPlan.NONE);
    }

    public static Decision of(Action action, String target, String reason) {
        return new Decision(action, reason, Optional.of(target), Optional.empty(), List.of(), SlotPlan.NONE);
    }

    public static Decision demote(DemoteMode mode, Optional<String> follow, String reason) {
        return new Decision(Action.DEMOTE, reason, follow, Optional.of(mode), List.of(), SlotPlan.NONE);
    }

    public static Decision sync(Action action, List<String> standbys, String reason) {
        return new Decision(action, reason, Optional.empty(), Optional.empty(), standbys, SlotPlan.NONE);
    }

    /**
     * A quorum commit step: {@link Action#SET_SYNC_STANDBYS} to {@code ANY count (standbys)}, or
     * {@link Action#WRITE_SYNC_KEY} with {@code standbys} as voters and {@code count} as quorum.
     */
    public static Decision quorum(Action action, int count, List<String> standbys, String reason) {
        return new Decision(action, reason, Optional.empty(), Optional.empty(), standbys, count, SlotPlan.NONE);
    }

    public static Decision renew(SlotPlan slots, String reason) {
        return new Decision(Action.RENEW_LEASE, reason, Optional.empty(), Optional.empty(), List.of(), slots);
    }

    /** A replica's steady state: nothing to do but keep its slots ({@code slots}). */
    public static Decision keepSlots(SlotPlan slots, String reason) {
        return new Decision(Action.NONE, reason, Optional.empty(), Optional.empty(), List.of(), slots);
    }

    /** A replica copies the logical slots of {@code slots} from {@code leader} and restarts to load them. */
    public static Decision copySlots(String leader, SlotPlan slots, String reason) {
        return new Decision(Action.COPY_SLOTS, reason, Optional.of(leader), Optional.empty(), List.of(), slots);
    }

    /**
     * An operator's {@code POST /reinitialize}, outside the rules: re-clone this replica from the
     * leader when {@code fromLeader} (Patroni's {@code from_leader}), else from where
     * {@link CloneSource} says (a running {@code clonefrom} member, else the leader), as Patroni's
     * {@code _do_reinitialize}.
     *
     * @throws IllegalArgumentException when {@code view} has no leader (nothing to clone from)
     */
    public static Decision reinitializeOnRequest(ClusterView view, String me, boolean fromLeader) {
        String leader = view.leader().map(l -> l.name())
                .orElseThrow(() -> new IllegalArgumentException("no leader to reinitialize from"));
        String source = fromLeader ? leader : CloneSource.choose(view, me).orElse(leader);
        return of(Action.REINITIALIZE, source, "reinitialize requested: cloning from "
                + CloneSource.describe(source, leader));
    }

    @Override
    public String toString() {
        return action + ": " + reason;
    }
}
