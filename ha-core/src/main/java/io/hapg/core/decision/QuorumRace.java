package io.hapg.core.decision;

import io.hapg.core.model.Lsn;
import io.hapg.core.model.PeerStatus;
import io.hapg.core.model.SyncState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The leader race in quorum commit (Patroni 4 {@code _is_healthiest_node}, QUORUM.md): some
 * {@code quorum} of the sync key's voters, besides the candidate, hold every acknowledged commit,
 * so a candidate wins only when at least {@code quorum} voters answered and none of them is ahead
 * of it ({@link LeaderRace} already made it lose to any peer ahead). A voter counts itself; a
 * non-voter may race too but needs one vote more. The key's former leader wins with no votes when
 * nobody is ahead of it. Unreachable voters give no vote. Pure.
 */
final class QuorumRace {

    private QuorumRace() {
    }

    /**
     * Why the peers that answered do not give me the quorum; empty when they do.
     *
     * @param mine     my WAL position
     * @param excluded a member left out of the race (a switchover's former leader)
     */
    static Optional<String> lacksVotes(Situation s, Lsn mine, Optional<String> excluded) {
        SyncState key = s.view().sync();
        int votes = key.syncStandbys().contains(s.me()) ? 0 : -1;
        int ahead = 0;
        List<String> voted = new ArrayList<>();
        for (PeerStatus peer : s.local().peers().values()) {
            String name = peer.name();
            if (name.equals(s.me()) || excluded.equals(Optional.of(name)) || peer.failoverPriority() <= 0
                    || peer.walPosition().isEmpty() || !key.allowsPromotionOf(name)) {
                continue;
            }
            if (peer.walPosition().get().isAfter(mine)) {
                ahead++;
            } else if (key.syncStandbys().contains(name)) {
                votes++;
                voted.add(name);
            }
        }
        if (votes >= key.quorum()) {
            return Optional.empty();
        }
        if (ahead == 0 && key.leader().equals(Optional.of(s.me()))) {
            return Optional.empty();
        }
        return Optional.of("quorum commit: " + Math.max(votes, 0) + " of the voters "
                + new TreeSet<>(key.syncStandbys()) + " confirmed I am not behind them ("
                + (voted.isEmpty() ? "none" : String.join(", ", new TreeSet<>(voted))) + ")"
                + (key.syncStandbys().contains(s.me()) ? "" : " and I am no voter myself") + ", the sync key's quorum is "
                + key.quorum());
    }
}
