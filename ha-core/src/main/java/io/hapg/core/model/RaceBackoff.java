package io.hapg.core.model;

import java.util.Objects;

/**
 * A leader race this node sits out until {@code until} (monotonic nanoseconds), and why: its
 * pre_promote script vetoed its last promotion, or it has just handed the leader key over because
 * its own PostgreSQL failed (Patroni gives the others time to take the key after
 * {@code demote('immediate')}; a node that races again at once can win back the key it gave up).
 *
 * @param until monotonic nanoseconds; racing is allowed again from then on
 * @param why   for the decision's reason, e.g. {@code "pre_promote vetoed my last promotion"}
 */
public record RaceBackoff(long until, String why) {
    public RaceBackoff {
        Objects.requireNonNull(why, "why");
    }

    /** Whether the backoff still holds at {@code now}. */
    public boolean holdsAt(long now) {
        return now - until < 0;
    }
}
