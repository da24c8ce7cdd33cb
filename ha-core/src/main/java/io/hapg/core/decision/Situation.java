package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Member;
import io.hapg.core.model.Tags;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.PermanentSlot;
import io.hapg.core.model.SlotPlan;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Everything one decision is made from, and the facts several rules derive from it. Read-only:
 * the rules are static methods over one situation.
 *
 * @param dcs the dynamic configuration in force: the store's {@code config} key, else
 *            {@code self.bootstrapDcs()}
 */
record Situation(ClusterView view, LocalState local, Self self, DynamicConfig dcs, Now now) {

    static Situation of(ClusterView view, LocalState local, Self self, Now now) {
        return new Situation(view, local, self, view.effectiveConfig(self.bootstrapDcs()), now);
    }

    DatabaseState db() {
        return local.database();
    }

    String me() {
        return self.name();
    }

    Tags myTags() {
        return self.tags();
    }

    boolean iAmLeader() {
        return view.isLeader(me());
    }

    /** Synchronous mode is on and active: the leader has published a sync key (Patroni sync_mode_is_active). */
    boolean syncActive() {
        return dcs.synchronousMode() && !view.sync().isEmpty();
    }

    /** Quorum commit is on and active: the leader has published a sync key (Patroni quorum_commit_mode_is_active). */
    boolean quorumActive() {
        return dcs.quorumCommit() && !view.sync().isEmpty();
    }

    /** Who synchronous mode lets take over: the sync key's members while it is active, else anyone. */
    Predicate<String> synchronousGate() {
        return syncActive() ? view.sync()::allowsPromotionOf : name -> true;
    }

    /** The {@code replicatefrom} member, when it exists, runs and is not me. */
    Optional<String> replicationSource() {
        return myTags().replicatefrom()
                .filter(name -> !name.equals(me()))
                .filter(name -> view.member(name).map(Member::isRunning).orElse(false));
    }

    /**
     * Whether WAL reaches me by streaming from the primary, directly or through my
     * {@code replicatefrom} chain: false when I, or a member on that chain, is tagged
     * {@code nostream} (Patroni's {@code get_slot_name_on_primary} returns None then), or when the
     * chain loops. Such a node sends the primary no feedback, so a logical slot on it is unsafe.
     */
    boolean streamsFromPrimary() {
        Set<String> seen = new LinkedHashSet<>();
        String name = me();
        Tags tags = myTags();
        while (seen.add(name)) {
            if (tags.nostream()) {
                return false;
            }
            String current = name;
            Optional<Member> upstream = tags.replicatefrom().filter(r -> !r.equals(current)).flatMap(view::member);
            if (upstream.isEmpty()) {
                return true;
            }
            name = upstream.get().name();
            tags = upstream.get().tags();
        }
        return false;
    }

    /** Other members that could promote now, by Patroni's takeover rule (never a manual failover's exemption). */
    List<String> failoverCandidates(Optional<String> exclude) {
        return otherMembers().stream()
                .filter(name -> !exclude.equals(Optional.of(name)))
                .filter(name -> Takeover.problems(view, name, false, synchronousGate()).isEmpty())
                .collect(Collectors.toList());
    }

