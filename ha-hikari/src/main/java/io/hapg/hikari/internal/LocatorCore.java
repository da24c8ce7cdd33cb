package io.hapg.hikari.internal;

import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.hikari.PendingSwitchover;
import io.hapg.hikari.ReplicaEndpoint;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both locators share: one named thread that runs the checks and delivers every
 * notification, the latest answer, and edge-triggered listeners. A check is the implementation's
 * {@code Runnable}; it reports through {@link #publish} or {@link #failed}, on the locator thread.
 */
public final class LocatorCore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocatorCore.class);

    private final String context;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean checkQueued = new AtomicBoolean();
    private final List<Listener<Optional<PrimaryEndpoint>>> primaryListeners = new CopyOnWriteArrayList<>();
    private final List<Listener<Optional<PendingSwitchover>>> switchoverListeners = new CopyOnWriteArrayList<>();
    private volatile Runnable check = () -> { };
    private volatile Runnable quickCheck = () -> { };
    private volatile Optional<PrimaryEndpoint> primary = Optional.empty();
    private volatile Optional<PendingSwitchover> switchover = Optional.empty();
    private volatile Optional<String> problem = Optional.of("not checked yet");
    private volatile List<ReplicaEndpoint> replicas = List.of();
    private volatile boolean closed;

    /** @param context for thread names and logs, e.g. {@code "shop"} */
    public LocatorCore(String threadName, String context) {
        this.context = context;
        this.executor = NamedThreads.single(threadName);
    }

    /**
     * Runs {@code periodic} now and then every {@code interval} (after the previous one ended);
     * {@link #requestCheck()} runs {@code onDemand}.
     */
    public void start(Runnable periodic, Runnable onDemand, Duration interval) {
        this.check = Objects.requireNonNull(periodic, "periodic");
        this.quickCheck = Objects.requireNonNull(onDemand, "onDemand");
        executor.scheduleWithFixedDelay(() -> run(check), 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Queues one check now unless one is already queued. Any thread; never blocks. */
    public void requestCheck() {
        if (checkQueued.compareAndSet(false, true)) {
            submit(() -> {
                checkQueued.set(false);
                run(quickCheck);
            });
        }
    }

    /** Queues a check after {@code delay}. */
    public void requestCheckAfter(Duration delay) {
        try {
            executor.schedule(this::requestCheck, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // Closed.
        }
    }

    /** Runs {@code task} on the locator thread after what is queued. */
    public void submit(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // Closed: nothing to do any more.
        }
    }

    private void run(Runnable task) {
        if (closed) {
            return;
        }
        try {
            task.run();
        } catch (RuntimeException e) {
            failed("check failed: " + e);
            LOG.warn("{} - locator check failed", context, e);
        }
    }

    /** A successful check's answer; notifies the listeners of what changed. Locator thread only. */
    public void publish(Optional<PrimaryEndpoint> newPrimary, Optional<PendingSwitchover> newSwitchover,
                        List<ReplicaEndpoint> newReplicas) {
        update(newPrimary, newSwitchover, newReplicas, Optional.empty());
    }

    private void update(Optional<PrimaryEndpoint> newPrimary, Optional<PendingSwitchover> newSwitchover,
                        List<ReplicaEndpoint> newReplicas, Optional<String> newProblem) {
        if (newProblem.isPresent() && !newProblem.equals(problem)) {
            LOG.warn("{} - {}", context, newProblem.get());
        }
        problem = newProblem;
        replicas = List.copyOf(newReplicas);
        // A new announcement before the primary's change, an ended one after it: a pool told of both in
        // one check must hold first and retarget second, and must never see "announcement over" while
        // the primary it was about to lose is still named.
        boolean switchoverChanged = !newSwitchover.equals(switchover);
        boolean primaryChanged = !newPrimary.equals(primary);
        if (switchoverChanged && newSwitchover.isPresent()) {
            announce(newSwitchover);
        }
        if (primaryChanged) {
            primary = newPrimary;
            LOG.info("{} - primary is now {}", context, newPrimary.map(p -> p.member() + " at " + p.host() + ":"
                    + p.port()).orElse("none"));
            deliver(primaryListeners, newPrimary);
        }
        if (switchoverChanged && newSwitchover.isEmpty()) {
            announce(newSwitchover);
        }
    }

    private void announce(Optional<PendingSwitchover> newSwitchover) {
        switchover = newSwitchover;
        LOG.info("{} - {}", context, newSwitchover.map(s -> "switchover announced: " + s.from() + " -> "
                + s.to().orElse("the healthiest replica")).orElse("no switchover pending"));
        deliver(switchoverListeners, newSwitchover);
    }

    /**
     * A check that could not tell; keeps the last answer (a store hiccup must not make every pool
     * drop its primary). Locator thread only.
     */
    public void failed(String why) {
        if (!problem.equals(Optional.of(why))) {
            LOG.warn("{} - {}", context, why);
        }
        problem = Optional.of(why);
    }

    /** A check that found the answer unusable (e.g. a conn_url that does not parse): no primary. */
    public void publishProblem(String why, List<ReplicaEndpoint> newReplicas) {
        update(Optional.empty(), Optional.empty(), newReplicas, Optional.of(why));
    }

    public Optional<PrimaryEndpoint> primary() {
        return primary;
    }

    public Optional<String> problem() {
        return problem;
    }

    public List<ReplicaEndpoint> replicas() {
        return replicas;
    }

    public AutoCloseable subscribePrimary(Consumer<Optional<PrimaryEndpoint>> listener) {
        return register(primaryListeners, listener, () -> primary);
    }

    public AutoCloseable subscribeSwitchovers(Consumer<Optional<PendingSwitchover>> listener) {
        return register(switchoverListeners, listener, () -> switchover);
    }

    private <T> AutoCloseable register(List<Listener<T>> list, Consumer<T> consumer,
                                       Supplier<T> current) {
        Listener<T> listener = new Listener<>(Objects.requireNonNull(consumer, "listener"));
        // Registered on the locator thread, so the first call is the current value and every later
        // call a change after it, in order.
        submit(() -> {
            if (!listener.closed) {
                listener.call(current.get(), context);
                list.add(listener);
            }
        });
        return () -> {
            listener.closed = true;
            list.remove(listener);
        };
    }

    private <T> void deliver(List<Listener<T>> list, T value) {
        for (Listener<T> listener : list) {
            listener.call(value, context);
        }
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
        primaryListeners.clear();
        switchoverListeners.clear();
    }

    public boolean isClosed() {
        return closed;
    }

    private static final class Listener<T> {
        private final Consumer<T> consumer;
        private volatile boolean closed;

        Listener(Consumer<T> consumer) {
            this.consumer = consumer;
        }

        void call(T value, String context) {
            if (closed) {
                return;
            }
            try {
                consumer.accept(value);
            } catch (RuntimeException e) {
                LOG.warn("{} - a locator listener failed", context, e);
            }
        }
    }
}
