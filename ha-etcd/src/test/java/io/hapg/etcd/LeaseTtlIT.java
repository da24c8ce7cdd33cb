package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.LeaseOption;
import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.Member;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lease follows the cluster's live ttl ({@code setTtl}), as Patroni's etcd3 backend does: a
 * raised ttl must reach etcd, or a primary believes it holds the leader key longer than etcd
 * keeps it (issue #12, item 1). The leader key keeps its create revision (the term) when it moves
 * to the new lease, and the member key moves too.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LeaseTtlIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void leaderAndMemberKeysMoveToALeaseWithTheLiveTtl() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1); Client admin = EtcdTestSupport.admin(etcd.clientEndpoints())) {
            logs.watch(etcd);
            String scope = EtcdTestSupport.freshScope("ttl");
            try (EtcdConsensus n0 = new EtcdConsensus(EtcdTestSupport.config(etcd, scope, "n0")
                    .ttl(Duration.ofSeconds(10)).build())) {
                String prefix = "/service/" + scope + "/";
                assertThat(n0.tryAcquireLeader()).isTrue();
                n0.publishMember(member());
                KeyValue before = key(admin, prefix + "leader");
                assertThat(grantedTtl(admin, before.getLease())).isEqualTo(10);

                n0.setTtl(Duration.ofSeconds(30));
                assertThat(n0.renewLeader(ClusterStatus.EMPTY)).isTrue();
                n0.publishMember(member());
                KeyValue raised = key(admin, prefix + "leader");
                assertThat(raised.getLease()).isNotEqualTo(before.getLease());
                assertThat(grantedTtl(admin, raised.getLease())).as("leader key's lease ttl after raising").isEqualTo(30);
                assertThat(raised.getCreateRevision()).as("the term").isEqualTo(before.getCreateRevision());
                assertThat(key(admin, prefix + "members/n0").getLease()).isEqualTo(raised.getLease());

                n0.setTtl(Duration.ofSeconds(3));
                assertThat(n0.renewLeader(ClusterStatus.EMPTY)).isTrue();
                n0.publishMember(member());
                KeyValue lowered = key(admin, prefix + "leader");
                assertThat(grantedTtl(admin, lowered.getLease())).as("after lowering").isEqualTo(3);
                assertThat(lowered.getCreateRevision()).isEqualTo(before.getCreateRevision());
                assertThat(key(admin, prefix + "members/n0").getLease()).isEqualTo(lowered.getLease());

                // Not renewed any more: the key goes with the 3 s lease, not the 30 s one left behind.
                long stopped = System.nanoTime();
                EtcdTestSupport.await("the leader key expires with the live ttl", Duration.ofSeconds(8),
                        () -> n0.read().leader().isEmpty());
                assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - stopped)).isLessThan(8);

                // A late renewal of the lease that replaced the retired one re-creates the key: it was
                // lost with this member's live lease, not deleted on purpose.
                assertThat(n0.renewLeader(ClusterStatus.EMPTY)).isTrue();
                assertThat(n0.read().isLeader("n0")).isTrue();
            }
        }
    }

    @Test
    void aKeyDeletedOnPurposeWhileTheLeaseIsReplacedIsNotRecreated() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1); Client admin = EtcdTestSupport.admin(etcd.clientEndpoints())) {
            logs.watch(etcd);
            String scope = EtcdTestSupport.freshScope("ttl-del");
            try (EtcdConsensus n0 = new EtcdConsensus(EtcdTestSupport.config(etcd, scope, "n0")
                    .ttl(Duration.ofSeconds(10)).build())) {
                assertThat(n0.tryAcquireLeader()).isTrue();
                admin.getKVClient().delete(EtcdTestSupport.bytes("/service/" + scope + "/leader")).get();
                n0.setTtl(Duration.ofSeconds(20));
                assertThat(n0.renewLeader(ClusterStatus.EMPTY)).as("a deleted key is not taken back").isFalse();
                assertThat(n0.read().leader()).isEmpty();
            }
        }
    }

    private static Member member() {
        return Member.of("n0", "postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni");
    }

    private static KeyValue key(Client admin, String key) throws Exception {
        return admin.getKVClient().get(EtcdTestSupport.bytes(key)).get(10, TimeUnit.SECONDS).getKvs().get(0);
    }

    private static long grantedTtl(Client admin, long lease) throws Exception {
        return admin.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS)
                .getGrantedTTL();
    }
}
