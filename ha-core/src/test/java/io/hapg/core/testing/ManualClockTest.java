package io.hapg.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ManualClockTest {

    @Test
    void advanceMovesBothClocksAndNotifiesListeners() {
        ManualClock clock = new ManualClock();
        AtomicInteger advances = new AtomicInteger();
        ManualClock.Registration registration = clock.onAdvance(advances::incrementAndGet);

        clock.advance(Duration.ofMillis(1500));
        assertThat(clock.nanoTime()).isEqualTo(ManualClock.DEFAULT_NANO_START + 1_500_000_000L);
        assertThat(clock.now()).isEqualTo(ManualClock.DEFAULT_WALL_START.plusMillis(1500));
        registration.close();
        clock.advance(Duration.ofSeconds(1));
        assertThat(advances).hasValue(1);
    }

    @Test
    void wallClockStepsLeaveTheMonotonicClockAlone() {
        ManualClock clock = new ManualClock(-5, Instant.EPOCH);
        clock.setWallClock(Instant.parse("1999-12-31T23:59:59Z"));

        assertThat(clock.nanoTime()).isEqualTo(-5);
        assertThat(clock.now()).isEqualTo(Instant.parse("1999-12-31T23:59:59Z"));
    }

    @Test
    void timeNeverRunsBackwards() {
        assertThatThrownBy(() -> new ManualClock().advance(Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("duration");
    }
}
