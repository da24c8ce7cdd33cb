package io.hapg.core.model;

import java.util.Objects;
import java.util.Optional;

/**
 * The leader's heartbeat key as one read found it (fast failover, see {@code FAST-FAILOVER.md}).
 * The leader rewrites it every few hundred milliseconds, conditioned on its term, so its
 * modification revision moves while the leader's agent runs and reaches the store; a lease
 * keep-alive moves no revision, which is why the lease cannot serve as this evidence.
 *
 * @param revision the key's modification revision; 0 when the key is absent
 * @param leader   the member that wrote it; empty when absent or unreadable
 * @param term     the leader key's create revision the writer held when it wrote it; 0 when absent
 *                 or unreadable
 */
public record Heartbeat(long revision, Optional<String> leader, long term) {
    /** No heartbeat key. */
    public static final Heartbeat ABSENT = new Heartbeat(0, Optional.empty(), 0);

    public Heartbeat {
        Objects.requireNonNull(leader, "leader");
        if (revision < 0) {
            throw new IllegalArgumentException("revision: must be >= 0, got " + revision);
        }
        if (term < 0) {
            throw new IllegalArgumentException("term: must be >= 0, got " + term);
        }
    }

    /** Whether it was written by {@code leader} in {@code term} (the leader key's create revision). */
    public boolean writtenIn(Leader current) {
        return revision > 0 && leader.equals(Optional.of(current.name())) && term == current.term();
    }
}
