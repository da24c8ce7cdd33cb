package io.hapg.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.config.WatchdogConfig;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Role;
import io.hapg.core.testing.FakeDatabaseNode;
import io.hapg.core.testing.ManualClock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lease deadline counts from when the renewal was sent, and the fences always get the same one. */
class LeaseDeadlineTest {
    private static final DynamicConfig RUNNING = DynamicConfig.fromMap(Map.of("ttl", 30, "loop_wait", 10,
            "retry_timeout", 10));
    private static final DynamicConfig PAUSED = DynamicConfig.fromMap(Map.of("ttl", 30, "loop_wait", 10,
            "retry_timeout", 10, "pause", true));
    private final ManualClock clock = new ManualClock();
    // Never started: no thread, no fence keeper; arm and disarm only record the deadline.
    private final LeaseWatchdog watchdog = new LeaseWatchdog("n0", FakeDatabaseNode.standalone("n0"), clock,
            Duration.ofSeconds(5), WatchdogConfig.Mode.OFF);
    private final LeaseDeadline lease = new LeaseDeadline(clock, watchdog);

    @Test
    void aRenewalLastsATtlFromWhenItWasSentAndArmsTheFencesOfAPrimary() {
        long sent = lease.sending();
        clock.advance(Duration.ofSeconds(2)); // a slow answer does not extend the lease

        long deadline = lease.renewed(sent, RUNNING, Role.PRIMARY);

        assertThat(deadline).isEqualTo(sent + Duration.ofSeconds(30).toNanos());
        assertThat(watchdog.isArmed()).isTrue();
    }

    @Test
    void aCandidatesRenewalArmsTheFencesButAReplicasDoesNot() {
        lease.renewed(lease.sending(), RUNNING, Role.CANDIDATE);
        assertThat(watchdog.isArmed()).isTrue();

        watchdog.disarm();
        lease.renewed(lease.sending(), RUNNING, Role.REPLICA);
        assertThat(watchdog.isArmed()).isFalse();
    }

    @Test
    void inPauseTheFencesAreOff() {
        lease.acquired(lease.sending(), RUNNING);
        assertThat(watchdog.isArmed()).isTrue();

        lease.renewed(lease.sending(), PAUSED, Role.PRIMARY);

        assertThat(watchdog.isArmed()).isFalse();
    }

    @Test
    void failsafeExtendsFromNowAndDroppingDisarms() {
        long now = clock.nanoTime();

        assertThat(lease.extendedByFailsafe(now, PAUSED)).isEqualTo(now + Duration.ofSeconds(30).toNanos());
        assertThat(watchdog.isArmed()).isTrue();

        lease.dropped();
        assertThat(watchdog.isArmed()).isFalse();
    }
}
