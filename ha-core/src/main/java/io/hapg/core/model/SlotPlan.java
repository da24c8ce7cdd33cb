package io.hapg.core.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The replication slots one node keeps, as the decision engine computed them (Patroni's
 * {@code get_replication_slots}). Every physical slot outside {@link #memberSlots} and
 * {@link #permanent} that no entry of {@link #ignore} matches is dropped (one in use is retried
 * later); logical slots outside {@link #permanent} are never dropped.
 *
 * @param primary     the node is the primary: logical permanent slots are created here (a replica
 *                    gets copies of them: {@code DatabaseNode.copyLogicalSlots})
 * @param memberSlots slot names of the members that stream from this node
 * @param permanent   the permanent slots to keep here, by name
 * @param ignore      {@code ignore_slots}
 * @param positions   on a replica: how far the primary's permanent slots are (the {@code status}
 *                    key); a local permanent slot is advanced to it (at most to replay); for
 *                    {@code COPY_SLOTS}: the positions published when the copy was decided
 * @param idleMemberSlots on a replica: the entries of {@link #permanent} that are other members'
 *                    slots kept for after a failover ({@code member_slots_ttl}), which nobody
 *                    streams through here. One found inactive with an {@code xmin} (left from a
 *                    time this node was primary, with {@code hot_standby_feedback}) is dropped and
 *                    made again, as Patroni does: its frozen {@code xmin} would travel upstream in
 *                    this node's feedback and hold back the primary's vacuum for good.
 */
public record SlotPlan(boolean primary, Set<String> memberSlots, Map<String, PermanentSlot> permanent,
                       List<IgnoreSlot> ignore, Map<String, Lsn> positions, Set<String> idleMemberSlots) {
    /** Nothing to keep and nothing to drop. */
    public static final SlotPlan NONE = new SlotPlan(false, Set.of(), Map.of(), List.of(), Map.of());

    public SlotPlan {
        memberSlots = Set.copyOf(memberSlots);
        permanent = Map.copyOf(permanent);
        ignore = List.copyOf(ignore);
        positions = Map.copyOf(positions);
        idleMemberSlots = Set.copyOf(idleMemberSlots);
    }

    /** A plan without {@link #idleMemberSlots}. */
    public SlotPlan(boolean primary, Set<String> memberSlots, Map<String, PermanentSlot> permanent,
                    List<IgnoreSlot> ignore, Map<String, Lsn> positions) {
        this(primary, memberSlots, permanent, ignore, positions, Set.of());
    }

    /** A primary's plan with one slot per member named and nothing else (members' slot names are derived). */
    public static SlotPlan ofMembers(Set<String> members) {
        return new SlotPlan(true, members.stream().map(PermanentSlot::slotName)
                .collect(java.util.stream.Collectors.toSet()), Map.of(), List.of(), Map.of());
    }

    /** Whether {@code ignore_slots} covers a slot with these properties. */
    public boolean ignores(String name, String type, java.util.Optional<String> database,
                           java.util.Optional<String> plugin) {
        return ignore.stream().anyMatch(i -> i.matches(name, type, database, plugin));
    }

    /** Whether there is anything to keep: a replica with an empty plan leaves its slots alone. */
    public boolean isEmpty() {
        return memberSlots.isEmpty() && permanent.isEmpty();
    }
}
