package io.hapg.core.model;

import java.time.Duration;
import java.util.Objects;

/**
 * The fast-failover settings a decision is made with (see {@code FAST-FAILOVER.md}), derived from
 * the dynamic configuration by {@link DynamicConfig#fastFailover()}: {@link #OFF} unless
 * {@code fast_failover} is true and {@code synchronous_mode} is on (not quorum).
 *
 * @param enabled      {@code fast_failover} is on
 * @param earlyAfter   T_early: how long the leader's heartbeat must not have moved
 * @param probeTimeout the death probe's connect + socket timeout; this node's two probes must be
 *                     at least this far apart
 */
public record FastFailover(boolean enabled, Duration earlyAfter, Duration probeTimeout) {
    /** Fast failover off. */
    public static final FastFailover OFF = new FastFailover(false, Duration.ofSeconds(2), Duration.ofSeconds(1));
    /**
     * The death probe's timeout, and so the least spacing of a candidate's two probes: 500 ms.
     * A refused connection (the postmaster is gone) answers at once whatever the timeout, so it
     * only bounds the wait on a frozen postmaster or a host that drops packets; the PostgreSQL
     * prober ({@code DeathProbe}) rounds its waits up to whole seconds, so such a probe takes
     * about 1 s. Spacing the two probes 500 ms apart keeps both inside T_early (at least 2 s).
     */
    public static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);
    private static final Duration MIN_EARLY = Duration.ofSeconds(2);
    private static final Duration ETCD_P99 = Duration.ofSeconds(1);
    private static final Duration HEALTH_MARGIN = Duration.ofMillis(500);
    private static final Duration MIN_INTERVAL = Duration.ofMillis(250);
    private static final Duration MAX_INTERVAL = Duration.ofMillis(500);

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
     * The leader's heartbeat interval for a cluster's {@code ttl}: ttl / 100, within 250–500 ms
     * (300 ms at Patroni's default ttl of 30 s), so the staleness threshold a standby uses (a few
     * beats plus etcd's p99) stays a small fraction of the ttl.
     */
    public static Duration heartbeatInterval(Duration ttl) {
        Duration d = ttl.dividedBy(100);
        return d.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL : d.compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : d;
    }

    /** Fast failover on for a cluster's {@code ttl}: {@link #heartbeatInterval} and {@link #PROBE_TIMEOUT}. */
    public static FastFailover on(Duration ttl) {
        return on(heartbeatInterval(ttl), PROBE_TIMEOUT);
    }

    /**
     * How long after its last accepted heartbeat write a leader stops answering {@code /primary}
     * 200: T_early minus a 500 ms margin. A standby takes over at the earliest T_early after it
     * first read that beat, which it cannot read before it was sent, so the old primary turns its
     * health checks 503 at least the margin before anyone may take its key.
     */
    public Duration primaryHealthyFor() {
        return earlyAfter.minus(HEALTH_MARGIN);
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