    /**
     * The physical slots a leader keeps for the other members: one per member, except a member
     * tagged {@code nostream} (Patroni's {@code _get_members_slots}).
     */
    Set<String> memberSlots() {
        return otherMembers().stream()
                .filter(name -> !view.member(name).map(m -> m.tags().nostream()).orElse(false))
                .map(PermanentSlot::slotName)
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /**
     * The member slots a leader (primary or standby leader) keeps: {@link #memberSlots}, plus the
     * slots of members seen within {@code member_slots_ttl} whether or not their key is still
     * there (Patroni's {@code retain_slots} in {@code _get_members_slots}; none on a
     * {@code nofailover} node, as there).
     */
    Set<String> leaderMemberSlots() {
        Set<String> members = memberSlots();
        if (!myTags().nofailover()) {
            local.retention().names().stream().filter(name -> !name.equals(PermanentSlot.slotName(me())))
                    .forEach(members::add);
        }
        return members;
    }

    List<String> otherMembers() {
        return view.members().keySet().stream().filter(name -> !name.equals(me())).sorted()
                .collect(Collectors.toList());
    }

    /**
     * The primary's slots (Patroni {@code get_replication_slots} for a primary): one physical slot
     * per other member, and every permanent slot except a physical one named like me. A logical
     * permanent slot named like a member is that member's physical slot, not a logical one. With
     * {@code use_slots: false}, none. A member tagged {@code nostream} gets no slot (Patroni's
     * {@code _get_members_slots}): it never streams, and a slot nobody reads would keep WAL on the
     * primary forever. A member whose key expired keeps its slot for {@code member_slots_ttl}
     * ({@link RetainedSlots}).
     */
    SlotPlan slots() {
        if (!dcs.useSlots()) {
            return SlotPlan.NONE;
        }
        Set<String> members = leaderMemberSlots();
        Map<String, PermanentSlot> permanent = new LinkedHashMap<>();
        dcs.permanentSlots().forEach((name, slot) -> {
            if (slot.logical() ? !members.contains(name) : !name.equals(PermanentSlot.slotName(me()))) {
                permanent.put(name, slot);
            }
        });
        return new SlotPlan(true, members, permanent, dcs.ignoreSlots(), Map.of());
    }

    /**
     * A replica's slots: those of the members that stream from me ({@code replicatefrom}, not
     * {@code nostream}), the
     * permanent physical slots except one named like me, and (PostgreSQL 11 and later) the
     * logical permanent slots except one named like a member's slot, all to be advanced to the
     * positions the leader publishes in the {@code status} key (Patroni 3.1 and later keep
     * permanent physical slots on replicas so that a consumer finds its slot after a failover; a
     * logical one is copied from the primary first: {@link FailoverSlots}). A replica that may
     * never be promoted ({@code nofailover}) keeps no permanent slot, as in Patroni: no consumer
     * will ever find it there. Nor does a node that does not stream from the primary
     * ({@link #streamsFromPrimary}: {@code nostream}) keep a logical one, as Patroni's
     * {@code _get_permanent_slots}: without feedback to the primary its catalog rows may be gone.
     * With {@code member_slots_ttl} above 0 it also keeps, as physical slots advanced the same way,
     * one for every other member ({@link #keptMemberSlots}).
     */
    SlotPlan replicaSlots() {
        if (!dcs.useSlots()) {
            return SlotPlan.NONE;
        }
        String leader = view.leader().map(l -> l.name()).orElse("");
        Set<String> members = view.members().values().stream()
                .filter(m -> !m.name().equals(me()) && !m.name().equals(leader))
                .filter(m -> m.tags().replicatefrom().equals(Optional.of(me())) && !m.tags().nostream())
                .map(m -> PermanentSlot.slotName(m.name())).collect(Collectors.toCollection(LinkedHashSet::new));
        Map<String, PermanentSlot> permanent = new LinkedHashMap<>();
        Map<String, PermanentSlot> configured = myTags().nofailover() ? Map.of() : dcs.permanentSlots();
        Set<String> memberSlotNames = FailoverSlots.memberSlotNames(view);
        boolean logicalSafe = streamsFromPrimary();
        configured.forEach((name, slot) -> {
            boolean keep = slot.logical()
                    ? logicalSafe && FailoverSlots.supported(db().serverVersion()) && !memberSlotNames.contains(name)
                    : !name.equals(PermanentSlot.slotName(me())) && !members.contains(name);
            if (keep) {
                permanent.put(name, slot);
            }
        });
        Set<String> idle = new LinkedHashSet<>();
        keptMemberSlots(members).stream().filter(name -> permanent.putIfAbsent(name, PermanentSlot.physical(name)) == null)
                .forEach(idle::add);
        Map<String, Lsn> positions = new LinkedHashMap<>(view.status().slots());
        positions.keySet().retainAll(permanent.keySet());
        return new SlotPlan(false, members, permanent, dcs.ignoreSlots(), positions, idle);
    }

    /**
     * The slots a replica keeps for members that do not stream from it, so that whichever node is
     * promoted already holds every member's WAL (Patroni 4's {@code _get_members_slots} when
     * {@code member_slots_ttl} is above 0 and PostgreSQL can advance slots, 11 and later): one per
     * other member (the leader's too) except a {@code nostream} one, plus the names the leader
     * retains in the {@code status} key; a {@code nofailover} replica, never promoted, keeps none.
     * They are advanced like permanent physical slots, to the positions the leader publishes.
     *
     * @param streaming the slots of members streaming from me, kept (and used) already
     */
    private Set<String> keptMemberSlots(Set<String> streaming) {
        if (dcs.memberSlotsTtl().isZero() || !FailoverSlots.supported(db().serverVersion())
                || myTags().nofailover()) {
            return Set.of();
        }
        String mine = PermanentSlot.slotName(me());
        Set<String> kept = new LinkedHashSet<>(memberSlots());
        kept.addAll(view.status().retainSlots());
        kept.remove(mine);
        kept.removeAll(streaming);
        // memberSlots() already leaves nostream members out; the leader's retain_slots names may not.
        view.members().values().stream().filter(m -> m.tags().nostream()).map(m -> PermanentSlot.slotName(m.name()))
                .forEach(kept::remove);
        return kept;
    }

    String nofailoverWhy() {
        boolean flag = myTags().with("failover_priority", 1).nofailover();
        return flag ? "nofailover tag set" : "failover_priority is " + myTags().failoverPriority();
    }

    String processWord() {
        switch (db().process()) {
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
}
