package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Member;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Patroni's rule for whether a member can take over from the leader (its
 * {@code is_failover_possible} and {@code failover_limitation}): the member exists, PostgreSQL runs
 * there, it may fail over, and synchronous mode allows it. The leader applies it to a failover
 * request, the REST API before writing one; each words the problems its own way.
 */
public final class Takeover {

    /** Why a member cannot take over, in the order the leader reports them. */
    public enum Problem {
        /** No member key by that name. */
        NO_SUCH_MEMBER,
        /** PostgreSQL does not run there (its published state is not {@code running}). */
        NOT_RUNNING,
        /** {@code nofailover}, or {@code failover_priority} 0. */
        NOFAILOVER,
        /** Synchronous mode does not let it take over without losing acknowledged commits. */
        NOT_SYNCHRONOUS
    }

    private Takeover() {
    }

    /**
     * Every problem with {@code name} taking over.
     *
     * @param manualFailover whether a manual failover asks (Patroni lets one go to an asynchronous
     *                       standby: the operator accepted the loss); a switchover or an automatic
     *                       failover is held to {@code synchronous}
     * @param synchronous    which members synchronous mode lets take over (all when it is off)
     * @return the problems in {@link Problem} order; empty when {@code name} can take over
     */
    public static Set<Problem> problems(ClusterView view, String name, boolean manualFailover,
                                        Predicate<String> synchronous) {
        EnumSet<Problem> problems = EnumSet.noneOf(Problem.class);
        Optional<Member> member = view.member(name);
        if (member.isEmpty()) {
            problems.add(Problem.NO_SUCH_MEMBER);
        } else {
            if (!member.get().isRunning()) {
                problems.add(Problem.NOT_RUNNING);
            }
            if (member.get().tags().nofailover()) {
                problems.add(Problem.NOFAILOVER);
            }
        }
        if (!manualFailover && !synchronous.test(name)) {
            problems.add(Problem.NOT_SYNCHRONOUS);
        }
        return Collections.unmodifiableSet(problems);
    }
}
