package io.hapg.etcd;

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
