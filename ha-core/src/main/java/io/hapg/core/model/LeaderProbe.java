package io.hapg.core.model;

import java.util.Objects;

/**
 * One full PostgreSQL protocol probe (connect, {@code SELECT 1}, with connect and socket
 * timeouts) of the leader's PostgreSQL, for fast failover: made by this node, or by another member
 * on this node's behalf ({@code POST /hapg/probe-leader}).
 *
 * @param by      the member that probed
 * @param outcome what it found
 * @param at      monotonic nanoseconds on <em>this</em> node's clock when the outcome was received
 */
public record LeaderProbe(String by, Outcome outcome, long at) {

    /** What one probe found. */
    public enum Outcome {
        /** The leader's PostgreSQL answered the query. */
        ANSWERED,
        /** No answer within the timeouts: connection refused, or accepted but never answered (frozen). */
        NOT_ANSWERING,
        /** The member asked to probe could not be reached or failed: counts as "alive". */
        VOTER_UNREACHABLE
    }

    public LeaderProbe {
        Objects.requireNonNull(by, "by");
        Objects.requireNonNull(outcome, "outcome");
    }
}
