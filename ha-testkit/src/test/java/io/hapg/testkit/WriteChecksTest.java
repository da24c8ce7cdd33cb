package io.hapg.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The checks of {@link WriteHistory} on synthetic histories. */
class WriteChecksTest {
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
    private final List<WriteHistory.Commit> history = new ArrayList<>();
    private long ids;

    /** A commit executed at {@code ms} and acknowledged {@code ackDelayMs} later. */
    private void commit(String node, long timeline, long ms, long ackDelayMs) {
        history.add(new WriteHistory.Commit(++ids, 0, node, timeline, T0.plusMillis(ms), T0.plusMillis(ms + ackDelayMs)));
    }

    private void commits(String node, long timeline, long fromMs, long toMs) {
        for (long t = fromMs; t <= toMs; t += 5) {
            commit(node, timeline, t, 1);
        }
    }

    @Test
    void aCleanFailoverHasNoOverlap() {
        commits("n0", 1, 0, 1000);
        commits("n1", 2, 9000, 10000);
        assertThat(WriteChecks.overlappingPrimaries(history, Duration.ZERO)).isEmpty();
        assertThat(WriteChecks.terms(history)).extracting(WriteChecks.Term::node).containsExactly("n0", "n1");
    }

    @Test
    void twoNodesAcknowledgingInTheSameWindowIsAViolation() {
        commits("n0", 1, 0, 1000);
        commits("n1", 2, 900, 2000);
        assertThat(WriteChecks.overlappingPrimaries(history, Duration.ZERO)).singleElement().asString()
                .contains("n0 on timeline 1").contains("n1 on timeline 2");
    }

    @Test
    void oneStaleAcknowledgementInsideTheNewPrimarysTermIsAViolation() {
        commits("n0", 1, 0, 1000);
        commits("n1", 2, 2000, 3000);
        // The old primary still acknowledges one commit after the new one took writes.
        commit("n0", 1, 2500, 1);
        assertThat(WriteChecks.overlappingPrimaries(history, Duration.ZERO)).hasSize(1);
    }

    @Test
    void theWindowEndsWithTheAcknowledgementNotTheStatement() {
        commit("n0", 1, 0, 1);
        commit("n0", 1, 100, 500); // executed at 100 ms, acknowledged at 600 ms
        commit("n1", 2, 400, 1);
        assertThat(WriteChecks.overlappingPrimaries(history, Duration.ZERO)).hasSize(1);
    }

    @Test
    void theToleranceAbsorbsClockNoise() {
        commits("n0", 1, 0, 1000);
        commit("n1", 2, 1000, 1); // starts 1 ms before n0's last acknowledgement
        commits("n1", 2, 1005, 2000);
        assertThat(WriteChecks.overlappingPrimaries(history, Duration.ZERO)).hasSize(1);
        assertThat(WriteChecks.overlappingPrimaries(history, Duration.ofMillis(2))).isEmpty();
    }

    @Test
    void aNodeBackOnANewTimelineIsANewTerm() {
        commits("n0", 1, 0, 1000);
        commits("n1", 2, 2000, 3000);
        commits("n0", 3, 4000, 5000);
        assertThat(WriteChecks.overlappingPrimaries(history, Duration.ZERO)).isEmpty();
        assertThat(WriteChecks.terms(history)).hasSize(3);
    }

    @Test
    void aNodeReturningOnItsOldTimelineSpansTheOtherTerm() {
        // n0 writes on timeline 1 before and after n1's term: n0 was writable during n1's term.
        commits("n0", 1, 0, 1000);
        commits("n1", 2, 2000, 3000);
        commits("n0", 1, 4000, 5000);
        assertThat(WriteChecks.overlappingPrimaries(history, Duration.ZERO)).hasSize(1);
    }

    @Test
    void aCrashRestartInPlaceKeepsOneTerm() {
        commits("n0", 1, 0, 1000);
        commits("n0", 1, 3000, 4000);
        assertThat(WriteChecks.overlappingPrimaries(history, Duration.ZERO)).isEmpty();
        assertThat(WriteChecks.terms(history)).singleElement().extracting(WriteChecks.Term::commits)
                .isEqualTo(402);
    }

    @Test
    void lostListsTheAcknowledgedIdsMissingFromTheFinalPrimary() {
        commits("n0", 1, 0, 20);
        assertThat(WriteChecks.lost(history, Set.of(1L, 2L, 3L, 4L, 5L))).isEmpty();
        assertThat(WriteChecks.lost(history, Set.of(1L, 3L, 5L, 99L))).containsExactly(2L, 4L);
    }

    @Test
    void anEmptyHistoryHasNoViolation() {
        assertThat(WriteChecks.overlappingPrimaries(history, Duration.ZERO)).isEmpty();
        assertThat(WriteChecks.terms(history)).isEmpty();
    }
}
