package io.hapg.hikari;

import io.hapg.core.spi.PrimaryEndpoint;
import java.time.Instant;
import java.util.Optional;

/**
 * The bookkeeping of one {@link PrimaryDataSource}'s switches: when the primary was lost, when the
 * pool was retargeted, when the first writable connection arrived. Written by the pool thread and
 * by HikariCP's connection threads, hence synchronized.
 */
final class SwitchState {
    private record Pending(long generation, Optional<PrimaryEndpoint> from, PrimaryEndpoint to, Instant lostAt,
                           Instant retargetedAt) {
    }

    private Instant lostAt;
    private Optional<PrimaryEndpoint> lastPrimary = Optional.empty();
    private Pending pending;
    private long writableGeneration;
    private Instant writableAt = Instant.EPOCH;
    private long switches;
    private SwitchEvent last;

    synchronized void lost(Instant at, Optional<PrimaryEndpoint> from) {
        if (lostAt == null) {
            lostAt = at;
        }
        if (from.isPresent()) {
            lastPrimary = from;
        }
    }

    /** The same primary is back without a switch (e.g. a cancelled switchover). */
    synchronized void resumed() {
        lostAt = null;
    }

    /** @return the primary before this one, if the pool had one */
    synchronized Optional<PrimaryEndpoint> retargeted(long generation, PrimaryEndpoint to, Instant at) {
        Optional<PrimaryEndpoint> from = lastPrimary;
        pending = new Pending(generation, from, to, lostAt == null ? at : lostAt, at);
        lostAt = null;
        lastPrimary = Optional.of(to);
        return from;
    }

    synchronized Optional<SwitchEvent> writable(long generation, Instant at) {
        if (generation > writableGeneration) {
            writableGeneration = generation;
            writableAt = at;
        }
        return completeIfWritable();
    }

    /** The finished switch, once its generation had a writable connection; the first connect is no switch. */
    synchronized Optional<SwitchEvent> completeIfWritable() {
        if (pending == null || writableGeneration != pending.generation()) {
            return Optional.empty();
        }
        Pending p = pending;
        pending = null;
        Instant done = writableAt.isBefore(p.retargetedAt()) ? p.retargetedAt() : writableAt;
        SwitchEvent event = new SwitchEvent(p.from(), p.to(), p.lostAt(), p.retargetedAt(), done);
        if (p.from().isEmpty()) {
            return Optional.empty();
        }
        switches++;
        last = event;
        return Optional.of(event);
    }

    synchronized long switches() {
        return switches;
    }

    synchronized Optional<SwitchEvent> last() {
        return Optional.ofNullable(last);
    }
}
