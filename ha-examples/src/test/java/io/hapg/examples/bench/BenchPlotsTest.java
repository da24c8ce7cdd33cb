package io.hapg.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.junit.jupiter.api.Test;

/** The data behind the plots that is not a picture: the pools' cumulative distribution. */
class BenchPlotsTest {
    @Test
    void theDistributionIsTheShareOfSuccessfulSamplesAtOrBelowEachValuePerSystem() {
        BenchReport r = new BenchReport();
        r.add(Sample.of(PoolRetarget.SCENARIO, "hapg", 1, PoolRetarget.METRIC, 0.30));
        r.add(Sample.of(PoolRetarget.SCENARIO, "hapg", 2, PoolRetarget.METRIC, 0.10));
        r.add(Sample.failed(PoolRetarget.SCENARIO, "hapg", 2, PoolRetarget.METRIC, "not retargeted"));
        r.add(Sample.of(PoolRetarget.SCENARIO, "patroni", 1, PoolRetarget.METRIC, 0.70));
        r.add(Sample.of("kill -9 primary node", "hapg", 1, FaultBench.FIRST_COMMIT, 9));
        XYSeriesCollection d = BenchPlots.distribution(r, PoolRetarget.METRIC);
        assertThat(d.getSeriesCount()).isEqualTo(2);
        XYSeries hapg = d.getSeries("hapg");
        assertThat(hapg.getItemCount()).isEqualTo(2);
        assertThat(hapg.getX(0).doubleValue()).isEqualTo(0.10);
        assertThat(hapg.getY(0).doubleValue()).isEqualTo(50.0);
        assertThat(hapg.getX(1).doubleValue()).isEqualTo(0.30);
        assertThat(hapg.getY(1).doubleValue()).isEqualTo(100.0);
        assertThat(d.getSeries("patroni").getY(0).doubleValue()).isEqualTo(100.0);
        assertThat(BenchPlots.distribution(r, "no such metric").getSeriesCount()).isZero();
    }
}
