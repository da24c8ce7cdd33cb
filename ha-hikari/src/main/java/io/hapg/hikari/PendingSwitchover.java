package io.hapg.hikari;

import java.util.Objects;
import java.util.Optional;

/**
 * A planned switchover announced in the {@code failover} key and due now: the primary
 * {@code from} is about to stop so that {@code to} (or the healthiest replica) takes over.
 *
 * @param from     the current leader the request names
 * @param to       the requested candidate; empty = the healthiest replica
 * @param revision the {@code failover} key's revision, to tell two announcements apart
 */
public record PendingSwitchover(String from, Optional<String> to, long revision) {
    public PendingSwitchover {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
    }
}
