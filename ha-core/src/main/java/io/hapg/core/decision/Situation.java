package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Member;
import io.hapg.core.model.Tags;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Everything one decision is made from, and the facts several rules derive from it. Read-only:
 * the rules are static methods over one situation.
 *
 * @param dcs the dynamic configuration in force: the store's {@code config} key, else
 *            {@code self.bootstrapDcs()}
 */
record Situation(ClusterView view, LocalState local, Self self, DynamicConfig dcs, Now now) {

    static Situation of(ClusterView view, LocalState local, Self self, Now now) {
        return new Situation(view, local, self, view.effectiveConfig(self.bootstrapDcs()), now);
    }

    DatabaseState db() {
        return local.database();
    }

    String me() {
        return self.name();
    }

    Tags myTags() {
        return self.tags();
    }

    boolean iAmLeader() {
        return view.isLeader(me());
    }

    /** Synchronous mode is on and active: the leader has published a sync key (Patroni sync_mode_is_active). */
    boolean syncActive() {
        return dcs.synchronousMode() && !view.sync().isEmpty();
    }

    /** Who synchronous mode lets take over: the sync key's members while it is active, else anyone. */
    Predicate<String> synchronousGate() {
        return syncActive() ? view.sync()::allowsPromotionOf : name -> true;
    }

    /** The {@code replicatefrom} member, when it exists, runs and is not me. */
    Optional<String> replicationSource() {
        return myTags().replicatefrom()
                .filter(name -> !name.equals(me()))
                .filter(name -> view.member(name).map(Member::isRunning).orElse(false));
    }

    /** Other members that could promote now, by Patroni's takeover rule (never a manual failover's exemption). */
    List<String> failoverCandidates(Optional<String> exclude) {
        return otherMembers().stream()
                .filter(name -> !exclude.equals(Optional.of(name)))
                .filter(name -> Takeover.problems(view, name, false, synchronousGate()).isEmpty())
                .collect(Collectors.toList());
    }

    List<String> otherMembers() {
        return view.members().keySet().stream().filter(name -> !name.equals(me())).sorted()
                .collect(Collectors.toList());
    }

    /** One physical slot per other member (Patroni use_slots). */
    Set<String> slots() {
        return dcs.useSlots() ? new LinkedHashSet<>(otherMembers()) : Set.of();
    }

    String nofailoverWhy() {
        boolean flag = myTags().with("failover_priority", 1).nofailover();
        return flag ? "nofailover tag set" : "failover_priority is " + myTags().failoverPriority();
    }

    String processWord() {
        switch (db().process()) {
            case STOPPED:
                return "stopped";
            case STARTING:
                return "starting";
            case UNRESPONSIVE:
                return "not responding";
            default:
                return "running";
        }
    }
}
