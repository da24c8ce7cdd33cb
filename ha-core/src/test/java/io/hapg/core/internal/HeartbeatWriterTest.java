package io.hapg.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.testing.InMemoryConsensus;
import io.hapg.core.spi.TimeSource;
import io.hapg.core.testing.InMemoryStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The leader's fast-failover heartbeat thread against the in-memory store. */
@Timeout(30)
class HeartbeatWriterTest {
    private static final Duration BEAT = Duration.ofMillis(20);

    private final InMemoryStore store = InMemoryStore.create();
    private final InMemoryConsensus n0 = store.member("n0");
    private final InMemoryConsensus n1 = store.member("n1");
    private final HeartbeatWriter writer = new HeartbeatWriter(n0, TimeSource.system(), "shop/n0", "n0", BEAT);

    @AfterEach
    void close() {
        writer.close();
        store.close();
    }

    @Test
    void intervalIsAHundredthOfTheTtlWithin250And500Ms() {
        assertThat(HeartbeatWriter.interval(Duration.ofSeconds(30))).isEqualTo(Duration.ofMillis(300));
        assertThat(HeartbeatWriter.interval(Duration.ofSeconds(10))).isEqualTo(Duration.ofMillis(250));
        assertThat(HeartbeatWriter.interval(Duration.ofSeconds(120))).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void beatsInItsTermFromItsOwnThreadUntilStopped() {
        long term = lead();
        long first = awaitHeartbeatAfter(0);
        awaitHeartbeatAfter(first);
        assertThat(n1.readHeartbeat().term()).isEqualTo(term);
        assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().equals("hapg-heartbeat-n0"));

        writer.stop();
        assertThat(writer.term()).isZero();
        waitBeats(2); // a beat in flight may still land
        long stopped = n1.readHeartbeat().revision();
        waitBeats(5);
        assertThat(n1.readHeartbeat().revision()).as("no beat after stop").isEqualTo(stopped);
    }

    @Test
    void remembersWhenTheLastAcceptedBeatWasSent() {
        assertThat(writer.lastWrittenAt()).isEmpty();
        long before = System.nanoTime();
        lead();
        awaitHeartbeatAfter(0);
        assertThat(writer.lastWrittenAt().orElseThrow()).isBetween(before, System.nanoTime());

        n0.setPartitioned(true);
        long afterCut = System.nanoTime() + BEAT.toNanos();
        waitBeats(3);
        assertThat(writer.lastWrittenAt().orElseThrow()).as("no accepted beat while cut off").isLessThan(afterCut);
    }

    @Test
    void stopsByItselfOnceTheTermMovesOn() {
        lead();
        awaitHeartbeatAfter(0);
        n0.releaseLeader();
        assertThat(n1.tryAcquireLeader()).isTrue();

        await("the writer gave up its term", () -> writer.term() == 0);
        assertThat(n1.readHeartbeat().leader()).contains("n0");
    }

    @Test
    void aMissedBeatIsRetriedAtTheNextBeat() {
        lead();
        n0.setPartitioned(true);
        int before = n0.calls("writeHeartbeat");
        await("beats attempted while cut off", () -> n0.calls("writeHeartbeat") >= before + 2);
        long cut = n1.readHeartbeat().revision();

        n0.setPartitioned(false);
        awaitHeartbeatAfter(cut);
        assertThat(writer.term()).isPositive();
    }

    @Test
    void closeStopsTheThreadAndIgnoresLaterLeads() {
        long term = lead();
        awaitHeartbeatAfter(0);
        writer.close();
        writer.close();

        await("the heartbeat thread ended", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("hapg-heartbeat-n0")));
        writer.lead(term);
        assertThat(writer.term()).isZero();
    }

    private long lead() {
        assertThat(n0.tryAcquireLeader()).isTrue();
        long term = n0.read().leader().orElseThrow().term();
        writer.lead(term);
        assertThat(writer.term()).isEqualTo(term);
        return term;
    }

    private long awaitHeartbeatAfter(long revision) {
        await("a heartbeat after revision " + revision, () -> n1.readHeartbeat().revision() > revision);
        return n1.readHeartbeat().revision();
    }

    private static void waitBeats(int beats) {
        LockSupport.parkNanos(BEAT.toNanos() * beats);
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
