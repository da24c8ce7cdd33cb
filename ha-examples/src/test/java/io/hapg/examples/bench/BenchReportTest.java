package io.hapg.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The table and CSV the bench prints: statistics per system, the ratio column, failed samples. */
class BenchReportTest {
    private static final String KILL = "kill -9 primary node";
    private static final String COMMIT = "-> first commit (s)";

    @Test
    void oneSystemHasMinMedianMaxAndNoRatio() {
        BenchReport r = new BenchReport();
        for (double v : new double[] {14.4, 13.4, 16.3}) {
            r.add(Sample.of(KILL, "hapg", 1, COMMIT, v));
        }
        assertThat(r.table()).isEqualTo("""
                | scenario | metric | hapg (min / median / max) |
                |---|---|---|
                | kill -9 primary node | -> first commit (s) | 13.4 / 14.4 / 16.3 |
                """);
    }

    @Test
    void twoSystemsGetTheRatioOfTheMedians() {
        BenchReport r = new BenchReport();
        r.add(Sample.of(KILL, "hapg", 1, COMMIT, 2.1));
        r.add(Sample.of(KILL, "hapg", 2, COMMIT, 4.1));
        r.add(Sample.of(KILL, "patroni", 1, COMMIT, 12.4));
        r.add(Sample.of(KILL, "hapg", 1, "failed requests", 6));
        r.add(Sample.of(KILL, "patroni", 1, "failed requests", 0));
        r.add(Sample.of("GET /primary, 10 keep-alive clients", "hapg", 1, "requests/s", 9160));
        r.add(Sample.of("GET /primary, 10 keep-alive clients", "patroni", 1, "requests/s", 411));
        assertThat(r.table()).isEqualTo("""
                | scenario | metric | hapg (min / median / max) | patroni (min / median / max) | hapg / patroni |
                |---|---|---|---|---|
                | kill -9 primary node | -> first commit (s) | 2.10 / 3.10 / 4.10 | 12.4 | 0.25x |
                | kill -9 primary node | failed requests | 6 | 0 | - |
                | GET /primary, 10 keep-alive clients | requests/s | 9160 | 411 | 22.29x |
                """);
    }

    @Test
    void failedSamplesAreCountedAndTheirReasonListed() {
        BenchReport r = new BenchReport();
        r.add(Sample.of(KILL, "hapg", 1, COMMIT, 3.2));
        r.add(Sample.failed(KILL, "hapg", 2, COMMIT, "no commit within 60 s"));
        r.add(Sample.failed(KILL, "patroni", 1, COMMIT, "not converged before"));
        assertThat(r.table()).contains("| kill -9 primary node | -> first commit (s) | 3.20 (1 failed) | - (1 failed) | - |")
                .contains("- hapg, kill -9 primary node, -> first commit (s): no commit within 60 s\n")
                .contains("- patroni, kill -9 primary node, -> first commit (s): not converged before\n");
    }

    @Test
    void statisticsOfAnEvenCountTakeTheMeanOfTheMiddleTwo() {
        BenchReport.Stats s = BenchReport.Stats.of(List.of(Sample.of(KILL, "hapg", 1, COMMIT, 4),
                Sample.of(KILL, "hapg", 2, COMMIT, 1), Sample.of(KILL, "hapg", 3, COMMIT, 2),
                Sample.of(KILL, "hapg", 4, COMMIT, 10)));
        assertThat(s.min()).isEqualTo(1);
        assertThat(s.median()).isEqualTo(3);
        assertThat(s.max()).isEqualTo(10);
        assertThat(BenchReport.ratio(1, 0)).isEqualTo("-");
        assertThat(BenchReport.ratio(Double.NaN, 2)).isEqualTo("-");
    }

    @Test
    void csvHasOneLinePerSampleAndQuotesCommas() {
        BenchReport r = new BenchReport();
        r.add(Sample.of("GET /primary, 10 keep-alive clients", "hapg", 1, "p99 (ms)", 1.234));
        r.add(Sample.failed(KILL, "patroni", 2, COMMIT, "no commit, last error: \"refused\""));
        assertThat(r.csv()).isEqualTo("""
                scenario,system,repetition,metric,value,failure
                "GET /primary, 10 keep-alive clients",hapg,1,p99 (ms),1.234,
                kill -9 primary node,patroni,2,-> first commit (s),,"no commit, last error: ""refused\"""
                """);
    }

    @Test
    void theLongestGapEndsAtTheFirstCommitAfterIt() {
        long[] commits = {5, 10, 12, 40, 41, 45};
        assertThat(FaultBench.longestGap(commits, 8, 45)).containsExactly(12, 40);
        assertThat(FaultBench.longestGap(commits, 0, 100)).containsExactly(12, 40);
    }

    @Test
    void procStatCpuTicksSkipTheCommandName() {
        String stat = "4242 (java main) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 30 0 100 0 0";
        assertThat(IdleCost.cpuTicks(stat)).isEqualTo(300);
    }
}
