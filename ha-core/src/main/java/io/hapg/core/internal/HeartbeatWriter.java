package io.hapg.core.internal;

import io.hapg.core.model.FastFailover;
import io.hapg.core.spi.Consensus;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.core.spi.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fast failover (see {@code FAST-FAILOVER.md}): the leader's heartbeat, written through
 * {@link Consensus#writeHeartbeat} every {@link #interval} from this writer's own thread
 * {@code hapg-heartbeat-<member>}, never the HA loop's, so a slow loop iteration (a checkpoint, a
 * peer call) does not look like a dead leader. Each write is conditioned on the term it was
 * started for; a refused write (the term moved on) stops the beating by itself.
 *
 * <p>The HA loop calls {@link #lead} while it holds the leader key and {@link #stop} when it does
 * not; both return at once. A write that fails (the store unreachable) is a missed beat, logged
 * once per streak; the next beat tries again. {@link #close} stops the thread; the executor is
 * owned by this writer. Thread-safe.
 */
final class HeartbeatWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatWriter.class);

    private final Consensus consensus;
    private final TimeSource time;
    private final String context;
    private final String member;
    private final Duration interval;
    /** The term being beaten; 0 when not beating. */
    private final AtomicLong term = new AtomicLong();
    private ScheduledExecutorService executor; // guarded by this; created on the first lead()
    private boolean closed; // guarded by this
    private volatile boolean failing;
    /** When the last successful beat was sent (monotonic), {@link Long#MIN_VALUE} before the first. */
    private volatile long lastWrittenAt = Long.MIN_VALUE;

    /**
     * @param time     the monotonic clock {@link #lastWrittenAt} is measured on
     * @param context  {@code scope/member}, in front of every log line
     * @param member   names the thread
     * @param interval between the starts of two beats; positive
     * @throws IllegalArgumentException when {@code interval} is not positive
     */
    HeartbeatWriter(Consensus consensus, TimeSource time, String context, String member, Duration interval) {
        this.consensus = Objects.requireNonNull(consensus, "consensus");
        this.time = Objects.requireNonNull(time, "time");
        this.context = Objects.requireNonNull(context, "context");
        this.member = Objects.requireNonNull(member, "member");
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("interval: must be positive, got " + interval);
        }
        this.interval = interval;
    }

    /**
     * The heartbeat interval for a cluster's {@code ttl}: ttl / 100, within 250–500 ms (300 ms at
     * Patroni's default ttl of 30 s), so the staleness threshold a standby uses (a few beats plus
     * etcd's p99) stays a small fraction of the ttl.
     */
    static Duration interval(Duration ttl) {
        return FastFailover.heartbeatInterval(ttl);
    }

    /**
     * Beats in {@code term} from now on (the first beat at once); a no-op when already beating in
     * it, ignored after {@link #close}.
     *
     * @param term the leader key's create revision this member holds; positive
     * @throws IllegalArgumentException when {@code term} is not positive
     */
    synchronized void lead(long term) {
        if (term <= 0) {
            throw new IllegalArgumentException("term: must be positive, got " + term);
        }
        if (closed || this.term.getAndSet(term) == term) {
            return;
        }
        if (executor == null) {
            executor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "hapg-heartbeat-" + member);
                t.setDaemon(true);
                return t;
            });
            executor.scheduleAtFixedRate(this::beat, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
        }
        LOG.info("{} - writing the fast-failover heartbeat every {} ms in term {}", context, interval.toMillis(),
                term);
    }

    /** Stops beating (demotion, the key lost or released); returns at once. A beat in flight may still land. */
    void stop() {
        long was = term.getAndSet(0);
        if (was != 0) {
            LOG.info("{} - stopped the fast-failover heartbeat of term {}", context, was);
        }
    }

    /** Between the starts of two beats. */
    Duration interval() {
        return interval;
    }

    /** The term being beaten; 0 when not beating. */
    long term() {
        return term.get();
    }

    /**
     * When the last beat that the store accepted was <em>sent</em>, on the monotonic clock; empty
     * before the first. Measured from the send, not the answer, so a slow answer never makes the
     * heartbeat look younger than it is: the old side of fast failover stops answering
     * {@code /primary} 200 once this is older than T_early minus a margin.
     */
    OptionalLong lastWrittenAt() {
        long at = lastWrittenAt;
        return at == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(at);
    }

    /** One beat; never throws, so the schedule survives every failure. */
    private void beat() {
        long t = term.get();
        if (t == 0) {
            return;
        }
        try {
            long sent = time.nanoTime();
            boolean written = consensus.writeHeartbeat(t);
            if (written) {
                lastWrittenAt = sent;
            }
            if (failing) {
                failing = false;
                LOG.info("{} - heartbeat written again", context);
            }
            if (!written && term.compareAndSet(t, 0)) {
                LOG.info("{} - heartbeat refused: term {} moved on; stopped", context, t);
            }
        } catch (ConsensusUnavailableException e) {
            if (!failing) {
                failing = true;
                LOG.warn("{} - heartbeat not written: {}", context, e.getMessage());
            }
        } catch (UnsupportedOperationException e) {
            if (term.compareAndSet(t, 0)) {
                LOG.error("{} - fast_failover is on but the consensus store cannot write heartbeats ({});"
                        + " stopped", context, e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.error("{} - heartbeat failed unexpectedly", context, e);
        }
    }

    /** Stops beating and the thread, waiting up to one interval for a beat in flight. Idempotent. */
    @Override
    public void close() {
        ScheduledExecutorService owned;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            owned = executor;
        }
        stop();
        if (owned == null) {
            return;
        }
        owned.shutdownNow();
        try {
            owned.awaitTermination(interval.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
