package io.hapg.examples.soak;

import io.hapg.examples.cluster.Fault;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.testkit.WriteHistory;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The write gap and the summary table, on synthetic histories. */
class SoakReportTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:10Z");

    @Test
    void gapIsTheTimeToTheFirstCommitOfTheNewTerm() {
        List<WriteHistory.Commit> commits = List.of(commit(1, "n0", 1, 9_990), commit(2, "n0", 1, 10_400),
                commit(3, "n1", 2, 19_000), commit(4, "n1", 2, 19_100));
        assertThat(SoakReport.writeGapMillis(commits, T0)).isEqualTo(9_005);
    }

    @Test
    void sameNodeOnANewTimelineIsANewTerm() {
        List<WriteHistory.Commit> commits = List.of(commit(1, "n0", 1, 9_990), commit(2, "n0", 2, 13_000));
        assertThat(SoakReport.writeGapMillis(commits, T0)).isEqualTo(3_005);
    }

    @Test
    void whenThePrimaryStaysTheGapIsTheLongestPause() {
        List<WriteHistory.Commit> commits = List.of(commit(1, "n0", 1, 9_990), commit(2, "n0", 1, 10_100),
                commit(3, "n0", 1, 12_100), commit(4, "n0", 1, 12_200));
        assertThat(SoakReport.writeGapMillis(commits, T0)).isEqualTo(2_000);
        assertThat(SoakReport.writeGapMillis(commits.subList(0, 1), T0)).isEqualTo(-1);
    }

    @Test
    void tableCountsPerKindAndFailsOnSplitBrainOrLoss() {
        SoakReport report = new SoakReport();
        report.add(row(1, Fault.SWITCHOVER, 900, 0, 0));
        report.add(row(2, Fault.SWITCHOVER, 1_100, 0, 0));
        report.add(row(3, Fault.SWITCHOVER, 1_000, 0, 0));
        assertThat(report.passed()).isTrue();
        assertThat(report.table()).containsPattern("planned switchover +3 +1000 +0 +0 ");
        report.add(row(4, Fault.FREEZE_PRIMARY_AGENT, 9_000, 1, 0));
        assertThat(report.passed()).isFalse();
        assertThat(report.firstFailure()).map(SoakReport.Row::number).contains(4);
        assertThat(report.table()).containsPattern("all faults +4 +1100 +0 +1 ");
        assertThat(row(5, Fault.KILL_PRIMARY_NODE, 9_000, 0, 2).passed()).isFalse();
        assertThat(row(5, Fault.KILL_PRIMARY_NODE, 9_000, 0, 2).line()).contains("lost 2").endsWith("FAIL");
    }

    private static SoakReport.Row row(int number, Fault fault, long gap, int splitBrain, long lost) {
        return new SoakReport.Row(number, fault, "n0", "n0->n1", gap, 3, 0, splitBrain, lost, 2_000, 30_000, "");
    }

    private static WriteHistory.Commit commit(long id, String node, long timeline, long millis) {
        Instant at = Instant.ofEpochMilli(millis).plusSeconds(1_767_225_600L);
        return new WriteHistory.Commit(id, 0, node, timeline, at, at.plusMillis(5));
    }
}
