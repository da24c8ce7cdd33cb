package io.hapg.core.model;

import java.time.Duration;
import java.util.Objects;

/**
 * The fast-failover settings a decision is made with (see {@code FAST-FAILOVER.md}). Not yet
 * reachable from the dynamic configuration: the {@code fast_failover} key is refused until the
 * feature is complete, so a running agent always decides with {@link #OFF}.
 *
 * @param enabled      {@code fast_failover} is on
 * @param earlyAfter   T_early: how long the leader's heartbeat must not have moved
 * @param probeTimeout the death probe's connect + socket timeout; this node's two probes must be
 *                     at least this far apart
 */
public record FastFailover(boolean enabled, Duration earlyAfter, Duration probeTimeout) {
    /** Fast failover off. */
    public static final FastFailover OFF = new FastFailover(false, Duration.ofSeconds(2), Duration.ofSeconds(1));
    private static final Duration MIN_EARLY = Duration.ofSeconds(2);
    private static final Duration ETCD_P99 = Duration.ofSeconds(1);

    public FastFailover {
        Objects.requireNonNull(earlyAfter, "earlyAfter");
        Objects.requireNonNull(probeTimeout, "probeTimeout");
        if (earlyAfter.isNegative() || earlyAfter.isZero()) {
            throw new IllegalArgumentException("earlyAfter: must be positive, got " + earlyAfter);
        }
        if (probeTimeout.isNegative() || probeTimeout.isZero()) {
            throw new IllegalArgumentException("probeTimeout: must be positive, got " + probeTimeout);
        }
    }

    /**
     * Fast failover on, with T_early = 3 heartbeat intervals + 1 s (an allowance for etcd's p99
     * write latency), at least 2 s.
     *
     * @param heartbeatInterval the leader's heartbeat interval
     * @param probeTimeout      the death probe's timeout
     */
    public static FastFailover on(Duration heartbeatInterval, Duration probeTimeout) {
        Duration early = heartbeatInterval.multipliedBy(3).plus(ETCD_P99);
        return new FastFailover(true, early.compareTo(MIN_EARLY) < 0 ? MIN_EARLY : early, probeTimeout);
    }
}
