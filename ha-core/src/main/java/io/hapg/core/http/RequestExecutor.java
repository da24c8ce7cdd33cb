package io.hapg.core.http;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP server's executor: a bounded pool of named threads ({@code ha-http-<member>-N}) plus a
 * reaper that frees threads held by clients that never finish their request.
 *
 * <p>Why the reaper: the JDK server reads a request's line and headers (and performs the TLS
 * handshake) on the executor thread, in blocking mode, once the first byte arrives. A client that
 * sends half a request and stops would pin that thread forever (Patroni #3705: silent TLS
 * clients pinned every worker and HAProxy marked the node down). Until an endpoint declares the
 * request read ({@link #requestRead()}), the reaper interrupts a task older than
 * {@code requestTimeout}; the socket channel is interruptible, so the blocked read fails, the JDK
 * closes the connection and the thread returns to the pool. Clients that connect and send nothing
 * hold no thread at all (the JDK waits for them in its selector).
 */
final class RequestExecutor implements Executor, AutoCloseable {
    private static final ThreadLocal<Task> CURRENT = new ThreadLocal<>();

    private final ThreadPoolExecutor pool;
    private final ScheduledExecutorService reaper;
    private final Set<Task> running = ConcurrentHashMap.newKeySet();
    private final long timeoutNanos;
    private final long tickMillis;
    /**
     * Whether a reap is scheduled. The reaper ticks only while requests are being read, so an idle
     * agent (a load balancer's check every few seconds) has no thread waking four times a second.
     */
    private final AtomicBoolean armed = new AtomicBoolean();

    /**
     * @param threads        the most requests handled at once
     * @param queue          the most requests waiting for a thread; beyond it the connection is closed
     * @param requestTimeout how long a client may take to send its request
     */
    RequestExecutor(String member, int threads, int queue, Duration requestTimeout) {
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(queue),
                r -> {
                    Thread t = new Thread(r, "ha-http-" + member + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ha-http-" + member + "-reaper");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        this.reaper = scheduler;
        this.timeoutNanos = requestTimeout.toNanos();
        this.tickMillis = Math.max(10, Math.min(250, requestTimeout.toMillis() / 4));
    }

    /** @throws java.util.concurrent.RejectedExecutionException when full; the JDK then closes the connection */
    @Override
    public void execute(Runnable command) {
        pool.execute(new Task(command));
    }

    /**
     * Called by the handler, on the request's thread, once the whole request (body included) is
     * in: from now on the task may take as long as its endpoint needs.
     */
    static void requestRead() {
        Task task = CURRENT.get();
        if (task != null) {
            task.markRead();
        }
    }

    private void reap() {
        long now = System.nanoTime();
        for (Task task : running) {
            task.interruptIfSlow(now, timeoutNanos);
        }
        // Disarmed before the look at running: a task added after it arms the next tick itself.
        armed.set(false);
        if (!running.isEmpty()) {
            arm();
        }
    }

    /** Whether the reaper has a tick pending: only while some request is still being read. */
    boolean reaperArmed() {
        return armed.get();
    }

    private void arm() {
        if (armed.compareAndSet(false, true)) {
            try {
                reaper.schedule(this::reap, tickMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closed) {
                armed.set(false);
            }
        }
    }

    @Override
    public void close() {
        reaper.shutdownNow();
        pool.shutdownNow();
    }

    /** One exchange on the pool, tracked until its request has been read. */
    private final class Task implements Runnable {
        private final Runnable work;
        private Thread thread;
        private long started;
        private boolean read;
        private boolean done;
        private boolean interrupted;

        Task(Runnable work) {
            this.work = work;
        }

        @Override
        public void run() {
            synchronized (this) {
                thread = Thread.currentThread();
                started = System.nanoTime();
            }
            running.add(this);
            arm();
            CURRENT.set(this);
            try {
                work.run();
            } finally {
                CURRENT.remove();
                running.remove(this);
                synchronized (this) {
                    done = true;
                    if (interrupted) {
                        // The interrupt was for this request only; the pool thread lives on.
                        Thread.interrupted();
                    }
                }
            }
        }

        synchronized void markRead() {
            read = true;
            running.remove(this);
        }

        synchronized void interruptIfSlow(long now, long timeout) {
            if (!read && !done && !interrupted && thread != null && now - started > timeout) {
                interrupted = true;
                thread.interrupt();
            }
        }
    }
}
