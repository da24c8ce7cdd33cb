package io.hapg.core.decision;

import io.hapg.core.decision.QuorumStep.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Quorum commit's ordering rule ({@code synchronous_mode: quorum}, Patroni 4's
 * {@code QuorumStateResolver}; QUORUM.md): the ordered steps that take
 * {@code synchronous_standby_names = ANY numsync (sync)} and the sync key's {@code quorum} of
 * {@code voters} from their current values to the wanted ones without ever breaking the invariant
 * of {@link #check}: any set of standbys that can acknowledge a commit overlaps any set that can
 * elect a new leader. Increases come first and decreases last; steps of the same kind in a row are
 * merged (nobody observed the first). Pure: no I/O; one instance per call, discarded afterwards.
 */
final class QuorumSteps {
    private String leader;
    private int quorum;
    private Set<String> voters;
    private int numsync;
    private Set<String> sync;
    private int confirmed;
    private final Set<String> active;
    private final int wanted;
    private final String leaderWanted;
    private final List<QuorumStep> steps = new ArrayList<>();

    /**
     * The state the plan starts from.
     *
     * @param leader       the sync key's leader
     * @param quorum       the sync key's quorum
     * @param voters       the sync key's standbys (the voters)
     * @param numsync      n of {@code ANY n (...)} in the primary's setting (capped at the names' count)
     * @param sync         the names in the setting
     * @param confirmed    how many of {@code sync} are known to have flushed the position of the last
     *                     change of the setting
     * @param active       the standbys that stream, may be synchronous and do not lag too far
     * @param wanted       {@code synchronous_node_count}
     * @param leaderWanted this node (differs from {@code leader} right after a failover)
     */
    record Input(String leader, int quorum, Set<String> voters, int numsync, Set<String> sync, int confirmed,
                 Set<String> active, int wanted, String leaderWanted) {
        Input {
            Objects.requireNonNull(leader, "leader");
            Objects.requireNonNull(leaderWanted, "leaderWanted");
            voters = Set.copyOf(voters);
            sync = Set.copyOf(sync);
            active = Set.copyOf(active);
        }
    }

    private QuorumSteps(Input in) {
        leader = in.leader();
        quorum = in.quorum();
        voters = new TreeSet<>(in.voters());
        sync = new TreeSet<>(in.sync());
        numsync = Math.min(in.numsync(), sync.size());
        confirmed = in.confirmed();
        active = new TreeSet<>(in.active());
        wanted = in.wanted();
        leaderWanted = in.leaderWanted();
    }

    /**
     * The ordered steps from {@code in} to the wanted state; empty when it is reached. The list ends
     * at the first {@link Kind#RESTART}. Every step keeps the invariant ({@link #check}).
     *
     * @throws IllegalStateException when no safe step exists from {@code in} (the message says why);
     *                               the caller writes nothing and retries with fresh state
     */
    static List<QuorumStep> plan(Input in) {
        QuorumSteps s = new QuorumSteps(in);
        s.generate();
        List<QuorumStep> out = new ArrayList<>();
        List<QuorumStep> all = s.steps;
        for (int i = 0; i < all.size(); i++) {
            QuorumStep cur = all.get(i);
            if (i + 1 < all.size() && all.get(i + 1).kind() == cur.kind()) {
                continue;
            }
            out.add(cur);
            if (cur.kind() == Kind.RESTART) {
                break;
            }
        }
        return List.copyOf(out);
    }

    /**
     * The invariant, with {@code V = voters + leader} and {@code S = sync + leaderWanted}: when there
     * are voters, {@code |V ∪ S| <= quorum + numsync + 1}; and one of V, S contains the other.
     *
     * @return empty when it holds, else why not
     */
    static java.util.Optional<String> check(String leader, int quorum, Set<String> voters, int numsync,
                                            Set<String> sync, String leaderWanted) {
        Set<String> v = new TreeSet<>(voters);
        v.add(leader);
        Set<String> s = new TreeSet<>(sync);
        s.add(leaderWanted);
        Set<String> all = new TreeSet<>(v);
        all.addAll(s);
        if (!voters.isEmpty() && all.size() > quorum + numsync + 1) {
            return java.util.Optional.of("quorum and sync not guaranteed to overlap: nodes " + all.size()
                    + " > quorum " + quorum + " + sync " + numsync + " + 1");
        }
        if (!s.containsAll(v) && !v.containsAll(s)) {
            return java.util.Optional.of("mismatched sets: voters only " + minus(v, s) + ", sync only " + minus(s, v));
        }
        return java.util.Optional.empty();
    }

    private void checkInvariants() {
        check(leader, quorum, voters, numsync, sync, leaderWanted).ifPresent(why -> {
            throw new IllegalStateException(why);
        });
    }

    private void quorumUpdate(int newQuorum, Set<String> newVoters) {
        quorumUpdate(newQuorum, newVoters, null, true);
    }

    /** The key's next value; {@code newLeader} null keeps the leader. */
    private void quorumUpdate(int newQuorum, Set<String> newVoters, String newLeader, boolean adjust) {
        if (newQuorum < 0 || newQuorum > 0 && newQuorum >= newVoters.size()) {
            throw new IllegalStateException("quorum " + newQuorum + " out of range for voters " + newVoters);
        }
        String oldLeader = leader;
        if (newLeader != null) {
            leader = newLeader;
        } else if (confirmed == 0 && voters.isEmpty()) {
            // Nobody has confirmed yet: the key stays without voters until one has.
            newQuorum = 0;
            newVoters = Set.of();
        } else if (adjust) {
            // Unconfirmed synchronous standbys may lack commits: the race must ask that many more voters.
            newQuorum += Math.max(numsync - confirmed, 0);
        }
        if (leader.equals(oldLeader) && newQuorum == quorum && voters.equals(newVoters)) {
            if (!voters.isEmpty()) {
                return;
            }
            steps.add(QuorumStep.of(Kind.RESTART, leader, quorum, voters));
        }
        quorum = newQuorum;
        voters = new TreeSet<>(newVoters);
        checkInvariants();
        steps.add(QuorumStep.of(Kind.QUORUM, leader, quorum, voters));
    }

    private void syncUpdate(int newNumsync, Set<String> newSync) {
        if (newNumsync < 0 || newNumsync > newSync.size()) {
            throw new IllegalStateException("sync " + newNumsync + " out of range for " + newSync);
        }
        numsync = newNumsync;
        sync = new TreeSet<>(newSync);
        checkInvariants();
        steps.add(QuorumStep.of(Kind.SYNC, leader, numsync, sync));
    }

    private void generate() {
        try {
            if (!leaderWanted.equals(leader)) {
                // After a failover the old leader takes my place among the voters.
                Set<String> v = minus(voters, Set.of(leaderWanted));
                v.add(leader);
                if (sync.isEmpty()) {
                    syncUpdate(v.size() - quorum, v);
                }
                quorumUpdate(quorum, v, leaderWanted, true);
                if (intersect(sync, active).isEmpty()) {
                    return; // just promoted: give the standbys time to connect before evicting them
                }
            } else {
                checkInvariants();
            }
        } catch (IllegalStateException broken) {
            // Someone else changed the key or the setting: make the key safe for the setting first.
            quorumUpdate(sync.size() - numsync, sync);
        }
        if (!leader.equals(leaderWanted)) {
            throw new IllegalStateException("the sync key still names " + leader + ", not " + leaderWanted);
        }
        Set<String> streaming = intersect(sync, active);
        if (confirmed == 0 && !streaming.isEmpty()) {
            // Unknown after a restart or failover: the quorum tells how many were confirmed.
            confirmed = Math.min(streaming.size(), voters.size() - quorum);
        }
        finishInterrupted();
        removeGone();
        addNew();
        changeReplicationFactor();
    }

    /** A plan interrupted midway leaves one set a strict subset of the other: complete it first. */
    private void finishInterrupted() {
        if (voters.containsAll(sync) && voters.size() > sync.size()) {
            Set<String> drop = minus(voters, union(sync, active));
            if (!drop.isEmpty()) {
                quorumUpdate(voters.size() - drop.size() - numsync, minus(voters, drop), null,
                        minus(sync, active).isEmpty());
            }
            Set<String> add = minus(intersect(voters, active), sync);
            if (!add.isEmpty()) {
                syncUpdate(numsync, union(sync, add));
            }
        } else if (sync.containsAll(voters) && sync.size() > voters.size()) {
            Set<String> gone = minus(sync, active);
            Set<String> left = minus(sync, gone);
            // Keep at least one name in common with the voters while removing the gone ones.
            if (!gone.isEmpty() && !left.isEmpty() && (voters.isEmpty() || !intersect(left, voters).isEmpty())) {
                syncUpdate(Math.min(numsync, sync.size() - gone.size()), left);
            }
            Set<String> add = intersect(minus(sync, voters), active);
            if (!add.isEmpty()) {
                Set<String> v = union(voters, add);
                quorumUpdate(v.size() - numsync, v);
            }
            Set<String> drop = minus(sync, voters);
            if (!drop.isEmpty()) {
                syncUpdate(Math.min(numsync, sync.size() - drop.size()), minus(sync, drop));
            }
        }
        if (!voters.equals(sync)) {
            throw new IllegalStateException("voters " + voters + " and sync " + sync + " still differ");
        }
        int all = union(voters, sync).size();
        if (quorum + Math.min(numsync, confirmed) - all > 0) {
            // More margin than needed: a replication factor change was interrupted.
            if (numsync > wanted) {
                syncUpdate(Math.max(wanted, voters.size() - quorum), sync);
            } else {
                quorumUpdate(sync.size() - numsync, voters);
            }
        } else if (numsync == wanted && quorum + numsync - all > 0 && numsync > confirmed) {
            quorumUpdate(sync.size() - numsync, voters);
        }
    }

    /** Standbys no longer active leave both sets. */
    private void removeGone() {
        Set<String> gone = minus(sync, active);
        if (gone.isEmpty()) {
            return;
        }
        if (gone.equals(sync)) {
            quorumUpdate(0, Set.of(), null, false);
            syncUpdate(0, Set.of());
            return;
        }
        if (quorum > 0) {
            // Lower the quorum first, by as many as it allows (highest names first, for a stable order).
            Set<String> remove = new TreeSet<>(gone.stream().sorted(java.util.Comparator.reverseOrder())
                    .limit(quorum).collect(java.util.stream.Collectors.toSet()));
            Set<String> left = minus(sync, remove);
            syncUpdate(Math.min(Math.max(wanted, numsync), left.size()), left);
            Set<String> v = minus(voters, remove);
            gone = intersect(gone, sync);
            quorumUpdate(v.size() - numsync, v, null, gone.isEmpty());
        }
        if (!gone.isEmpty()) {
            if (quorum != 0) {
                throw new IllegalStateException("quorum " + quorum + " left while removing " + gone);
            }
            int n = numsync - gone.size();
            Set<String> left = minus(sync, gone);
            Set<String> v = minus(voters, gone);
            int decrease = n - Math.min(wanted, left.size());
            quorumUpdate(decrease != 0 ? Math.min(decrease, v.size() - 1) : 0, v, null, false);
            syncUpdate(n, left);
        }
    }

    /** Active standbys not yet synchronous join: the replication factor first, then the voters. */
    private void addNew() {
        Set<String> add = minus(active, sync);
        if (add.isEmpty()) {
            return;
        }
        int target = Math.min(wanted, union(sync, add).size());
        int increase = target - numsync;
        if (increase > 0) {
            Set<String> first;
            if (sync.isEmpty()) {
                first = add; // only the leader so far: all may join at once
            } else {
                first = new TreeSet<>(add.stream().sorted().limit(increase).collect(java.util.stream.Collectors.toSet()));
                increase = first.size();
            }
            syncUpdate(numsync + increase, union(sync, first));
            Set<String> v = union(voters, first);
            quorumUpdate(v.size() - target, v);
            add = minus(add, sync);
        }
        if (!add.isEmpty()) {
            Set<String> v = union(voters, add);
            quorumUpdate(v.size() - target, v, null, target > confirmed);
            syncUpdate(target, union(sync, add));
        }
    }

    /** {@code synchronous_node_count} changed: raise numsync before lowering the quorum, or the reverse. */
    private void changeReplicationFactor() {
        int increase = Math.min(wanted, sync.size()) - numsync;
        if (increase > 0) {
            syncUpdate(numsync + increase, sync);
            quorumUpdate(voters.size() - numsync, voters);
        } else if (increase < 0) {
            if (quorum - increase < voters.size()) {
                quorumUpdate(voters.size() - numsync - increase, voters, null, wanted > confirmed);
            }
            syncUpdate(numsync + increase, sync);
        }
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.removeAll(b);
        return out;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.addAll(b);
        return out;
    }

    private static Set<String> intersect(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.retainAll(b);
        return out;
    }
}
