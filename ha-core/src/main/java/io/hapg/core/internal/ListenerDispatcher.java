package io.hapg.core.internal;

import io.hapg.core.spi.RoleChange;
import io.hapg.core.spi.RoleChangeListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers role and leader changes to listeners without ever blocking the HA loop.
 *
 * <p>Events are queued on one named thread ({@code ha-listeners-<member>}) so listeners see them
 * in order. Each listener call runs on a worker thread and is waited for at most
 * {@code timeout}; a call that throws is logged, a call that hangs is interrupted and abandoned,
 * and the next event is delivered regardless. This dispatcher owns both executors and shuts
 * them down in {@link #close()}.
 */
public final class ListenerDispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerDispatcher.class);
    private final List<RoleChangeListener> listeners;
    private final Duration timeout;
    private final ExecutorService queue;
    private final ExecutorService workers;

    public ListenerDispatcher(String member, List<RoleChangeListener> listeners, Duration timeout) {
        this.listeners = List.copyOf(listeners);
        this.timeout = timeout;
        this.queue = Executors.newSingleThreadExecutor(r -> daemon(r, "ha-listeners-" + member));
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newCachedThreadPool(r -> daemon(r, "ha-listener-call-" + member + "-"
                + n.incrementAndGet()));
    }

    /** Queues {@code roleChanged} for every listener. Returns at once. */
    public void roleChanged(RoleChange change) {
        dispatch("roleChanged", change, RoleChangeListener::roleChanged);
    }

    /** Queues {@code leaderChanged} for every listener. Returns at once. */
    public void leaderChanged(RoleChange change) {
        dispatch("leaderChanged", change, RoleChangeListener::leaderChanged);
    }

    /** Queues a lifecycle event ({@code on_start}, {@code on_stop}, ...). Returns at once. */
    public void lifecycle(String action, RoleChange context) {
        dispatch(action, context, (listener, change) -> listener.lifecycle(action, change));
    }

    private void dispatch(String what, RoleChange change, BiConsumer<RoleChangeListener, RoleChange> call) {
        if (listeners.isEmpty()) {
            return;
        }
        try {
            queue.execute(() -> {
                for (RoleChangeListener listener : listeners) {
                    deliver(what, listener, () -> call.accept(listener, change));
                }
            });
        } catch (RejectedExecutionException closed) {
            LOG.debug("listener event {} dropped: dispatcher closed", what);
        }
    }

    private void deliver(String what, RoleChangeListener listener, Runnable call) {
        Future<?> future;
        try {
            future = workers.submit(call);
        } catch (RejectedExecutionException closed) {
            return;
        }
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            LOG.warn("listener {} did not finish {} within {}: abandoned", listener, what, timeout);
        } catch (ExecutionException e) {
            LOG.warn("listener {} failed in {}: {}", listener, what, e.getCause().toString());
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
        }
    }

    /** Delivers what is queued (bounded by one timeout per event), then stops both executors. */
    @Override
    public void close() {
        queue.shutdown();
        try {
            if (!queue.awaitTermination(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                queue.shutdownNow();
            }
        } catch (InterruptedException e) {
            queue.shutdownNow();
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
    }

    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
