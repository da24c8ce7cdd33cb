package io.hapg.core.model;

import java.util.Objects;
import java.util.Optional;

/**
 * A {@code POST /failsafe} this node accepted: the leader it last saw, cut from the store, asked
 * whether it may keep running as the primary. Within {@code ttl} of it this node does not race for
 * the leader key (Patroni keeps the caller as the leader in its failsafe state for the same time),
 * so a primary that every member still confirms is not joined by a second one.
 *
 * @param leader     the caller's member name, which was the leader this node last saw
 * @param receivedAt when it was accepted, monotonic nanoseconds (the decision engine's clock)
 * @param position   this node's WAL position at that moment, as answered in the {@code lsn} header
 */
public record FailsafePing(String leader, long receivedAt, Optional<Lsn> position) {
    public FailsafePing {
        Objects.requireNonNull(leader, "leader");
        Objects.requireNonNull(position, "position");
    }
}
