package io.hapg.core.model;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * The leader's memory of when it last saw each member whose physical slot it keeps (Patroni 4's
 * {@code _last_retain_slots}, which {@code member_slots_ttl} expires): the slot of a member whose
 * key vanished stays while the member was seen within {@code member_slots_ttl}, so that a replica
 * down for a reboot resumes streaming instead of being cloned again. The HA loop holds it and
 * recomputes it each iteration with {@code io.hapg.core.decision.RetainedSlots#next} (a pure
 * function of the previous value, the view and the monotonic time); the decision engine reads it
 * from {@link LocalState} and the leader publishes its names as {@code retain_slots} in the
 * {@code status} key, from which a new leader seeds its own after a failover.
 *
 * @param term     the leader term (leader key's create revision) this memory belongs to; empty when
 *                 this node does not lead
 * @param lastSeen slot name to the monotonic time ({@code System.nanoTime} scale) its member was
 *                 last seen, or the time this node's term began for a name inherited from the
 *                 {@code status} key
 */
public record SlotRetention(OptionalLong term, Map<String, Long> lastSeen) {
    /** Not leading: nothing remembered. */
    public static final SlotRetention NONE = new SlotRetention(OptionalLong.empty(), Map.of());

    public SlotRetention {
        Objects.requireNonNull(term, "term");
        lastSeen = Map.copyOf(lastSeen);
    }

    /** The slot names to keep and to publish as {@code retain_slots}, sorted (as Patroni writes them). */
    public Set<String> names() {
        return new TreeMap<>(lastSeen).keySet();
    }
}
