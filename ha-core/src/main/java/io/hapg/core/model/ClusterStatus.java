package io.hapg.core.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Patroni's {@code status} key, written by the leader on every renewal.
 *
 * @param optime      the leader's last published WAL position: the reference for
 *                    {@code maximum_lag_on_failover}
 * @param slots       permanent slot positions
 * @param retainSlots Patroni 4's {@code retain_slots}: the member slots the leader keeps, including
 *                    those of members whose key expired less than {@code member_slots_ttl} ago (and
 *                    the leader's own, so that a new leader keeps a slot for the old one); a new
 *                    leader keeps these too
 */
public record ClusterStatus(Optional<Lsn> optime, Map<String, Lsn> slots, List<String> retainSlots) {
    public static final ClusterStatus EMPTY = new ClusterStatus(Optional.empty(), Map.of(), List.of());

    public ClusterStatus {
        Objects.requireNonNull(optime, "optime");
        slots = Map.copyOf(slots);
        retainSlots = List.copyOf(retainSlots);
    }

    /** A status without {@code retain_slots} (a leader before Patroni 4, or none to retain). */
    public ClusterStatus(Optional<Lsn> optime, Map<String, Lsn> slots) {
        this(optime, slots, List.of());
    }
}
