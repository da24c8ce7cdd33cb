package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Leader;
import io.hapg.core.model.Member;
import io.hapg.testkit.FaultProxy;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The watch's cached view catches up after a lost stream plus compaction, and after an etcd restart. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WatchRecoveryIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(20);

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void cachedViewCatchesUpAfterTheStreamWasCutWhileEtcdCompactedItsHistory() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1);
             FaultProxy proxy = FaultProxy.start("127.0.0.1", etcd.clientPort(0));
             Client admin = EtcdTestSupport.admin(etcd.clientEndpoints())) {
            logs.watch(etcd);
            String scope = EtcdTestSupport.freshScope("watch");
            String prefix = "/service/" + scope + "/";
            EtcdConfig config = EtcdConfig.builder().endpoints("http://" + proxy.endpoint()).scope(scope).member("w")
                    .ttl(Duration.ofSeconds(10)).retryTimeout(Duration.ofSeconds(2)).build();
            try (EtcdConsensus watcher = new EtcdConsensus(config)) {
                AtomicInteger wakeUps = new AtomicInteger();
                try (AutoCloseable watch = watcher.watch(wakeUps::incrementAndGet)) {
                    assertThat(watch).isNotNull();
                    EtcdTestSupport.put(admin, prefix + "members/a", memberJson(1));
                    EtcdTestSupport.await("a is seen", CATCH_UP, () -> timeline(watcher, "a") == 1);
                    long established = watcher.watchEstablishedCount();

                    proxy.cut();
                    for (int i = 2; i <= 30; i++) {
                        EtcdTestSupport.put(admin, prefix + "members/a", memberJson(i));
                    }
                    EtcdTestSupport.put(admin, prefix + "leader", "a");
                    long head = admin.getKVClient().get(EtcdTestSupport.bytes(prefix + "leader")).get(5,
                            TimeUnit.SECONDS).getHeader().getRevision();
                    admin.getKVClient().compact(head).get(5, TimeUnit.SECONDS);
                    int wakeUpsBefore = wakeUps.get();
                    assertThat(timeline(watcher, "a")).as("the cache is stale while cut").isEqualTo(1);

                    proxy.heal();
                    EtcdTestSupport.await("the cache caught up", CATCH_UP, () -> timeline(watcher, "a") == 30
                            && watcher.cachedView().flatMap(ClusterView::leader).map(Leader::name).orElse("")
                            .equals("a"));
                    assertThat(watcher.watchEstablishedCount()).isGreaterThan(established);
                    assertThat(wakeUps.get()).as("the caller was woken after catching up").isGreaterThan(wakeUpsBefore);
                    assertThat(watcher.cachedView().get().revision()).isGreaterThanOrEqualTo(head);

                    EtcdTestSupport.put(admin, prefix + "members/a", memberJson(31));
                    EtcdTestSupport.await("live events flow again", CATCH_UP, () -> timeline(watcher, "a") == 31);
                }
            }
        }
    }

    @Test
    void cachedViewCatchesUpAfterAnEtcdRestart() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1)) {
            logs.watch(etcd);
            String scope = EtcdTestSupport.freshScope("restart");
            String prefix = "/service/" + scope + "/";
            try (EtcdConsensus watcher = new EtcdConsensus(EtcdTestSupport.config(etcd, scope, "w").build());
                 AutoCloseable watch = watcher.watch(() -> { })) {
                assertThat(watch).isNotNull();
                try (Client admin = EtcdTestSupport.admin(etcd.clientEndpoints())) {
                    EtcdTestSupport.put(admin, prefix + "members/a", memberJson(1));
                }
                EtcdTestSupport.await("a is seen", CATCH_UP, () -> timeline(watcher, "a") == 1);

                etcd.stop(0);
                etcd.restart(0);
                etcd.awaitHealthy(Duration.ofSeconds(30));
                try (Client admin = EtcdTestSupport.admin(etcd.clientEndpoints())) {
                    EtcdTestSupport.put(admin, prefix + "members/a", memberJson(2));
                    EtcdTestSupport.put(admin, prefix + "members/b", memberJson(7));
                }
                EtcdTestSupport.await("changes after the restart are seen", CATCH_UP,
                        () -> timeline(watcher, "a") == 2 && timeline(watcher, "b") == 7);
            }
        }
    }

    private static int timeline(EtcdConsensus watcher, String member) {
        return watcher.cachedView().flatMap(v -> v.member(member)).map(Member::timeline).orElse(0);
    }

    private static String memberJson(int timeline) {
        return "{\"conn_url\":\"postgres://127.0.0.1:5432/postgres\",\"api_url\":\"http://127.0.0.1:8008/patroni\","
                + "\"state\":\"running\",\"role\":\"replica\",\"version\":\"3.0.2\",\"xlog_location\":50331744,"
                + "\"timeline\":" + timeline + "}";
    }
}
