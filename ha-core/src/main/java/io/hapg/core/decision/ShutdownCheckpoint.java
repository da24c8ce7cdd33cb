package io.hapg.core.decision;

import io.hapg.core.model.Lsn;
import java.util.Optional;

/**
 * When a primary that stopped cleanly may give up the leader key: once a replica has received
 * its shutdown checkpoint, that replica has every commit, so promoting it loses nothing. Used by
 * the agent shutdown rule and by the graceful demote of a switchover.
 */
public final class ShutdownCheckpoint {

    private ShutdownCheckpoint() {
    }

    /**
     * Whether the old primary may hand over to {@code member}.
     *
     * @param position  what {@code member} has received, if known
     * @param candidate the member a switchover names; empty when any replica will do
     */
    public static boolean handsOverTo(String member, Optional<Lsn> position, Lsn checkpoint,
                                      Optional<String> candidate) {
        return candidate.map(member::equals).orElse(true)
                && position.map(p -> p.compareTo(checkpoint) >= 0).orElse(false);
    }
}
