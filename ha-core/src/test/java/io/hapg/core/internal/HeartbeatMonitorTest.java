package io.hapg.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.HeartbeatSeen;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.core.testing.InMemoryConsensus;
import io.hapg.core.testing.InMemoryStore;
import io.hapg.core.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A non-leader's view of the leader's heartbeat, on a manual clock. */
class HeartbeatMonitorTest {
    private final ManualClock clock = new ManualClock();
    private final InMemoryStore store = InMemoryStore.builder().clock(clock).ttl(Duration.ofSeconds(30)).build();
    private final InMemoryConsensus leader = store.member("n0");
    private final InMemoryConsensus replica = store.member("n1");
    private final HeartbeatMonitor monitor = new HeartbeatMonitor(replica, clock);

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void countsStillnessFromTheFirstReadOfARevision() {
        long term = lead();
        leader.writeHeartbeat(term);
        long firstRead = clock.nanoTime();
        HeartbeatSeen first = monitor.observe().orElseThrow();
        assertThat(first.movedAt()).isEqualTo(firstRead);
        assertThat(first.writtenIn(replica.read().leader().orElseThrow())).isTrue();

        clock.advance(Duration.ofSeconds(3));
        HeartbeatSeen still = monitor.observe().orElseThrow();
        assertThat(still.movedAt()).isEqualTo(firstRead);
        assertThat(still.stillFor(clock.nanoTime())).isEqualTo(Duration.ofSeconds(3).toNanos());

        leader.writeHeartbeat(term);
        clock.advance(Duration.ofMillis(300));
        HeartbeatSeen moved = monitor.observe().orElseThrow();
        assertThat(moved.revision()).isGreaterThan(first.revision());
        assertThat(moved.movedAt()).isEqualTo(clock.nanoTime());
    }

    @Test
    void aFailedReadKeepsTheLastObservation() {
        long term = lead();
        leader.writeHeartbeat(term);
        HeartbeatSeen before = monitor.observe().orElseThrow();
        replica.failNext("readHeartbeat", new ConsensusUnavailableException("cut"));
        clock.advance(Duration.ofSeconds(1));

        assertThat(monitor.observe()).contains(before);
    }

    @Test
    void forgettingStartsOverAtTheNextRead() {
        long term = lead();
        leader.writeHeartbeat(term);
        monitor.observe();
        monitor.forget();
        assertThat(monitor.current()).isEmpty();

        clock.advance(Duration.ofSeconds(5));
        assertThat(monitor.observe().orElseThrow().movedAt()).isEqualTo(clock.nanoTime());
    }

    private long lead() {
        assertThat(leader.tryAcquireLeader()).isTrue();
        return leader.read().leader().orElseThrow().term();
    }
}
