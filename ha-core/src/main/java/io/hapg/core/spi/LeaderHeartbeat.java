package io.hapg.core.spi;

import java.util.OptionalLong;

/**
 * Fast failover ({@code FAST-FAILOVER.md}), the old leader's side: when this node's last
 * heartbeat write that the store accepted was sent, on the monotonic clock of
 * {@link NodeStatus#loopNanos()}. A live reading, not a snapshot: the heartbeat is written by its
 * own thread between loop iterations, so the health checks read it at request time and stop
 * answering {@code /primary} 200 once it is older than T_early minus a margin. Thread-safe.
 */
@FunctionalInterface
public interface LeaderHeartbeat {
    /** No heartbeat written: fast failover is off, or this node never led with it on. */
    LeaderHeartbeat NONE = OptionalLong::empty;

    /** When the last accepted beat was sent (monotonic nanoseconds); empty before the first. */
    OptionalLong lastWrittenAt();
}
