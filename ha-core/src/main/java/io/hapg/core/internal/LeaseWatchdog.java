package io.hapg.core.internal;

import io.hapg.core.config.WatchdogConfig;
import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.spi.TimeSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fencing that does not depend on the HA loop: while armed, a dedicated thread
 * ({@code ha-watchdog-<member>}) stops PostgreSQL when the lease deadline is near, even if the
 * loop is stuck in a call. Two writable primaries must never accept commits at once; another
 * member can only take the key after the lease expired in the store, and the store's lease
 * started no earlier than when our last successful renewal was sent, so stopping before
 * {@code deadline - margin} fences us in time.
 *
 * <p>The stop is a fast shutdown; if it has not finished within half the margin, PostgreSQL is
 * killed. The loop arms the watchdog after every successful renewal and disarms it when it stops
 * being primary or in pause.
 *
 * <p>A thread cannot fence for a JVM that is frozen or dead; with {@code watchdog.mode} automatic
 * (the default) or required, and a database that offers a {@link DatabaseNode#fenceCommand()},
 * every arm and disarm is mirrored to a {@link FenceKeeper} process, which fences at
 * {@code deadline - margin / 2} (after this thread, so a live agent always stops PostgreSQL
 * cleanly first), or at once when the agent dies while armed.
 */
public final class LeaseWatchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseWatchdog.class);
    private static final long DISARMED = Long.MIN_VALUE;
    /**
     * The longest sleep while armed on an injected clock, which can jump (tests): on the system
     * clock the thread sleeps exactly until the fence time instead, and while disarmed it sleeps
     * until armed, so an idle agent's watchdog does not wake 50 times a second.
     */
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final String member;
    private final DatabaseNode database;
    private final TimeSource time;
    private final Duration margin;
    private final AtomicLong fenceAt = new AtomicLong(DISARMED);
    private final AtomicBoolean fenced = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private final WatchdogConfig.Mode mode;
    private final boolean realClock;
    private volatile FenceKeeper keeper;

    /**
     * @param margin how long before the deadline to stop PostgreSQL
     * @param mode   whether to start the out-of-process {@link FenceKeeper} ({@code watchdog.mode})
     */
    public LeaseWatchdog(String member, DatabaseNode database, TimeSource time, Duration margin,
                         WatchdogConfig.Mode mode) {
        this.member = member;
        this.database = database;
        this.time = time;
        this.margin = margin;
        this.mode = mode;
        this.realClock = time == TimeSource.system();
        this.thread = new Thread(this::run, "ha-watchdog-" + member);
        this.thread.setDaemon(true);
    }

    /**
     * Starts the thread and, unless {@code watchdog.mode} is off, the fence keeper.
     *
     * @throws IllegalStateException in mode required when the keeper cannot start (no fence
     *                               command, no bash), naming why
     */
    public void start() {
        if (mode != WatchdogConfig.Mode.OFF) {
            Optional<List<String>> command = database.fenceCommand();
            try {
                if (command.isEmpty()) {
                    throw new IllegalStateException(database + " offers no fence command");
                }
                keeper = FenceKeeper.start(member, command.get());
            } catch (IllegalStateException e) {
                if (mode == WatchdogConfig.Mode.REQUIRED) {
                    throw new IllegalStateException(member + ": watchdog.mode is required but the fence keeper"
                            + " cannot run: " + e.getMessage(), e);
                }
                LOG.warn("{}: no out-of-process fence ({}); a frozen or killed agent cannot stop PostgreSQL",
                        member, e.getMessage());
            }
        }
        thread.start();
    }

    /** Fence at {@code leaseDeadlineNanos - margin} unless re-armed or disarmed before. */
    public void arm(long leaseDeadlineNanos) {
        long at = leaseDeadlineNanos - margin.toNanos();
        long before = fenceAt.getAndSet(at);
        // A later deadline needs no wake-up: the thread wakes at the earlier one and sleeps on.
        if (before == DISARMED || at - before < 0) {
            LockSupport.unpark(thread);
        }
        if (keeper != null) {
            keeper.arm(leaseDeadlineNanos - margin.toNanos() / 2 - time.nanoTime());
        }
    }

    public void disarm() {
        fenceAt.set(DISARMED);
        if (keeper != null) {
            keeper.disarm();
        }
    }

    /**
     * Fences now, on the calling thread, and disarms: for a loop that died and will renew the
     * lease no more. The out-of-process fence stays armed until PostgreSQL has been stopped.
     */
    public void fenceNow(String why) {
        fenceAt.set(DISARMED);
        fence(why);
        if (keeper != null) {
            keeper.disarm();
        }
    }

    /**
     * Patroni's {@code Watchdog.is_healthy}: always true unless {@code watchdog.mode} is required;
     * then whether the out-of-process fence can fence ({@link FenceKeeper#isHealthy}). False is
     * reported as {@code watchdog_failed} in the status documents.
     */
    public boolean isHealthy() {
        FenceKeeper k = keeper;
        return mode != WatchdogConfig.Mode.REQUIRED || k != null && k.isHealthy();
    }

    public boolean isArmed() {
        return fenceAt.get() != DISARMED;
    }

    /** True once if the watchdog fenced since the last call: the loop then treats itself as demoted. */
    public boolean takeFenced() {
        return fenced.getAndSet(false);
    }

    private void run() {
        while (running.get()) {
            long at = fenceAt.get();
            if (at == DISARMED) {
                LockSupport.park(this); // arm() and close() wake it
                continue;
            }
            long left = at - time.nanoTime();
            if (left <= 0) {
                if (fenceAt.compareAndSet(at, DISARMED)) {
                    fence("lease deadline is " + margin + " away and was not renewed");
                }
                continue;
            }
            LockSupport.parkNanos(this, realClock ? left : Math.min(left, TICK_NANOS));
        }
    }

    private void fence(String why) {
        LOG.warn("{}: {}: fencing PostgreSQL (fast stop)", member, why);
        CompletableFuture<Void> fast = CompletableFuture.runAsync(() -> database.stop(StopMode.FAST),
                r -> new Thread(r, "ha-watchdog-stop-" + member).start());
        try {
            fast.get(Math.max(1, margin.toMillis() / 2), TimeUnit.MILLISECONDS);
        } catch (Exception slowOrFailed) {
            LOG.warn("{}: fast stop did not finish within {} ms ({}): killing PostgreSQL", member,
                    margin.toMillis() / 2, slowOrFailed.toString());
            try {
                database.stop(StopMode.KILL);
            } catch (RuntimeException e) {
                LOG.error("{}: could not kill PostgreSQL while fencing: {}", member, e.toString());
            }
        }
        fenced.set(true);
    }

    @Override
    public void close() {
        if (keeper != null) {
            keeper.close();
        }
        running.set(false);
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
