package io.hapg.etcd.internal;

import java.time.Duration;

/**
 * The end of one SPI call's time budget, on the monotonic clock. Every etcd round trip the call
 * makes waits at most {@link #remainingNanos()}.
 */
public final class Deadline {
    private final long endNanos;
    private final Duration budget;

    private Deadline(Duration budget) {
        this.budget = budget;
        this.endNanos = System.nanoTime() + budget.toNanos();
    }

    public static Deadline after(Duration budget) {
        return new Deadline(budget);
    }

    /** Nanoseconds left, never negative. */
    public long remainingNanos() {
        return Math.max(0, endNanos - System.nanoTime());
    }

    public boolean expired() {
        return remainingNanos() == 0;
    }

    /** The whole budget this deadline was created with. */
    public Duration budget() {
        return budget;
    }
}
