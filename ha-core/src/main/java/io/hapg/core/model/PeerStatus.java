package io.hapg.core.model;

import java.util.Objects;
import java.util.Optional;

/**
 * What another member's agent answered on {@code GET /patroni} during a leader race. Peers that
 * did not answer in time are simply absent, as in Patroni.
 *
 * @param name             the member
 * @param role             Patroni wire role ({@code primary}, {@code replica}, ...)
 * @param state            Patroni state ({@code running}, ...)
 * @param walPosition      its received/replayed LSN (replica) or current LSN (primary)
 * @param timeline         its timeline, 0 if unknown
 * @param failoverPriority its {@code failover_priority} (0 = never)
 */
public record PeerStatus(String name, String role, String state, Optional<Lsn> walPosition, int timeline,
                         int failoverPriority) {
    public PeerStatus {
        Objects.requireNonNull(name, "name");
        role = role == null ? "" : role;
        state = state == null ? "" : state;
        Objects.requireNonNull(walPosition, "walPosition");
    }

    /** Reports a running primary (not in recovery). */
    public boolean isRunningPrimary() {
        return ("primary".equals(role) || "master".equals(role)) && Member.STATE_RUNNING.equals(state);
    }
}
