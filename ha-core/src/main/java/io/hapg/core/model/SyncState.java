package io.hapg.core.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Patroni's {@code sync} key: which members may take over without losing acknowledged commits.
 *
 * @param leader       the primary that published it (empty when unset)
 * @param syncStandbys the synchronous standbys, in priority order
 * @param revision     modification revision, for compare-and-set (0 when the key is absent)
 */
public record SyncState(Optional<String> leader, List<String> syncStandbys, long revision) {
    public static final SyncState EMPTY = new SyncState(Optional.empty(), List.of(), 0);

    public SyncState {
        Objects.requireNonNull(leader, "leader");
        syncStandbys = List.copyOf(syncStandbys);
    }

    /** Whether {@code member} may promote in synchronous mode: the last leader or a listed standby. */
    public boolean allowsPromotionOf(String member) {
        return leader.map(member::equals).orElse(false) || syncStandbys.contains(member);
    }

    public boolean isEmpty() {
        return leader.isEmpty() && syncStandbys.isEmpty();
    }
}
