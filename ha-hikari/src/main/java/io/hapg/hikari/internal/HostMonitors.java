package io.hapg.hikari.internal;

import io.hapg.core.spi.PrimaryEndpoint;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The host monitors of every pool that shares this owner (the pools of one locator): one
 * {@link HostMonitor}, so one probe connection and one pair of threads, per primary and connection
 * settings, however many pools watch it. A monitor per pool made 100 pools open 100 probe connections
 * to a primary right after it was promoted, beside the pools' own: on a loaded 2-core machine that
 * storm made its own agent's probes time out and the agent fenced it (PrimaryFollowingIT). The
 * monitor starts with the first pool that watches the primary and stops, its connection aborted,
 * when the last one stops watching. Explicitly owned, never static: two locators in one JVM (two
 * clusters, or tests) each have their own.
 *
 * <p>Thread-safe. Events of a shared monitor reach every watcher, on the monitor's threads, in the
 * order the watchers came; a pool that starts watching a primary already found unresponsive is told
 * at once, on its own thread.
 */
public final class HostMonitors implements AutoCloseable {
    private final String name;
    private final Map<Key, Shared> monitors = new HashMap<>(); // guarded by this
    private boolean closed; // guarded by this

    /** What makes two pools' monitors the same: the primary, how to connect, how to judge. */
    private record Key(String host, int port, PgSettings settings, Duration interval, Duration timeout) {
    }

    /** One monitor and the pools watching through it. */
    private static final class Shared implements HostMonitor.Events {
        final List<HostMonitor.Events> watchers = new CopyOnWriteArrayList<>();
        volatile Optional<String> down = Optional.empty();
        HostMonitor monitor; // set once, under the owner's lock

        @Override
        public void unresponsive(PrimaryEndpoint endpoint, String why) {
            down = Optional.of(why);
            watchers.forEach(w -> w.unresponsive(endpoint, why));
        }

        @Override
        public void responsive(PrimaryEndpoint endpoint) {
            down = Optional.empty();
            watchers.forEach(w -> w.responsive(endpoint));
        }
    }

    /** @param name the owner's name: threads are {@code <name>-monitor-<host>:<port>}, probe connections {@code <name> monitor} */
    public HostMonitors(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /**
     * Watches {@code endpoint} for {@code events} with one probe connection opened with
     * {@code settings} (its application name aside), until the returned handle is closed. No I/O on
     * the calling thread.
     *
     * @throws IllegalStateException when this owner is closed
     */
    public AutoCloseable watch(PrimaryEndpoint endpoint, PgSettings settings, Duration interval, Duration timeout,
                               HostMonitor.Events events) {
        Objects.requireNonNull(events, "events");
        PgSettings shared = new PgSettings(settings.cluster(), settings.user(), settings.password(),
                settings.database(), settings.connectTimeout(), settings.socketTimeout(), name, settings.properties());
        Key key = new Key(endpoint.host(), endpoint.port(), shared, interval, timeout);
        Shared s;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException(name + ": host monitors are closed");
            }
            s = monitors.get(key);
            if (s == null) {
                Shared created = new Shared();
                created.monitor = new HostMonitor(name + "-monitor-" + endpoint.host() + ":" + endpoint.port(), shared,
                        interval, timeout, () -> Optional.of(endpoint), created);
                monitors.put(key, created);
                created.monitor.start();
                s = created;
            }
            s.watchers.add(events);
        }
        Shared watching = s;
        watching.down.ifPresent(why -> events.unresponsive(endpoint, why));
        return () -> unwatch(key, watching, events);
    }

    private void unwatch(Key key, Shared s, HostMonitor.Events events) {
        HostMonitor stop = null;
        synchronized (this) {
            if (s.watchers.remove(events) && s.watchers.isEmpty() && monitors.get(key) == s) {
                monitors.remove(key);
                stop = s.monitor;
            }
        }
        if (stop != null) {
            stop.close();
        }
    }

    /** Monitors running now (one per watched primary and settings); for tests and diagnostics. */
    public synchronized int running() {
        return monitors.size();
    }

    /** Stops every monitor; later {@link #watch} calls fail. Idempotent. */
    @Override
    public void close() {
        List<Shared> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(monitors.values());
            monitors.clear();
        }
        all.forEach(s -> s.monitor.close());
    }
}
