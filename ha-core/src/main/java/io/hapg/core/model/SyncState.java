package io.hapg.core.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Patroni's {@code sync} key: which members may take over without losing acknowledged commits.
 * In {@code synchronous_mode: on} the listed standbys are the synchronous ones and {@code quorum}
 * is 0. In quorum commit ({@code synchronous_mode: quorum}, Patroni 4) the listed standbys are the
 * <em>voters</em> and {@code quorum} is how many of them (besides itself) a candidate must see not
 * ahead of it in the leader race (see QUORUM.md).
 *
 * @param leader       the primary that published it (empty when unset)
 * @param syncStandbys the synchronous standbys (quorum mode: the voters), in priority order
 * @param quorum       Patroni 4's {@code quorum} field: 0 outside quorum mode or when absent
 * @param revision     modification revision, for compare-and-set (0 when the key is absent)
 */
public record SyncState(Optional<String> leader, List<String> syncStandbys, int quorum, long revision) {
    public static final SyncState EMPTY = new SyncState(Optional.empty(), List.of(), 0);

    /**
     * @throws IllegalArgumentException when {@code quorum} is negative
     */
    public SyncState {
        Objects.requireNonNull(leader, "leader");
        syncStandbys = List.copyOf(syncStandbys);
        if (quorum < 0) {
            throw new IllegalArgumentException("quorum must be >= 0, was " + quorum);
        }
    }

    /** A key of {@code synchronous_mode: on}: quorum 0. */
    public SyncState(Optional<String> leader, List<String> syncStandbys, long revision) {
        this(leader, syncStandbys, 0, revision);
    }

    /** Whether {@code member} may promote in synchronous mode: the last leader or a listed standby. */
    public boolean allowsPromotionOf(String member) {
        return leader.map(member::equals).orElse(false) || syncStandbys.contains(member);
    }

    public boolean isEmpty() {
        return leader.isEmpty() && syncStandbys.isEmpty();
    }
}
