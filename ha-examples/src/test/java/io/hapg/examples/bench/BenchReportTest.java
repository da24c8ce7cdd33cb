package io.hapg.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hapg.examples.cluster.Fault;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The table and CSV the bench prints: statistics per system, percentile rows, the ratio column,
 * failed samples; and the pure parts of the scenarios (row names, Patroni's YAML, /proc parsing).
 */
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
    void aPercentileMetricGetsOneRowPerPercentileOverEveryRepetition() {
        BenchReport r = new BenchReport();
        String pools = "leader change -> 100 pools retargeted";
        String retarget = "switchover request -> pool retargeted (s)";
        r.percentiles(retarget, 0.50, 0.99);
        r.add(Sample.of(KILL, "hapg", 1, COMMIT, 2.0));
        // 200 samples over two repetitions: 0.01 .. 1.00 s in the first, 1.01 .. 2.00 s in the second.
        for (int i = 1; i <= 200; i++) {
            r.add(Sample.of(pools, "hapg", i <= 100 ? 1 : 2, retarget, i / 100.0));
        }
        r.add(Sample.of(pools, "patroni", 1, retarget, 0.5));
        r.add(Sample.of(pools, "patroni", 1, retarget, 4.0));
        r.add(Sample.failed(pools, "patroni", 1, retarget, "pool 7 not retargeted within 60 s"));
        assertThat(r.table()).isEqualTo("""
                | scenario | metric | hapg (min / median / max) | patroni (min / median / max) | hapg / patroni |
                |---|---|---|---|---|
                | kill -9 primary node | -> first commit (s) | 2 | - | - |
                | leader change -> 100 pools retargeted | switchover request -> pool retargeted (s), p50 | 1.00 | 0.50 (1 failed) | 2.00x |
                | leader change -> 100 pools retargeted | switchover request -> pool retargeted (s), p99 | 1.98 | 4.00 (1 failed) | 0.50x |

                failed samples (first reason each):
                - patroni, leader change -> 100 pools retargeted, switchover request -> pool retargeted (s): pool 7 not retargeted within 60 s
                """);
        assertThat(r.csv().lines().filter(l -> l.startsWith(pools))).hasSize(203);
    }

    @Test
    void percentilesAreNearestRank() {
        double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(BenchReport.Stats.percentile(sorted, 0.50)).isEqualTo(5);
        assertThat(BenchReport.Stats.percentile(sorted, 0.99)).isEqualTo(10);
        assertThat(BenchReport.Stats.percentile(sorted, 0.10)).isEqualTo(1);
        assertThat(BenchReport.Stats.percentile(sorted, 0)).isEqualTo(1);
        assertThat(BenchReport.Stats.percentile(new double[0], 0.5)).isNaN();
        assertThat(BenchReport.Stats.percentile(List.of(Sample.of(KILL, "hapg", 1, COMMIT, 3),
                Sample.failed(KILL, "hapg", 1, COMMIT, "no"), Sample.of(KILL, "hapg", 1, COMMIT, 1)), 0.99))
                .as("failed samples are left out").isEqualTo(3);
    }

    @Test
    void thePostgresCrashRowsNameTheirMode() {
        assertThat(FaultBench.scenario(Fault.KILL_PRIMARY_POSTGRES, false)).endsWith("postmaster, async");
        assertThat(FaultBench.scenario(Fault.KILL_PRIMARY_POSTGRES, true)).endsWith("postmaster, sync");
        assertThat(FaultBench.scenario(Fault.SWITCHOVER, true)).isEqualTo(FaultBench.scenario(Fault.SWITCHOVER, false));
    }

    @Test
    void patroniGetsTheClusterWideParametersInItsBootstrapDcs() {
        ObjectNode parameters = JsonNodeFactory.instance.objectNode().put("max_connections", "300")
                .put("shared_buffers", "16MB").put("fsync", "off");
        ObjectNode dcs = LaunchedAgent.dcsPostgresql(null, parameters);
        assertThat(dcs.get("use_pg_rewind").asBoolean()).isTrue();
        assertThat(dcs.get("parameters").get("max_connections").asText()).isEqualTo("300");
        assertThat(dcs.get("parameters").has("shared_buffers")).as("a local parameter stays local").isFalse();
        ObjectNode own = JsonNodeFactory.instance.objectNode();
        own.putObject("parameters").put("max_connections", "60").put("max_worker_processes", "4");
        ObjectNode merged = LaunchedAgent.dcsPostgresql(own, parameters);
        assertThat(merged.get("parameters").get("max_connections").asText()).as("the YAML's bootstrap.dcs wins")
                .isEqualTo("60");
        assertThat(merged.get("parameters").get("max_worker_processes").asText()).isEqualTo("4");
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
