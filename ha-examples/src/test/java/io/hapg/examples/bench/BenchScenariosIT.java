package io.hapg.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.cluster.LocalClusterExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The bench scenarios that only {@code bench} runs, once each on a real hapg cluster, so that a
 * broken scenario fails here and not in a user's bench run: {@value PoolRetarget#POOLS} pools
 * through a switchover ({@link PoolRetarget}), and {@code synchronous_mode} switched on and off
 * ({@link SynchronousMode}), as the bench does between its asynchronous and synchronous rows.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class BenchScenariosIT {
    private static final int TTL = 10;

    @RegisterExtension
    static final LocalClusterExtension HAPG = LocalClusterExtension.of(LocalCluster.builder()
            .scope("bench-it").nodes(3).ttl(TTL).loopWait(1).retryTimeout(4)
            .restApiAuthentication(SystemRun.API_USER, SystemRun.API_PASSWORD)
            .pgParameter("max_connections", Integer.toString(PoolRetarget.POOLS * 3)));

    @Test
    void everyPoolFollowsASwitchoverAndTheLocatorNamesTheNewPrimaryFirst() {
        LocalCluster cluster = HAPG.cluster();
        ClusterNode before = cluster.awaitConverged(Duration.ofSeconds(120));
        BenchReport report = new BenchReport();
        try (PoolRetarget pools = PoolRetarget.open(BenchReport.HAPG, cluster, TTL, report, System.out)) {
            pools.run(1);
        }
        List<Sample> retargeted = samples(report, PoolRetarget.METRIC);
        List<Sample> located = samples(report, PoolRetarget.LOCATOR_METRIC);
        assertThat(retargeted).hasSize(PoolRetarget.POOLS);
        assertThat(retargeted.stream().filter(s -> !s.ok()).map(s -> s.failure().orElseThrow())).isEmpty();
        assertThat(located).hasSize(1).allMatch(Sample::ok);
        // Each sample is the time from the switchover request: a value at or below 0 would be a
        // pool told before the request, that is, a clock or bookkeeping bug in the scenario.
        assertThat(retargeted).allMatch(s -> s.value() > 0);
        assertThat(located.get(0).value()).isPositive();
        assertThat(cluster.awaitConverged(Duration.ofSeconds(60))).isNotEqualTo(before);
    }

    @Test
    void synchronousModeSwitchedOnNamesASyncStandbyAndOffNamesNone() {
        LocalCluster cluster = HAPG.cluster();
        SynchronousMode.set(cluster, true, Duration.ofSeconds(90));
        assertThat(cluster.nodes().stream().filter(n -> n.status("/sync") == 200)).hasSize(1);
        SynchronousMode.set(cluster, false, Duration.ofSeconds(90));
        assertThat(cluster.nodes().stream().filter(n -> n.status("/sync") == 200)).isEmpty();
        assertThat(cluster.nodes().stream().filter(n -> n.status("/async") == 200)).hasSize(2);
    }

    private static List<Sample> samples(BenchReport report, String metric) {
        return report.samples().stream().filter(s -> s.scenario().equals(PoolRetarget.SCENARIO)
                && s.metric().equals(metric)).collect(Collectors.toList());
    }
}
