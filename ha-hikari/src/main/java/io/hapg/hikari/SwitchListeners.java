package io.hapg.hikari;

import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.hikari.internal.NamedThreads;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SwitchListener}s of one pool, each called on its own executor. Events and the switch
 * bookkeeping that produces them run in order on one named thread, {@code hapg-pool-<name>-listeners}
 * ({@link #execute}): never on HikariCP's connection adder or under the pool's target lock, so a
 * listener (or a direct executor) that touches the pool or blocks cannot stall either.
 */
final class SwitchListeners implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchListeners.class);

    private record Registration(SwitchListener listener, Executor executor) {
    }

    private final String pool;
    private final List<Registration> registrations = new CopyOnWriteArrayList<>();
    private final ExecutorService dispatcher;

    SwitchListeners(String pool) {
        this.pool = pool;
        this.dispatcher = NamedThreads.single("hapg-pool-" + pool + "-listeners");
    }

    /**
     * Runs {@code task} on the listener thread after everything queued before it. The event methods
     * below are meant to be called from such a task.
     */
    void execute(Runnable task) {
        try {
            dispatcher.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("{} - switch bookkeeping failed", pool, e);
                }
            });
        } catch (RejectedExecutionException e) {
            // Closed: nobody is told any more.
        }
    }

    /** Drops what is queued and stops the listener thread. */
    @Override
    public void close() {
        dispatcher.shutdownNow();
    }

    AutoCloseable add(SwitchListener listener, Executor executor) {
        Registration r = new Registration(Objects.requireNonNull(listener, "listener"),
                Objects.requireNonNull(executor, "executor"));
        registrations.add(r);
        return () -> registrations.remove(r);
    }

    void primaryLost(Optional<PrimaryEndpoint> from, String reason, Duration locatorBlindFor, Instant at) {
        fire(l -> l.primaryLost(from, reason, locatorBlindFor, at));
    }

    void retargeted(Optional<PrimaryEndpoint> from, PrimaryEndpoint to, Instant at) {
        fire(l -> l.retargeted(from, to, at));
    }

    void switched(SwitchEvent event) {
        LOG.info("{} - switched from {} to {}: {} ms without a writable connection", pool,
                event.from().map(PrimaryEndpoint::member).orElse("none"), event.to().member(),
                event.duration().toMillis());
        fire(l -> l.switched(event));
    }

    private void fire(Consumer<SwitchListener> call) {
        for (Registration r : registrations) {
            try {
                r.executor().execute(() -> {
                    try {
                        call.accept(r.listener());
                    } catch (RuntimeException e) {
                        LOG.warn("{} - a switch listener failed", pool, e);
                    }
                });
            } catch (RuntimeException e) {
                LOG.warn("{} - a switch listener's executor refused the call: {}", pool, e.toString());
            }
        }
    }
}
