package io.hapg.core.model;

import java.util.Objects;
import java.util.Optional;

/**
 * Where this replica's received WAL stood at its latest probe, and since when it has stood there:
 * the evidence {@code primary_race_backoff} weighs ("does WAL still arrive from a primary?").
 *
 * <p>Kept as the time of the last change rather than as the previous iteration's position
 * (Patroni's {@code _prev_wal_lsn}) because iterations are not evenly spaced: a wake-up a few
 * milliseconds after the previous probe (a key expiring, a peer's answer) sees no new WAL from a
 * primary that commits every 100 ms, and comparing those two probes would call it dead.
 *
 * @param lsn        the receive LSN of the latest probe
 * @param sinceNanos monotonic nanoseconds of the first probe that saw {@code lsn}
 */
public record ReceivedWal(Lsn lsn, long sinceNanos) {
    public ReceivedWal {
        Objects.requireNonNull(lsn, "lsn");
    }

    /**
     * After a probe at {@code nowNanos} that found {@code probed}: unchanged while the position
     * stands still, restarted when it moves (or moves back, as after a re-clone), empty when the
     * probe found none.
     */
    public static Optional<ReceivedWal> next(Optional<ReceivedWal> last, Optional<Lsn> probed, long nowNanos) {
        if (probed.isEmpty()) {
            return Optional.empty();
        }
        if (last.isPresent() && last.get().lsn().equals(probed.get())) {
            return last;
        }
        return Optional.of(new ReceivedWal(probed.get(), nowNanos));
    }

    /** How long the position has stood still at {@code nowNanos}. */
    public long stillForNanos(long nowNanos) {
        return nowNanos - sinceNanos;
    }
}
