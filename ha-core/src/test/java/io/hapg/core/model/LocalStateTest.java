package io.hapg.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.testing.Databases;
import io.hapg.core.testing.LocalStates;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The clock primary_start_timeout is measured on ({@link LocalState#primaryDownSinceAt}). */
class LocalStateTest {
    private static final DatabaseState STOPPED = Databases.stopped().build();
    private static final DatabaseState RUNNING = Databases.primary().build();

    @Test
    void aFailingRestartInPlaceDoesNotRestartTheClock() {
        LocalState seenDown = LocalStates.of(STOPPED).build();
        assertThat(seenDown.primaryDownSinceAt(true, STOPPED, 100)).hasValue(100);

        LocalState restarting = seenDown.toBuilder().primaryDownSince(OptionalLong.of(100))
                .actionInProgress(Optional.of("restart PostgreSQL")).build();
        assertThat(restarting.primaryDownSinceAt(true, STOPPED, 5_000)).as("while the restart runs").hasValue(100);

        LocalState failed = restarting.toBuilder().actionInProgress(Optional.empty()).build();
        assertThat(failed.primaryDownSinceAt(true, STOPPED, 9_000)).as("after it failed").hasValue(100);
    }

    @Test
    void theClockStartsOnlyWithNoActionAndEndsOnceRunningOrNotLeading() {
        LocalState switchingOver = LocalStates.of(STOPPED).actionInProgress(Optional.of("demote")).build();
        assertThat(switchingOver.primaryDownSinceAt(true, STOPPED, 100)).isEmpty();

        LocalState down = LocalStates.of(STOPPED).primaryDownSince(OptionalLong.of(100)).build();
        assertThat(down.primaryDownSinceAt(true, RUNNING, 200)).isEmpty();
        assertThat(down.primaryDownSinceAt(false, STOPPED, 200)).isEmpty();
        assertThat(down.primaryDownSinceAt(true, Databases.empty(), 200)).as("no data directory").isEmpty();
    }
}
