package io.hapg.core.model;

import java.util.Objects;
import java.util.Optional;

/**
 * What this node observed of the leader's heartbeat key (fast failover): the revision it last
 * read and when, on its own monotonic clock, it first read that revision. "The heartbeat has not
 * moved for T" is then a pure check ({@link #stillFor}) against the decision engine's
 * {@code now}. A node that starts watching counts from its first read, never from before it.
 *
 * @param revision the key's modification revision last read; 0 when absent
 * @param leader   its writer; empty when absent or unreadable
 * @param term     the writer's term; 0 when absent or unreadable
 * @param movedAt  monotonic nanoseconds at which this node first read {@code revision}
 */
public record HeartbeatSeen(long revision, Optional<String> leader, long term, long movedAt) {

    public HeartbeatSeen {
        Objects.requireNonNull(leader, "leader");
    }

    /** The first observation: {@code read} at {@code now}. */
    public static HeartbeatSeen first(Heartbeat read, long now) {
        return new HeartbeatSeen(read.revision(), read.leader(), read.term(), now);
    }

    /**
     * The observation after reading {@code read} at {@code now}: unchanged while the revision
     * stands still, else moved at {@code now}.
     */
    public HeartbeatSeen next(Heartbeat read, long now) {
        return read.revision() == revision ? this : first(read, now);
    }

    /** Whether the revision seen was written by {@code current}'s holder in its term. */
    public boolean writtenIn(Leader current) {
        return revision > 0 && leader.equals(Optional.of(current.name())) && term == current.term();
    }

    /** For how long, in nanoseconds, the revision has not moved as of {@code now}. */
    public long stillFor(long now) {
        return now - movedAt;
    }
}
