package io.hapg.agent.ctl;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Member;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * patronictl's {@code topology_sort}: the members as a tree, the leader at the root and each
 * replica under its upstream, which is its {@code replicatefrom} tag when that names another
 * replica, else the leader. Siblings are in name order.
 */
final class Topology {
    private Topology() {
    }

    /**
     * The members in tree order (depth first); {@code levels} receives each member's depth: 0 for
     * the leader, 1 for the replicas under it, 2 for a cascading replica's downstream... Without a
     * leader the replicas are all at level 1, as patronictl prints them. A member in a
     * {@code replicatefrom} cycle, which patronictl would leave out, is shown at level 1.
     */
    static List<Member> sort(ClusterView view, Map<String, Integer> levels) {
        List<Member> byName = view.members().values().stream().sorted(Comparator.comparing(Member::name))
                .collect(Collectors.toList());
        Optional<Member> leader = byName.stream().filter(m -> view.isLeader(m.name())).findFirst();
        Set<String> replicas = byName.stream().map(Member::name).filter(n -> !view.isLeader(n))
                .collect(Collectors.toSet());
        String root = leader.map(Member::name).orElse("");
        Map<String, List<Member>> children = new HashMap<>();
        for (Member m : byName) {
            if (view.isLeader(m.name())) {
                continue;
            }
            String parent = m.tags().replicatefrom()
                    .filter(p -> !p.equals(m.name()) && replicas.contains(p)).orElse(root);
            children.computeIfAbsent(parent, k -> new ArrayList<>()).add(m);
        }
        List<Member> out = new ArrayList<>();
        leader.ifPresent(l -> {
            out.add(l);
            levels.put(l.name(), 0);
        });
        descend(root, 1, children, out, levels);
        for (Member m : byName) {
            if (!levels.containsKey(m.name())) {
                out.add(m);
                levels.put(m.name(), 1);
            }
        }
        return out;
    }

    private static void descend(String parent, int level, Map<String, List<Member>> children, List<Member> out,
                                Map<String, Integer> levels) {
        for (Member m : children.getOrDefault(parent, List.of())) {
            out.add(m);
            levels.put(m.name(), level);
            descend(m.name(), level + 1, children, out, levels);
        }
    }
}
