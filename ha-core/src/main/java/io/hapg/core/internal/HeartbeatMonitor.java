package io.hapg.core.internal;

import io.hapg.core.model.HeartbeatSeen;
import io.hapg.core.spi.Consensus;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.core.spi.TimeSource;
import java.util.Objects;
import java.util.Optional;

/**
 * Fast failover on a member that does not lead: reads the leader's heartbeat key
 * ({@link Consensus#readHeartbeat}) and keeps a {@link HeartbeatSeen}, the revision last read and
 * when, on this node's monotonic clock, it first read it, so that the decision engine's "stale for
 * T_early" is a pure comparison with its {@code now}.
 *
 * <p>Called on one thread only, the monitor thread of {@code EarlyFailover} (one read every
 * heartbeat interval): not thread-safe.
 * A read that fails keeps the last observation: the store being unreachable is no evidence about
 * the leader, and the takeover transaction needs the store anyway. {@link #forget} drops it (this
 * member leads, or the leader changed), so a new leader's heartbeat is counted from its first read.
 */
final class HeartbeatMonitor {
    private final Consensus consensus;
    private final TimeSource time;
    private Optional<HeartbeatSeen> seen = Optional.empty();

    HeartbeatMonitor(Consensus consensus, TimeSource time) {
        this.consensus = Objects.requireNonNull(consensus, "consensus");
        this.time = Objects.requireNonNull(time, "time");
    }

    /**
     * Reads the heartbeat key once (bounded by the consensus call's deadline) and returns the
     * updated observation; the last one when the read fails.
     */
    Optional<HeartbeatSeen> observe() {
        try {
            var read = consensus.readHeartbeat();
            long now = time.nanoTime();
            seen = Optional.of(seen.map(s -> s.next(read, now)).orElseGet(() -> HeartbeatSeen.first(read, now)));
        } catch (ConsensusUnavailableException e) {
            // Keep the last observation: see the class comment.
        }
        return seen;
    }

    /** The last observation; empty before the first successful read or after {@link #forget}. */
    Optional<HeartbeatSeen> current() {
        return seen;
    }

    /** Drops the observation. */
    void forget() {
        seen = Optional.empty();
    }
}
