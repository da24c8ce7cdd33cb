package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Member;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which member a new or re-initialized replica copies its data directory from: Patroni's
 * {@code Cluster.get_clone_member} ({@code dcs/__init__.py}). The candidates are the members
 * tagged {@code clonefrom: true} that publish a {@code conn_url} and whose PostgreSQL is
 * {@code running}, other than this member and the leader; without any, the leader.
 *
 * <p>Patroni picks a candidate at random. The decision engine has no randomness of its own, so
 * hapg picks by a hash of this member's name among the candidates sorted by name: the same inputs
 * always give the same source (a retry after a failed copy tries the same candidate, as Patroni's
 * does whenever there is only one), and several new replicas still spread over the candidates.
 */
public final class CloneSource {

    private CloneSource() {
    }

    /**
     * The member {@code me} should clone from.
     *
     * @param view the cluster as read this iteration
     * @param me   this member's name, never a candidate
     * @return a running {@code clonefrom} member, else the leader's name; empty when the cluster
     *         has no leader (nothing to clone from then)
     */
    public static Optional<String> choose(ClusterView view, String me) {
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(me, "me");
        Optional<String> leader = view.leader().map(l -> l.name());
        if (leader.isEmpty()) {
            return Optional.empty();
        }
        List<String> candidates = candidates(view, me, leader.get());
        if (candidates.isEmpty()) {
            return leader;
        }
        return Optional.of(candidates.get(Math.floorMod(me.hashCode(), candidates.size())));
    }

    /** Patroni's candidate filter: {@code m.clonefrom and m.is_running and m.name not in exclude}. */
    static List<String> candidates(ClusterView view, String me, String leader) {
        return view.members().values().stream()
                .filter(m -> m.tags().clonefrom() && !m.connUrl().isEmpty() && m.isRunning())
                .map(Member::name)
                .filter(name -> !name.equals(me) && !name.equals(leader))
                .sorted()
                .collect(Collectors.toList());
    }

    /** How a reason names the source: {@code leader pg1}, or {@code pg3 (clonefrom; leader is pg1)}. */
    static String describe(String source, String leader) {
        return source.equals(leader) ? "leader " + leader : source + " (clonefrom; leader is " + leader + ")";
    }
}
