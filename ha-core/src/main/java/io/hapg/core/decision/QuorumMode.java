package io.hapg.core.decision;

import io.hapg.core.decision.QuorumStep.Kind;
import io.hapg.core.model.SyncState;
import io.hapg.core.model.SynchronousStandbyNames;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Section 9b in quorum commit ({@code synchronous_mode: quorum}, QUORUM.md), as the leader: the
 * first of the ordered steps {@link QuorumSteps} plans from the sync key, the primary's
 * {@code synchronous_standby_names} ({@code ANY n (...)}) and the standbys streaming now. One step
 * per iteration; the next iteration plans again from what it reads, which is also how an
 * interrupted plan resumes. Pure.
 */
final class QuorumMode {

    private QuorumMode() {
    }

    /**
     * The next step; empty when the key and the setting are where they should be, or when the
     * plan waits for a standby to confirm ({@link Kind#RESTART}). A state from which no safe step
     * exists gives a lease renewal whose reason says why (nothing is written; the next iteration
     * reads again).
     */
    static Optional<Decision> step(Situation s) {
        SyncState key = s.view().sync();
        if (key.leader().isEmpty()) {
            // Patroni's _maybe_enable_synchronous_mode: a key naming the leader, with no voters yet.
            return Optional.of(Decision.quorum(Action.WRITE_SYNC_KEY, 0, List.of(), "quorum: enabling quorum "
                    + "commit: writing the sync key with me as its leader and no voters yet"));
        }
        QuorumSteps.Input in = input(s);
        List<QuorumStep> plan;
        try {
            plan = QuorumSteps.plan(in);
        } catch (IllegalStateException e) {
            return Optional.of(Decision.renew(s.slots(), "quorum: no safe step from " + describe(in) + ": "
                    + e.getMessage() + "; reading the state again next iteration"));
        }
        if (plan.isEmpty() || plan.get(0).kind() == Kind.RESTART) {
            return Optional.empty();
        }
        QuorumStep first = plan.get(0);
        List<String> names = List.copyOf(first.names());
        String then = plan.size() > 1 ? "; then " + plan.subList(1, plan.size()).stream().map(QuorumMode::describe)
                .collect(Collectors.joining(", ")) : "";
        if (first.kind() == Kind.SYNC) {
            return Optional.of(Decision.quorum(Action.SET_SYNC_STANDBYS, first.num(), names, "quorum: setting "
                    + "synchronous_standby_names to " + describe(first) + " (was " + s.db().synchronousSetting()
                    + "; sync key " + Reasons.describe(key) + " quorum " + key.quorum() + ")" + then));
        }
        if (!first.leader().equals(s.me())) {
            // Never planned (a key step always names the planning leader); refuse rather than write it.
            return Optional.of(Decision.renew(s.slots(), "quorum: not writing a sync key naming "
                    + first.leader() + " as leader"));
        }
        return Optional.of(Decision.quorum(Action.WRITE_SYNC_KEY, first.num(), names, "quorum: writing the sync key "
                + describe(first) + " (was " + Reasons.describe(key) + " quorum " + key.quorum() + "; setting "
                + s.db().synchronousSetting() + ")" + then));
    }

    /** What the plan starts from: the key, the setting, the confirmed and the active standbys. */
    static QuorumSteps.Input input(Situation s) {
        SyncState key = s.view().sync();
        SynchronousStandbyNames form = s.db().synchronousSetting();
        Set<String> sync = new TreeSet<>(s.db().synchronousStandbys());
        Set<String> current = new LinkedHashSet<>(sync);
        current.addAll(key.syncStandbys());
        // Every eligible standby is wanted: sync = voters = active in the steady state.
        Set<String> active = new TreeSet<>(SyncStandbys.desired(s.view(), s.db(), s.me(), Integer.MAX_VALUE, current,
                s.dcs().maximumLagOnSyncnode()));
        return new QuorumSteps.Input(key.leader().orElse(s.me()), key.quorum(), Set.copyOf(key.syncStandbys()),
                sync.isEmpty() ? 0 : form.count(), sync, SyncStandbys.confirmed(s.db(), sync), active,
                s.dcs().synchronousNodeCount(), s.me());
    }

    private static String describe(QuorumSteps.Input in) {
        return "sync key " + in.leader() + " quorum " + in.quorum() + " of " + new TreeSet<>(in.voters())
                + ", ANY " + in.numsync() + " " + new TreeSet<>(in.sync()) + " (" + in.confirmed() + " confirmed), "
                + "active " + new TreeSet<>(in.active());
    }

    private static String describe(QuorumStep step) {
        switch (step.kind()) {
            case SYNC:
                return step.names().isEmpty() ? "''" : "ANY " + step.num() + " " + step.names();
            case QUORUM:
                return "{leader " + step.leader() + ", quorum " + step.num() + " of " + step.names() + "}";
            default:
                return "re-read";
        }
    }
}
