package io.hapg.core.testing;

import io.hapg.core.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link TimeSource} that moves only when a test says so, like Resilience4j's {@code MockClock}:
 * a monotonic clock and a wall clock that {@link #advance} moves together, plus
 * {@link #setWallClock} for a wall-clock step (NTP) that leaves the monotonic clock alone.
 *
 * <p>Thread-safe: the agent loop, its watchdog and the test thread read it concurrently; every
 * reader sees both clocks from one consistent moment. Listeners registered with
 * {@link #onAdvance} run on the advancing thread after the clocks moved, outside any lock (this is
 * how {@link InMemoryStore} expires leases the moment time passes their deadline).
 */
public final class ManualClock implements TimeSource {
    /** The wall clock a new clock shows unless told otherwise. */
    public static final Instant DEFAULT_WALL_START = Instant.parse("2024-01-01T00:00:00Z");
    /** The monotonic reading a new clock shows unless told otherwise: deliberately not zero. */
    public static final long DEFAULT_NANO_START = 1_000_000_000_000L;

    private final Object lock = new Object();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private long nanos;
    private Instant wall;

    /** Starts at {@link #DEFAULT_NANO_START} and {@link #DEFAULT_WALL_START}. */
    public ManualClock() {
        this(DEFAULT_NANO_START, DEFAULT_WALL_START);
    }

    /**
     * @param startNanos the first monotonic reading; any value, e.g. just below
     *                   {@code Long.MAX_VALUE} to prove that code compares with {@code a - b < 0}
     * @param startWall  the first wall-clock reading
     */
    public ManualClock(long startNanos, Instant startWall) {
        this.nanos = startNanos;
        this.wall = Objects.requireNonNull(startWall, "startWall");
    }

    @Override
    public long nanoTime() {
        synchronized (lock) {
            return nanos;
        }
    }

    @Override
    public Instant now() {
        synchronized (lock) {
            return wall;
        }
    }

    /**
     * Moves both clocks forward by {@code duration}, then runs the {@link #onAdvance} listeners on
     * this thread.
     *
     * @throws IllegalArgumentException when {@code duration} is negative
     */
    public void advance(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative, got " + duration);
        }
        synchronized (lock) {
            nanos += duration.toNanos(); // wraps like System.nanoTime may; callers compare differences
            wall = wall.plus(duration);
        }
        for (Runnable listener : listeners) {
            listener.run();
        }
    }

    /** Steps the wall clock to {@code instant} (backwards too); the monotonic clock does not move. */
    public void setWallClock(Instant instant) {
        Objects.requireNonNull(instant, "instant");
        synchronized (lock) {
            wall = instant;
        }
    }

    /**
     * Runs {@code listener} after every {@link #advance}, on the advancing thread, until the
     * returned handle is closed. The listener must not block.
     */
    public Registration onAdvance(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** A listener registration; closing it is idempotent and never throws. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "ManualClock[nanos=" + nanos + ", wall=" + wall + "]";
        }
    }
}
