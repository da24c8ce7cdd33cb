package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.hapg.core.HaAgent;
import io.hapg.core.config.HaConfig;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.spi.NodeStatus;
import io.hapg.core.testing.FakeDatabaseNetwork;
import io.hapg.core.testing.FakeDatabaseNode;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Garbage written into the {@code config} key does not hand the agent its local bootstrap
 * configuration: what the cluster was told at runtime ({@code pause: true} here) stays in force
 * until the key is repaired, and the repair is taken up.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CorruptConfigKeyIT {
    private static final DynamicConfig DCS = DynamicConfig.fromMap(Map.of("ttl", 10, "loop_wait", 1,
            "retry_timeout", 3));

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void theLastGoodConfigStaysInForceWhileTheKeyHoldsGarbage() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1); Client admin = EtcdTestSupport.admin(etcd.clientEndpoints())) {
            logs.watch(etcd);
            String scope = EtcdTestSupport.freshScope("corrupt-config");
            FakeDatabaseNode database = new FakeDatabaseNetwork().node("n1");
            EtcdConsensus consensus = new EtcdConsensus(EtcdTestSupport.config(etcd, scope, "n1")
                    .ttl(DCS.ttl()).retryTimeout(DCS.retryTimeout()).build());
            try (HaAgent agent = HaAgent.builder(HaConfig.builder().scope(scope).name("n1").bootstrapDcs(DCS).build(),
                    consensus, database).build()) {
                agent.start();
                EtcdTestSupport.await("n1 leads with the config key written", Duration.ofSeconds(30),
                        () -> agent.status().map(NodeStatus::holdsLock).orElse(false)
                                && agent.readCluster().config().isPresent());
                long stored = agent.readCluster().configRevision();
                assertThat(agent.writeConfig(stored, agent.readCluster().config().get().with("pause", true))).isTrue();
                EtcdTestSupport.await("n1 paused", Duration.ofSeconds(10), () -> reason(agent).startsWith("paused:"));

                long garbage = admin.getKVClient().put(EtcdTestSupport.bytes("/service/" + scope + "/config"),
                        EtcdTestSupport.bytes("{\"ttl\": 30, \"pause\": tru")).get(5, TimeUnit.SECONDS)
                        .getHeader().getRevision();
                EtcdTestSupport.await("n1 read the garbage", Duration.ofSeconds(10),
                        () -> agent.status().map(s -> s.cluster().configRevision() == garbage).orElse(false));
                Instant seen = agent.status().get().loopAt();
                EtcdTestSupport.await("three more iterations", Duration.ofSeconds(10),
                        () -> agent.status().get().loopAt().isAfter(seen.plusSeconds(2)));

                NodeStatus status = agent.status().get();
                assertThat(status.reason()).as("still in maintenance mode").startsWith("paused:");
                assertThat(status.cluster().configRevision()).as("the stored key's revision, for a repair")
                        .isEqualTo(garbage);
                assertThat(agent.readCluster().configUnreadable()).isTrue();

                assertThat(agent.writeConfig(garbage, DCS)).as("repaired by compare-and-set").isTrue();
                EtcdTestSupport.await("the repaired config (no pause) is taken up", Duration.ofSeconds(10),
                        () -> !reason(agent).startsWith("paused:"));
            }
        }
    }

    private static String reason(HaAgent agent) {
        return agent.status().map(NodeStatus::reason).orElse("");
    }
}
