package io.hapg.core.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Patroni's {@code failover} key: a planned switchover (with {@code leader}) or a manual failover
 * (candidate only), optionally scheduled.
 *
 * @param leader      the current leader the request names (switchover), empty for a failover
 * @param candidate   the member that should take over ({@code member}); empty = best candidate
 * @param scheduledAt when to do it (wall clock, as operators give it); empty = now
 * @param revision    modification revision, for compare-and-set delete
 */
public record FailoverRequest(Optional<String> leader, Optional<String> candidate, Optional<Instant> scheduledAt,
                              long revision) {
    public FailoverRequest {
        Objects.requireNonNull(leader, "leader");
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(scheduledAt, "scheduledAt");
    }

    public boolean isSwitchover() {
        return leader.isPresent();
    }
}
