package io.hapg.etcd;

import io.etcd.jetcd.Watch;
import io.hapg.etcd.internal.KeyLayout;
import io.hapg.etcd.internal.PrefixWatch;
import io.hapg.etcd.internal.RangeSnapshot;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * The callbacks registered through {@link EtcdConsensus#watch}: one {@link PrefixWatch} and one
 * named thread serve them all. The watch starts with the first registration and stops when the
 * last handle is closed.
 */
final class Watches implements AutoCloseable {
    private final Watch watch;
    private final KeyLayout layout;
    private final Supplier<RangeSnapshot> reader;
    private final String context;
    private final List<Registration> registrations = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService executor; // guarded by this
    private PrefixWatch active; // guarded by this
    private boolean closed; // guarded by this

    Watches(Watch watch, KeyLayout layout, Supplier<RangeSnapshot> reader, String context) {
        this.watch = watch;
        this.layout = layout;
        this.reader = reader;
        this.context = context;
    }

    synchronized AutoCloseable add(Runnable onChange) {
        if (closed) {
            throw new IllegalStateException(context + " - etcd consensus is closed");
        }
        Registration registration = new Registration(onChange);
        registrations.add(registration);
        if (active == null) {
            if (executor == null) {
                String name = "hapg-etcd-watch-" + context.replace('/', '-');
                executor = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, name);
                    t.setDaemon(true);
                    return t;
                });
            }
            active = new PrefixWatch(watch, layout, reader, executor, this::fire, context);
            active.start();
        }
        return registration;
    }

    synchronized Optional<RangeSnapshot> current() {
        return active == null ? Optional.empty() : active.current();
    }

    /** How many times the running watch was established (1 + restarts); 0 when none runs. */
    synchronized long establishedCount() {
        return active == null ? 0 : active.establishedCount();
    }

    @Override
    public synchronized void close() {
        closed = true;
        registrations.clear();
        if (active != null) {
            active.close();
            active = null;
        }
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    private void fire() {
        for (Registration r : registrations) {
            r.onChange.run();
        }
    }

    private synchronized void remove(Registration registration) {
        if (registrations.remove(registration) && registrations.isEmpty() && active != null) {
            active.close();
            active = null;
        }
    }

    private final class Registration implements AutoCloseable {
        private final Runnable onChange;

        Registration(Runnable onChange) {
            this.onChange = onChange;
        }

        @Override
        public void close() {
            remove(this);
        }
    }
}
