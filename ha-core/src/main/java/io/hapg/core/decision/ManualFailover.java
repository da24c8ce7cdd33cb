package io.hapg.core.decision;

import static io.hapg.core.decision.LeaderRace.notRacing;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.Member;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Switchovers and manual failovers: the failover key, seen by the leader or in the leader race. */
final class ManualFailover {

    private ManualFailover() {
    }

    /**
     * Section 8, a failover key while the leader key is absent (Patroni
     * {@code manual_failover_process_no_leader}): the named candidate promotes without the usual
     * checks (the operator accepted the risk); the others wait for it while it is running, and
     * race among themselves if it is not. Empty when the usual race decides.
     */
    static Optional<Decision> withoutLeader(Situation s, FailoverRequest request) {
        ClusterView view = s.view();
        String me = s.me();
        String kind = Reasons.describe(request);
        if (request.isSwitchover() && s.syncActive() && !view.sync().allowsPromotionOf(me)) {
            return Optional.of(notRacing(kind + " in synchronous mode and the sync key "
                    + Reasons.describe(view.sync()) + " does not name me"));
        }
        if (request.candidate().equals(Optional.of(me))) {
            return Optional.of(Decision.of(Action.PROMOTE, "promoting: " + kind + " names me as the candidate (lag, "
                    + "synchronous and timeline checks skipped as requested" + (request.isSwitchover() ? ")"
                    : "; commits not received here may be lost)")));
        }
        if (request.candidate().isPresent()) {
            String candidate = request.candidate().get();
            if (s.syncActive() && !view.sync().allowsPromotionOf(me)) {
                return Optional.of(notRacing(kind + " to " + candidate + " in synchronous mode and the sync key "
                        + Reasons.describe(view.sync()) + " does not name me"));
            }
            // Patroni checks only failover_limitation here (runs, may fail over), not the sync key.
            if (Takeover.problems(view, candidate, false, name -> true).isEmpty()) {
                return Optional.of(notRacing(kind + " names " + candidate + ", which is running: waiting for it"));
            }
        }
        if (request.leader().equals(Optional.of(me))) {
            // I stepped down for this switchover. Take the key back only if nobody else can.
            List<String> others = s.failoverCandidates(request.candidate());
            if (!others.isEmpty()) {
                return Optional.of(notRacing("I stepped down for a " + kind + "; " + String.join(", ", others)
                        + " can take over"));
            }
            return Optional.of(Decision.of(Action.PROMOTE, "promoting: I stepped down for a " + kind
                    + " but no other member is healthy enough to take over"));
        }
        return Optional.empty();
    }

    /**
     * Section 9a, a failover key seen by the leader (Patroni
     * {@code process_manual_failover_from_leader}): demote gracefully (the candidate then gets the
     * shutdown checkpoint and wins the race), or delete a request that cannot be carried out so it
     * does not hang around. Empty only for a request scheduled in the future.
     */
    static Optional<Decision> asLeader(Situation s, FailoverRequest request) {
        String me = s.me();
        String kind = Reasons.describe(request);
        if (request.leader().isPresent() && !request.leader().get().equals(me)) {
            return Optional.of(Decision.of(Action.CLEAR_FAILOVER, "clearing " + kind + " request: it names "
                    + request.leader().get() + " as leader but I (" + me + ") am the leader"));
        }
        if (request.candidate().equals(Optional.of(me))) {
            return Optional.of(Decision.of(Action.CLEAR_FAILOVER, "clearing " + kind
                    + " request: I am already the requested candidate and the leader"));
        }
        if (request.scheduledAt().isPresent()) {
            Duration until = Duration.between(s.now().wall(), request.scheduledAt().get());
            if (!until.isNegative() && !until.isZero()) {
                return Optional.empty();
            }
            // Patroni drops a schedule missed by more than 1.5 loop_wait: a late failover surprises.
            if (until.negated().compareTo(s.dcs().loopWait().multipliedBy(3).dividedBy(2)) > 0) {
                return Optional.of(Decision.of(Action.CLEAR_FAILOVER, "clearing stale " + kind
                        + ": it was scheduled at " + request.scheduledAt().get() + ", " + until.negated().toSeconds()
                        + " s ago"));
            }
        }
        if (request.candidate().isPresent()) {
            String candidate = request.candidate().get();
            Optional<String> problem = candidateProblem(s, candidate, request.isSwitchover());
            if (problem.isPresent()) {
                return Optional.of(Decision.of(Action.CLEAR_FAILOVER, "clearing " + kind + " request: candidate "
                        + candidate + " is not healthy (" + problem.get() + ")"));
            }
            return Optional.of(Decision.demote(DemoteMode.GRACEFUL, Optional.of(candidate),
                    kind + ": demoting gracefully to hand over to " + candidate));
        }
        List<String> healthy = s.otherMembers().stream()
                .filter(name -> candidateProblem(s, name, request.isSwitchover()).isEmpty())
                .collect(Collectors.toList());
        if (healthy.isEmpty()) {
            return Optional.of(Decision.of(Action.CLEAR_FAILOVER,
                    "clearing " + kind + " request: no healthy candidate to hand over to"));
        }
        return Optional.of(Decision.demote(DemoteMode.GRACEFUL, Optional.empty(), kind
                + ": demoting gracefully; the healthiest of " + String.join(", ", healthy) + " takes over"));
    }

    /** Why {@code name} cannot take over from me, if it cannot: the first {@link Takeover} problem. */
    private static Optional<String> candidateProblem(Situation s, String name, boolean switchover) {
        ClusterView view = s.view();
        return Takeover.problems(view, name, !switchover, s.synchronousGate()).stream().findFirst()
                .map(problem -> {
                    switch (problem) {
                        case NO_SUCH_MEMBER:
                            return "no such member";
                        case NOT_RUNNING:
                            Member member = view.member(name).get();
                            return "PostgreSQL state " + (member.state().isEmpty() ? "unknown" : member.state());
                        case NOFAILOVER:
                            return "nofailover / failover_priority "
                                    + view.member(name).get().tags().failoverPriority();
                        default:
                            return "not a synchronous standby in " + Reasons.describe(view.sync());
                    }
                });
    }
}
