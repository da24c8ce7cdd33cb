package io.hapg.core.testing;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A closed door that callers wait at, for at most a bound of real time, until a test opens it:
 * the mechanism behind "this call hangs". Tests learn that a caller has arrived through
 * {@link #awaitArrival}, so they never sleep to "give the loop time to get stuck".
 */
final class Gate {
    private final CountDownLatch open = new CountDownLatch(1);
    private final Semaphore arrivals = new Semaphore(0);
    private final Duration bound;

    Gate(Duration bound) {
        if (bound.isNegative()) {
            throw new IllegalArgumentException("bound must not be negative, got " + bound);
        }
        this.bound = bound;
    }

    /**
     * Waits until the gate opens or the bound passes.
     *
     * @return true if opened in time, false if the bound passed
     * @throws InterruptedException with the caller's interrupt
     */
    boolean pass() throws InterruptedException {
        arrivals.release();
        return open.await(bound.toNanos(), TimeUnit.NANOSECONDS);
    }

    void open() {
        open.countDown();
    }

    Duration bound() {
        return bound;
    }

    /** Waits (real time) until a caller has arrived at the gate since the last successful wait. */
    boolean awaitArrival(Duration timeout) {
        try {
            return arrivals.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
