package io.hapg.hikari.internal;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * In front of HikariCP's {@code getConnection()}: closed while there is no primary, while a
 * planned switchover is announced and while the pool is being retargeted, so borrowers wait here,
 * bounded, instead of inside HikariCP (whose suspended pool blocks borrowers without a timeout).
 * Counts the borrowers that passed it and are still inside HikariCP.
 */
public final class BorrowGate {
    private boolean open;
    private boolean shut;
    private String closedBecause = "no primary known yet";
    private int inside;
    private int waiting;

    /**
     * Waits until the gate is open, at most {@code timeoutNanos}, then counts the caller inside.
     *
     * @return empty when the caller is inside (it must call {@link #exit()}); else why it stayed closed
     */
    public synchronized Optional<String> enter(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        waiting++;
        try {
            while (!open) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || shut) {
                    return Optional.of(closedBecause);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } finally {
            waiting--;
        }
        inside++;
        return Optional.empty();
    }

    public synchronized void exit() {
        inside--;
        if (inside == 0) {
            notifyAll();
        }
    }

    /** Closes for good: waiting and later borrowers are turned away at once. */
    public synchronized void shut(String why) {
        shut = true;
        close(why);
        notifyAll();
    }

    public synchronized void open() {
        if (shut) {
            return;
        }
        open = true;
        notifyAll();
    }

    public synchronized void close(String why) {
        open = false;
        closedBecause = why;
    }

    public synchronized boolean isOpen() {
        return open;
    }

    /** Borrowers waiting for the gate to open now. */
    public synchronized int waiting() {
        return waiting;
    }

    /** Why borrowers wait, while closed. */
    public synchronized String closedBecause() {
        return closedBecause;
    }

    /** Waits until no borrower is inside, at most {@code timeoutNanos}; true when none is. */
    public synchronized boolean awaitEmpty(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (inside > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }
}
