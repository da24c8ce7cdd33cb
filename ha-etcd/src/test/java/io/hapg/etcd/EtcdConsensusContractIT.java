package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.hapg.core.spi.Consensus;
import io.hapg.core.testing.ConsensusContract;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ha-core consensus contract against a real one-member etcd; each test gets its own scope. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdConsensusContractIT extends ConsensusContract {
    private static final Duration TTL = Duration.ofSeconds(2);

    @RegisterExtension
    static final ProcessLogs LOGS = new ProcessLogs();

    private static LocalEtcd etcd;
    private static Client admin;

    private final String scope = EtcdTestSupport.freshScope("contract");
    private final Map<String, EtcdConsensus> members = new ConcurrentHashMap<>();

    @BeforeAll
    static void startEtcd() {
        etcd = LocalEtcd.start(1);
        LOGS.watch(etcd);
        admin = EtcdTestSupport.admin(etcd.clientEndpoints());
    }

    @AfterAll
    static void stopEtcd() {
        if (admin != null) {
            admin.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    /** hactl remove: every key of the cluster goes, a cluster whose name starts the same stays. */
    @Test
    void deleteClusterRemovesOnlyThisClustersKeys() throws Exception {
        EtcdTestSupport.put(admin, "/service/" + scope + "/config", "{}");
        EtcdTestSupport.put(admin, "/service/" + scope + "/members/n1", "{}");
        EtcdTestSupport.put(admin, "/service/" + scope + "2/config", "{}");
        EtcdConsensus consensus = (EtcdConsensus) newMember("hactl");
        try {
            assertThat(consensus.deleteCluster()).isEqualTo(2);
            assertThat(consensus.read().config()).isEmpty();
            assertThat(admin.getKVClient().get(EtcdTestSupport.bytes("/service/" + scope + "2/config"))
                    .get(5, TimeUnit.SECONDS).getCount()).isEqualTo(1);
        } finally {
            consensus.close();
        }
    }

    /** Fast failover: the heartbeat lives outside the cluster prefix, so patronictl and the prefix watch never see it. */
    @Test
    void heartbeatKeyLiesOutsideTheClusterPrefix() throws Exception {
        Consensus n0 = member("n0");
        assertThat(n0.tryAcquireLeader()).isTrue();
        assertThat(n0.writeHeartbeat(n0.read().leader().orElseThrow().term())).isTrue();

        var heartbeat = admin.getKVClient().get(EtcdTestSupport.bytes("/service/.hapg/" + scope + "/heartbeat"))
                .get(5, TimeUnit.SECONDS);
        assertThat(heartbeat.getCount()).isEqualTo(1);
        assertThat(heartbeat.getKvs().get(0).getValue().toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"leader\":\"n0\"");
        var cluster = admin.getKVClient().get(EtcdTestSupport.bytes("/service/" + scope + "/"),
                io.etcd.jetcd.options.GetOption.builder().isPrefix(true).build()).get(5, TimeUnit.SECONDS);
        assertThat(cluster.getKvs()).noneMatch(kv -> kv.getKey().toString(java.nio.charset.StandardCharsets.UTF_8)
                .contains("heartbeat"));
    }

    @Override
    protected Consensus newMember(String name) {
        EtcdConsensus consensus = new EtcdConsensus(EtcdTestSupport.config(etcd, scope, name).ttl(TTL).build());
        members.put(name, consensus);
        return consensus;
    }

    @Override
    protected Duration ttl() {
        return TTL;
    }

    @Override
    protected void elapse(Duration duration) {
        EtcdTestSupport.pause(duration);
    }

    @Override
    protected void expireLease(String name) {
        long lease = members.get(name).leaseId();
        if (lease == 0) {
            return;
        }
        try {
            admin.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot revoke " + name + "'s lease", e);
        }
    }
}
