package io.hapg.core.model;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Patroni's {@code status} key, written by the leader on every renewal.
 *
 * @param optime the leader's last published WAL position: the reference for
 *               {@code maximum_lag_on_failover}
 * @param slots  permanent slot positions
 */
public record ClusterStatus(Optional<Lsn> optime, Map<String, Lsn> slots) {
    public static final ClusterStatus EMPTY = new ClusterStatus(Optional.empty(), Map.of());

    public ClusterStatus {
        Objects.requireNonNull(optime, "optime");
        slots = Map.copyOf(slots);
    }
}
