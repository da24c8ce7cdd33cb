package io.hapg.core.decision;

import java.time.Instant;
import java.util.Objects;

/**
 * The moment the decision engine decides at, read once per loop iteration by the caller (the
 * engine has no clock of its own).
 *
 * @param monotonicNanos monotonic time, same source as {@code LocalState}'s deadlines: used for the
 *                       lease, {@code primary_start_timeout} and backoffs; never jumps with NTP
 * @param wall           wall-clock time: used only for the operator-given {@code scheduled_at} of a
 *                       switchover
 */
public record Now(long monotonicNanos, Instant wall) {

    public Now {
        Objects.requireNonNull(wall, "wall");
    }
}
