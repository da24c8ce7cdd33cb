package io.hapg.core.model;

import java.util.Objects;
import java.util.Optional;

/**
 * One line of Patroni's {@code history} key: {@code [timeline, lsn, reason, timestamp, new_leader]}
 * — the timeline that ended at {@code lsn}.
 */
public record HistoryEntry(int timeline, Lsn lsn, String reason, Optional<String> timestamp,
                           Optional<String> newLeader) {
    public HistoryEntry {
        Objects.requireNonNull(lsn, "lsn");
        reason = reason == null ? "" : reason;
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(newLeader, "newLeader");
    }
}
