package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Member;
import io.hapg.core.model.PermanentSlot;
import io.hapg.core.model.SlotRetention;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code member_slots_ttl} (Patroni 4's {@code AbstractDCS._build_retain_slots} and the reset in
 * {@code acquire_leader_lock}): which member slots the leader keeps although their member key
 * expired. Time is memory, so this is split in two: the HA loop holds a {@link SlotRetention} (the
 * monotonic time each member was last seen while this node led) and renews it each iteration with
 * {@link #next}, a pure function; the decision engine then keeps a slot for every name in it
 * ({@link Situation#slots}) and the leader publishes the names as {@code retain_slots} in the
 * {@code status} key. A node that takes the leader key seeds its memory from the {@code retain_slots}
 * it reads there (written by the previous leader, hapg or Patroni 4), all stamped with the start of
 * its term, as Patroni does.
 *
 * <p>Differences from Patroni: a member counts as seen when its member key is present (Patroni:
 * when its slot also exists on the leader, which hapg creates in the same iteration), and the
 * leader always lists its own slot name (Patroni only while its own member key is missing), so
 * that after a failover the new leader keeps a slot for the old primary, which rejoins through it.
 */
public final class RetainedSlots {

    private RetainedSlots() {
    }

    /**
     * The retention memory after this iteration's view.
     *
     * @param previous the memory after the last iteration
     * @param view     this iteration's cluster view
     * @param me       this member's name
     * @param dcs      the dynamic configuration in force ({@code member_slots_ttl}, {@code use_slots},
     *                 the permanent slots, which are kept anyway and so are not listed)
     * @param nowNanos the iteration's monotonic time
     * @return {@link SlotRetention#NONE} unless the view shows this member holding the leader key
     */
    public static SlotRetention next(SlotRetention previous, ClusterView view, String me, DynamicConfig dcs,
                                     long nowNanos) {
        OptionalLong term = view.leader().filter(l -> l.name().equals(me))
                .map(l -> OptionalLong.of(l.term())).orElse(OptionalLong.empty());
        if (term.isEmpty() || !dcs.useSlots()) {
            return SlotRetention.NONE;
        }
        Map<String, Long> seen = new HashMap<>();
        if (previous.term().equals(term)) {
            seen.putAll(previous.lastSeen());
        } else {
            // A new term: what the previous leader retained gets a full ttl from now (Patroni
            // acquire_leader_lock), as its last-seen times died with it.
            view.status().retainSlots().forEach(name -> seen.put(name, nowNanos));
        }
        Set<String> permanent = dcs.permanentSlots().values().stream().filter(s -> !s.logical())
                .map(PermanentSlot::name).collect(Collectors.toSet());
        view.members().values().stream().filter(m -> !m.tags().nostream()).map(Member::name)
                .map(PermanentSlot::slotName).filter(name -> !permanent.contains(name))
                .forEach(name -> seen.put(name, nowNanos));
        String mine = PermanentSlot.slotName(me);
        if (!permanent.contains(mine)) {
            seen.put(mine, nowNanos);
        }
        long ttl = dcs.memberSlotsTtl().toNanos();
        seen.values().removeIf(at -> nowNanos - at >= ttl);
        // Retention is for members that went away: one present with nostream never reads its slot,
        // which would only hold WAL on the primary for the ttl (Patroni's _get_members_slots skips it).
        view.members().values().stream().filter(m -> m.tags().nostream() && !m.name().equals(me))
                .map(Member::name).map(PermanentSlot::slotName).forEach(seen::remove);
        return new SlotRetention(term, seen);
    }
}
