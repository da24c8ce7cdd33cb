package io.hapg.core.model;

import java.util.Objects;

/**
 * A leader race this node sits out until {@code until} (monotonic nanoseconds), and why: its
 * pre_promote script vetoed its last promotion, or it has just handed the leader key over because
 * its own PostgreSQL failed (Patroni gives the others time to take the key after
 * {@code demote('immediate')}; a node that races again at once can win back the key it gave up).
 *
 * <p>It also ends once another member has promoted since ({@code clusterTimeline} grew): the key
 * it gave up was taken, and a later race is an ordinary one. Without that, a node that handed over
 * and then became the only eligible one (the synchronous standby of the member that took over,
 * which failed in turn) kept the cluster without a leader for the rest of its back-off.
 *
 * @param until           monotonic nanoseconds; racing is allowed again from then on
 * @param why             for the decision's reason, e.g. {@code "pre_promote vetoed my last promotion"}
 * @param clusterTimeline the cluster's timeline when the back-off began
 */
public record RaceBackoff(long until, String why, int clusterTimeline) {
    public RaceBackoff {
        Objects.requireNonNull(why, "why");
    }

    /** Whether the back-off still holds at {@code now}, with the cluster on {@code clusterTimelineNow}. */
    public boolean holdsAt(long now, int clusterTimelineNow) {
        return now - until < 0 && clusterTimelineNow <= clusterTimeline;
    }
}
