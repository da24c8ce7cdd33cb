package io.hapg.core.model;

import java.util.Objects;
import java.util.Optional;

/**
 * One row of {@code pg_stat_replication} on a primary.
 *
 * @param applicationName the standby's {@code application_name}: its member name
 * @param state           {@code streaming}, {@code catchup}, ...
 * @param syncState       {@code async}, {@code sync}, {@code potential}, {@code quorum}
 * @param flushLsn        what the standby has flushed
 * @param replayLsn       what the standby has replayed
 */
public record ReplicationPeer(String applicationName, String state, String syncState, Optional<Lsn> flushLsn,
                              Optional<Lsn> replayLsn) {
    public ReplicationPeer {
        Objects.requireNonNull(applicationName, "applicationName");
        state = state == null ? "" : state;
        syncState = syncState == null ? "" : syncState;
        Objects.requireNonNull(flushLsn, "flushLsn");
        Objects.requireNonNull(replayLsn, "replayLsn");
    }

    public boolean isStreaming() {
        return "streaming".equals(state);
    }
}
