package io.hapg.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.RaceBackoff;
import io.hapg.core.model.Role;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** What acting hands the loop is plain data: it composes, applies and prints without running anything. */
class EffectTest {
    private static final Effect NOTHING = Effect.NOTHING;

    @Test
    void nothingChangesNothing() {
        LocalState local = LocalState.initial(DatabaseState.empty()).toBuilder().leaseDeadline(42)
                .following(Optional.of("n0")).build();

        assertThat(NOTHING.apply(local)).isEqualTo(local);
        assertThat(NOTHING.role()).isEmpty();
    }

    @Test
    void appliesEveryFieldItSetsButLeavesTheRoleToTheLoop() {
        LocalState local = LocalState.initial(DatabaseState.empty()).toBuilder().role(Role.CANDIDATE).build();

        LocalState after = NOTHING.movingTo(Role.REPLICA).withoutLease().backingOff(new RaceBackoff(7, "vetoed", 2))
                .streamingFrom(Optional.of("n1")).withRewindFailed(true).started("promote").apply(local);

        assertThat(after.role()).isEqualTo(Role.CANDIDATE);
        assertThat(after.leaseDeadline()).isEmpty();
        assertThat(after.raceBackoff()).contains(new RaceBackoff(7, "vetoed", 2));
        assertThat(after.following()).contains("n1");
        assertThat(after.rewindFailed()).isTrue();
        assertThat(after.actionInProgress()).contains("promote");
    }

    @Test
    void aLaterStepWinsWhereItSaysSomethingAndFlagsAccumulate() {
        Effect renewed = NOTHING.withLease(100).streamingFrom(Optional.empty()).wakingAtOnce();
        Effect demoted = NOTHING.movingTo(Role.DEMOTING).withoutLease();

        Effect both = renewed.then(demoted);

        assertThat(both.role()).contains(Role.DEMOTING);
        assertThat(both.leaseDeadline()).contains(OptionalLong.empty());
        assertThat(both.following()).contains(Optional.empty());
        assertThat(both.wakeAtOnce()).isTrue();
        assertThat(both.finishedShutdown()).isFalse();
    }

    @Test
    void printsWhatItChanges() {
        assertThat(NOTHING.movingTo(Role.PRIMARY).withLease(5).toString())
                .contains("role=Optional[PRIMARY]", "leaseDeadline=Optional[OptionalLong[5]]");
    }
}
