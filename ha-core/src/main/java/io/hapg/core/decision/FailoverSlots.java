package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.LocalSlots;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.PermanentSlot;
import io.hapg.core.model.SlotPlan;
import io.hapg.core.model.Tags;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Patroni's failover slots ({@code postgresql/slots.py}): a replica keeps a copy of every logical
 * permanent slot, so that after a failover a consumer resumes where it was instead of at the new
 * primary's position. The copy is the slot's state file read from the primary; PostgreSQL loads
 * slot files only at start, so a copy costs a restart of the replica. Afterwards the replica
 * advances the copy to the position the primary publishes in the {@code status} key, and the copy
 * is only usable after a failover if {@code hot_standby_feedback} kept the catalog rows it needs.
 */
public final class FailoverSlots {
    /** {@code server_version_num} from which Patroni keeps logical slots on replicas. */
    static final int MIN_VERSION = 110000;

    private FailoverSlots() {
    }

    /**
     * Whether {@code hot_standby_feedback} must be on at member {@code me} (Patroni's
     * {@code should_enforce_hot_standby_feedback}, which forces the setting into
     * {@code postgresql.conf}): it keeps logical permanent slots (slots on, not {@code nofailover}),
     * or a member that cascades from it ({@code replicatefrom}, not the leader) must have it on.
     *
     * @param tags {@code me}'s tags (its member record may not be published yet)
     */
    public static boolean hotStandbyFeedback(ClusterView view, DynamicConfig dcs, String me, Tags tags) {
        return hotStandbyFeedback(view, dcs, me, tags, new HashSet<>());
    }

    private static boolean hotStandbyFeedback(ClusterView view, DynamicConfig dcs, String me, Tags tags,
                                              Set<String> seen) {
        if (!dcs.useSlots() || !seen.add(me)) {
            return false;
        }
        if (!tags.nofailover() && dcs.permanentSlots().values().stream().anyMatch(PermanentSlot::logical)) {
            return true;
        }
        String leader = view.leader().map(l -> l.name()).orElse("");
        return view.members().values().stream()
                .filter(m -> !m.name().equals(leader) && m.tags().replicatefrom().equals(Optional.of(me)))
                .anyMatch(m -> hotStandbyFeedback(view, dcs, m.name(), m.tags(), seen));
    }

    /**
     * A streaming replica's copy of missing logical slots (Patroni {@code _ensure_logical_slots_replica}):
     * the logical slots of {@code plan} absent at the last upkeep whose position the primary publishes
     * (a slot the primary has not reported yet cannot be read there either). A slot whose advance
     * finds its WAL gone counts as absent (a stale copy), as in Patroni. Unlike Patroni, which copies
     * again on every loop that finds it missing, a slot already copied from this leader is copied
     * again only once the leader publishes a later position for it (its slot moved, so a new copy
     * differs): each copy restarts PostgreSQL. Keeps the slots when the slots present are unknown
     * (before the first upkeep, just after a restart).
     *
     * @param steady the reason of the steady state, used when there is nothing to copy
     */
    static Decision copyOrKeep(Situation s, SlotPlan plan, String leader, String steady) {
        LocalSlots local = s.local().slots();
        if (local.present().isEmpty()) {
            return Decision.keepSlots(plan, steady);
        }
        Map<String, ?> present = local.present().get();
        List<PermanentSlot> missing = plan.permanent().values().stream()
                .filter(slot -> slot.logical() && !present.containsKey(slot.name())
                        && plan.positions().containsKey(slot.name()))
                .collect(Collectors.toList());
        List<PermanentSlot> copy = missing.stream()
                .filter(slot -> Optional.ofNullable(local.copies().get(slot.name()))
                        .map(c -> !c.leader().equals(leader) || plan.positions().get(slot.name()).isAfter(c.published()))
                        .orElse(true))
                .collect(Collectors.toList());
        if (copy.isEmpty()) {
            String stuck = missing.stream().map(PermanentSlot::name).collect(Collectors.joining(", "));
            return Decision.keepSlots(plan, stuck.isEmpty() ? steady : steady + " (logical slots " + stuck
                    + " still missing after a copy from " + leader + ": copying again once the primary's slot moves)");
        }
        Map<String, PermanentSlot> wanted = copy.stream()
                .collect(Collectors.toMap(PermanentSlot::name, slot -> slot, (a, b) -> a, LinkedHashMap::new));
        Map<String, Lsn> published = new LinkedHashMap<>(plan.positions());
        published.keySet().retainAll(wanted.keySet());
        return Decision.copySlots(leader, new SlotPlan(false, Set.of(), wanted, List.of(), published),
                "copying logical slots " + List.copyOf(wanted.keySet()) + " from the primary " + leader
                        + ": PostgreSQL restarts to load them");
    }

    /** Whether a replica of this version keeps logical slots (0: unknown, assumed recent). */
    static boolean supported(int serverVersion) {
        return serverVersion == 0 || serverVersion >= MIN_VERSION;
    }

    /** Member names whose slot names a logical slot must not take. */
    static Set<String> memberSlotNames(ClusterView view) {
        return view.members().values().stream().map(Member::name).map(PermanentSlot::slotName)
                .collect(Collectors.toSet());
    }
}
