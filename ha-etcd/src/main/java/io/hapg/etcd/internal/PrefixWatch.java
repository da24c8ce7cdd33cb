package io.hapg.etcd.internal;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch on the cluster prefix that keeps a cached copy of every key and calls
 * {@code onChange} after each change it applies.
 *
 * <p>It starts, and after any loss restarts, the same way: one range read of the whole prefix
 * (replacing the cache), then a watch from the read's revision + 1, then one {@code onChange} (the
 * caller may have missed changes while the stream was down; a spurious wake-up is harmless). A
 * compacted start revision, an error or end of the stream (etcd member restart, lost connection,
 * "no leader" on a minority member, since the watch requires a leader) all lead to that restart,
 * with a backoff of 100 ms doubling to 2 s while reads fail.
 *
 * <p>Threads: jetcd delivers on gRPC/Vert.x threads; every callback is handed to the single
 * {@code executor} thread, which owns the cache and runs {@code onChange}. {@link #current()} may
 * be called from any thread.
 */
public final class PrefixWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PrefixWatch.class);
    private static final long MIN_RETRY_MS = 100;
    private static final long MAX_RETRY_MS = 2000;

    private final Watch watch;
    private final KeyLayout layout;
    private final Supplier<RangeSnapshot> reader;
    private final ScheduledExecutorService executor;
    /**
     * Keys whose change can change a member's decision (the Consensus.watch contract). members/*
     * and status are rewritten by every agent as its WAL moves: waking every loop on them would
     * make the loops wake each other for as long as the primary takes writes. The cache is kept
     * fresh for every key regardless.
     */
    private static final Set<String> DECISIVE_KEYS = Set.of("leader", "config", "initialize",
            "sync", "failover");
    private final Runnable onChange;
    private final String context;
    private final AtomicLong restarts = new AtomicLong();
    private final TreeMap<String, RawKv> cache = new TreeMap<>();
    private long revision;
    private int generation;
    private long retryMs = MIN_RETRY_MS;
    private boolean failing;
    private volatile Watch.Watcher watcher;
    private volatile RangeSnapshot current;
    private volatile boolean closed;

    /**
     * @param reader   one consistent range read of the prefix; throws when etcd is unreachable
     * @param executor a single-threaded executor owned by the caller
     */
    public PrefixWatch(Watch watch, KeyLayout layout, Supplier<RangeSnapshot> reader,
                       ScheduledExecutorService executor, Runnable onChange, String context) {
        this.watch = watch;
        this.layout = layout;
        this.reader = reader;
        this.executor = executor;
        this.onChange = onChange;
        this.context = context;
    }

    /** Reads the prefix and starts watching, on the executor; returns at once. */
    public void start() {
        submit(this::restart);
    }

    /** The cached keys, once the first read succeeded. */
    public Optional<RangeSnapshot> current() {
        return Optional.ofNullable(current);
    }

    /** How many times the watch was (re)established, for tests and diagnostics. */
    public long establishedCount() {
        return restarts.get();
    }

    /** Stops watching. Idempotent; the pending callbacks are dropped. */
    @Override
    public void close() {
        closed = true;
        closeWatcher();
    }

    private void restart() {
        if (closed) {
            return;
        }
        closeWatcher();
        int gen = ++generation;
        RangeSnapshot snapshot;
        try {
            snapshot = reader.get();
        } catch (RuntimeException e) {
            if (closed) {
                return;
            }
            if (!failing) {
                LOG.warn("{} - watch: cannot read the cluster, retrying: {}", context, e.getMessage());
            }
            failing = true;
            schedule(this::restart, retryMs);
            retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
            return;
        }
        if (failing) {
            LOG.info("{} - watch: re-established at revision {}", context, snapshot.revision());
        }
        failing = false;
        retryMs = MIN_RETRY_MS;
        cache.clear();
        snapshot.kvs().forEach(kv -> cache.put(kv.key(), kv));
        revision = snapshot.revision();
        WatchOption option = WatchOption.builder().isPrefix(true).withRevision(revision + 1)
                .withRequireLeader(true).build();
        try {
            watcher = watch.watch(layout.prefixBytes(), option, new Listener(gen));
            restarts.incrementAndGet();
            current = snapshot; // published once the watch that keeps it fresh runs
        } catch (RuntimeException e) { // the watch client is closed
            if (!closed) {
                LOG.warn("{} - watch: cannot start: {}", context, e.getMessage());
                schedule(this::restart, retryMs);
            }
            return;
        }
        fire();
    }

    private void apply(int gen, WatchResponse response) {
        if (closed || gen != generation) {
            return;
        }
        boolean decisive = false;
        for (WatchEvent event : response.getEvents()) {
            decisive |= layout.relative(event.getKeyValue().getKey()).map(DECISIVE_KEYS::contains).orElse(false);
            if (event.getEventType() == WatchEvent.EventType.PUT) {
                RawKv.of(layout, event.getKeyValue()).ifPresent(kv -> cache.put(kv.key(), kv));
            } else if (event.getEventType() == WatchEvent.EventType.DELETE) {
                layout.relative(event.getKeyValue().getKey()).ifPresent(cache::remove);
            }
            revision = Math.max(revision, event.getKeyValue().getModRevision());
        }
        revision = Math.max(revision, response.getHeader().getRevision());
        current = new RangeSnapshot(revision, cache.values().stream().collect(Collectors.toList()));
        if (decisive) {
            fire();
        }
    }

    private void lost(int gen, Throwable error) {
        if (closed || gen != generation) {
            return;
        }
        if (error instanceof CompactedException) {
            LOG.info("{} - watch: revision {} was compacted (now {}); re-reading", context, revision + 1,
                    ((CompactedException) error).getCompactedRevision());
        } else {
            LOG.info("{} - watch: stream {} ({}); re-reading", context, error == null ? "ended" : "failed",
                    error == null ? "completed" : error.getMessage());
        }
        generation++; // ignore the rest of this stream's callbacks (closing it completes it)
        closeWatcher();
        schedule(this::restart, MIN_RETRY_MS);
    }

    private void fire() {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            LOG.warn("{} - watch: change callback failed", context, e);
        }
    }

    private void closeWatcher() {
        Watch.Watcher w = watcher;
        watcher = null;
        if (w != null) {
            try {
                w.close();
            } catch (RuntimeException e) {
                LOG.debug("{} - watch: closing the old stream failed: {}", context, e.getMessage());
            }
        }
    }

    private void submit(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // Shutting down: nothing left to deliver to.
        }
    }

    private void schedule(Runnable task, long delayMs) {
        try {
            executor.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Shutting down.
        }
    }

    /** jetcd's callbacks, tagged with the generation of the stream they belong to. */
    private final class Listener implements Watch.Listener {
        private final int gen;

        Listener(int gen) {
            this.gen = gen;
        }

        @Override
        public void onNext(WatchResponse response) {
            submit(() -> apply(gen, response));
        }

        @Override
        public void onError(Throwable error) {
            submit(() -> lost(gen, error));
        }

        @Override
        public void onCompleted() {
            submit(() -> lost(gen, null));
        }
    }
}
