package io.hapg.core.internal;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.LocalSlots;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.RaceBackoff;
import io.hapg.core.model.Role;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What carrying out a step changes in the loop's state: plain data, so that it can be logged
 * and asserted. It is built on the loop thread or, for a slow action, on the action executor,
 * and applied by the loop thread alone ({@code HaLoop}), which is also the one place the role
 * changes, checked against {@code RoleTransitions}. An empty field leaves that part as it is.
 *
 * @param role             the role to move to
 * @param leaseDeadline    the new lease deadline; an empty {@code OptionalLong} inside: no lease
 * @param following        the member PostgreSQL now streams from; empty inside: none
 * @param rewindFailed     whether the last pg_rewind failed
 * @param backoff          no racing before its time (after a pre_promote veto, or a hand-over)
 * @param actionStarted    a slow action just handed to the executor
 * @param wakeAtOnce       run the next iteration now rather than after loop_wait
 * @param finishedShutdown a shutdown has nothing left to do
 * @param database         a probe the action made when it finished (a promotion: PostgreSQL
 *                         accepts writes), so the loop can report it before its own next probe
 * @param slots            what the node now knows of its permanent slots (an upkeep, a copy)
 */
record Effect(Optional<Role> role, Optional<OptionalLong> leaseDeadline, Optional<Optional<String>> following,
              Optional<Boolean> rewindFailed, Optional<RaceBackoff> backoff, Optional<String> actionStarted,
              boolean wakeAtOnce, boolean finishedShutdown, Optional<DatabaseState> database,
              Optional<LocalSlots> slots) {
    static final Effect NOTHING = new Effect(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), false, false, Optional.empty(), Optional.empty());

    Effect movingTo(Role to) {
        return new Effect(Optional.of(to), leaseDeadline, following, rewindFailed, backoff, actionStarted,
                wakeAtOnce, finishedShutdown, database, slots);
    }

    Effect withLease(OptionalLong deadline) {
        return new Effect(role, Optional.of(deadline), following, rewindFailed, backoff, actionStarted,
                wakeAtOnce, finishedShutdown, database, slots);
    }

    Effect withLease(long deadline) {
        return withLease(OptionalLong.of(deadline));
    }

    Effect withoutLease() {
        return withLease(OptionalLong.empty());
    }

    Effect streamingFrom(Optional<String> upstream) {
        return new Effect(role, leaseDeadline, Optional.of(upstream), rewindFailed, backoff, actionStarted,
                wakeAtOnce, finishedShutdown, database, slots);
    }

    Effect withRewindFailed(boolean failed) {
        return new Effect(role, leaseDeadline, following, Optional.of(failed), backoff, actionStarted,
                wakeAtOnce, finishedShutdown, database, slots);
    }

    Effect backingOff(RaceBackoff until) {
        return new Effect(role, leaseDeadline, following, rewindFailed, Optional.of(until), actionStarted,
                wakeAtOnce, finishedShutdown, database, slots);
    }

    Effect started(String what) {
        return new Effect(role, leaseDeadline, following, rewindFailed, backoff, Optional.of(what),
                wakeAtOnce, finishedShutdown, database, slots);
    }

    Effect wakingAtOnce() {
        return new Effect(role, leaseDeadline, following, rewindFailed, backoff, actionStarted, true,
                finishedShutdown, database, slots);
    }

    Effect finishingShutdown(boolean finished) {
        return new Effect(role, leaseDeadline, following, rewindFailed, backoff, actionStarted, wakeAtOnce,
                finished, database, slots);
    }

    Effect probed(DatabaseState state) {
        return new Effect(role, leaseDeadline, following, rewindFailed, backoff, actionStarted, wakeAtOnce,
                finishedShutdown, Optional.of(state), slots);
    }

    Effect withSlots(LocalSlots known) {
        return new Effect(role, leaseDeadline, following, rewindFailed, backoff, actionStarted, wakeAtOnce,
                finishedShutdown, database, Optional.of(known));
    }

    /** This, then {@code later}: each field {@code later} sets wins; either's flags hold. */
    Effect then(Effect later) {
        return new Effect(later.role.or(() -> role), later.leaseDeadline.or(() -> leaseDeadline),
                later.following.or(() -> following), later.rewindFailed.or(() -> rewindFailed),
                later.backoff.isPresent() ? later.backoff : backoff,
                later.actionStarted.or(() -> actionStarted), wakeAtOnce || later.wakeAtOnce,
                finishedShutdown || later.finishedShutdown, later.database.or(() -> database),
                later.slots.or(() -> slots));
    }

    /** {@code local} with every field but the role changed as this says (the loop changes the role). */
    LocalState apply(LocalState local) {
        LocalState.Builder next = local.toBuilder();
        leaseDeadline.ifPresent(next::leaseDeadline);
        following.ifPresent(upstream -> next.following(upstream).upstreamKnown(true));
        rewindFailed.ifPresent(next::rewindFailed);
        backoff.ifPresent(b -> next.raceBackoff(Optional.of(b)));
        actionStarted.ifPresent(what -> next.actionInProgress(Optional.of(what)));
        database.ifPresent(next::database);
        slots.ifPresent(next::slots);
        return next.build();
    }
}
