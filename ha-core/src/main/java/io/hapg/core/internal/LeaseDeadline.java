package io.hapg.core.internal;

import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Role;
import io.hapg.core.spi.TimeSource;

/**
 * The one owner of this node's leader-lease deadline. It is computed from the moment the
 * successful acquisition or renewal was <em>sent</em> (monotonic clock) plus the ttl, as DESIGN.md
 * "Fencing" requires, and handed to the fences ({@link LeaseWatchdog} and, through it, the
 * {@code FenceKeeper}) in the same call, so the deadline the loop believes and the one the fences
 * enforce cannot drift apart.
 *
 * <p>Owned by {@link ActionRunner}; called on the loop thread, and on the action executor
 * ({@code ha-action-<member>}) only for the acquisition that ends a bootstrap, while the loop
 * does nothing with the lease. The watchdog's arm and disarm are thread-safe.
 */
final class LeaseDeadline {
    private final TimeSource time;
    private final LeaseWatchdog watchdog;

    LeaseDeadline(TimeSource time, LeaseWatchdog watchdog) {
        this.time = time;
        this.watchdog = watchdog;
    }

    /** Now, to be taken just before the acquisition or renewal is sent. */
    long sending() {
        return time.nanoTime();
    }

    /**
     * After a successful renewal sent at {@code sentNanos}: the new deadline, which the fences
     * enforce while {@code role} may write (PRIMARY, or CANDIDATE while promoting); in pause the
     * fences are off, as Patroni disarms its watchdog in maintenance mode.
     */
    long renewed(long sentNanos, DynamicConfig dynamic, Role role) {
        long deadline = sentNanos + dynamic.ttl().toNanos();
        if (dynamic.pause()) {
            watchdog.disarm();
        } else if (role == Role.PRIMARY || role == Role.CANDIDATE) {
            watchdog.arm(deadline);
        }
        return deadline;
    }

    /** After a successful acquisition sent at {@code sentNanos}: as a renewal, for a node about to write. */
    long acquired(long sentNanos, DynamicConfig dynamic) {
        return renewed(sentNanos, dynamic, Role.PRIMARY);
    }

    /**
     * Store unreachable, every member accepted this primary (failsafe): a ttl from
     * {@code nowNanos}, fenced as any other deadline.
     */
    long extendedByFailsafe(long nowNanos, DynamicConfig dynamic) {
        long deadline = nowNanos + dynamic.ttl().toNanos();
        watchdog.arm(deadline);
        return deadline;
    }

    /** The lease is gone or given up: nothing left to fence against. */
    void dropped() {
        watchdog.disarm();
    }
}
