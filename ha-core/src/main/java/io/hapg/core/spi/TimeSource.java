package io.hapg.core.spi;

import java.time.Instant;

/**
 * The agent's clocks, injected so tests can drive time: a monotonic clock for leases, deadlines
 * and timeouts (never affected by wall-clock jumps), and a wall clock only for what humans and
 * other processes read (timestamps in history, scheduled switchovers).
 */
public interface TimeSource {

    /** Monotonic nanoseconds, comparable only with other values from the same source. */
    long nanoTime();

    /** Wall-clock time. */
    Instant now();

    /** The JVM's clocks: {@link System#nanoTime()} and {@link Instant#now()}. */
    static TimeSource system() {
        return SystemTimeSource.INSTANCE;
    }
}

/** The JVM's clocks. Stateless, hence a shared constant. */
enum SystemTimeSource implements TimeSource {
    INSTANCE;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant now() {
        return Instant.now();
    }
}
