package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A leader that stops renewing loses the key within ttl (plus etcd's expiry granularity), and a
 * watcher learns of it from the DELETE event. Prints the expiry accuracy (key gone at the watcher
 * minus the last renewal ack, minus ttl) and the watch latency (revoke answered → DELETE seen by
 * the watcher's callback).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LeaseExpiryIT {
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final int EXPIRY_ROUNDS = 3;
    private static final int REVOKE_ROUNDS = 20;

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void unrenewedLeaderKeyExpiresWithinTtlAndTheWatcherSeesTheDelete() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1); Client admin = EtcdTestSupport.admin(etcd.clientEndpoints())) {
            logs.watch(etcd);
            String scope = EtcdTestSupport.freshScope("expiry");
            try (EtcdConsensus watcher = new EtcdConsensus(EtcdTestSupport.config(etcd, scope, "w").build())) {
                AtomicLong goneAt = new AtomicLong();
                AutoCloseable watch = watcher.watch(() -> {
                    if (watcher.cachedView().flatMap(ClusterView::leader).isEmpty() && goneAt.get() == 0) {
                        goneAt.set(System.nanoTime());
                    }
                });
                EtcdTestSupport.await("the watch is up", Duration.ofSeconds(10),
                        () -> watcher.cachedView().isPresent());
                List<Long> overTtl = new ArrayList<>();
                for (int round = 0; round < EXPIRY_ROUNDS; round++) {
                    try (EtcdConsensus leader = new EtcdConsensus(EtcdTestSupport.config(etcd, scope, "n0").ttl(TTL)
                            .build())) {
                        assertThat(leader.tryAcquireLeader()).isTrue();
                        EtcdTestSupport.await("the watcher sees the leader", Duration.ofSeconds(10),
                                () -> watcher.cachedView().flatMap(ClusterView::leader).isPresent());
                        goneAt.set(0);
                        assertThat(leader.renewLeader(ClusterStatus.EMPTY)).isTrue();
                        long lastAck = System.nanoTime();
                        EtcdTestSupport.await("the key expired at the watcher", TTL.multipliedBy(3),
                                () -> goneAt.get() != 0);
                        long afterAck = TimeUnit.NANOSECONDS.toMillis(goneAt.get() - lastAck);
                        overTtl.add(afterAck - TTL.toMillis());
                        assertThat(afterAck).as("key gone after the last renewal (ms)")
                                .isGreaterThanOrEqualTo(TTL.toMillis() - 100)
                                .isLessThan(TTL.toMillis() + 1500);
                        assertThat(leader.read().leader()).isEmpty();
                    }
                }
                List<Long> answered = new ArrayList<>();
                List<Long> latency = revokeLatencies(etcd, admin, scope, watcher, goneAt, answered);
                watch.close();
                System.out.printf("lease expiry (ttl %d ms, %d rounds): key gone at the watcher %s ms after ttl"
                        + " from the last renewal ack%n", TTL.toMillis(), EXPIRY_ROUNDS, overTtl);
                System.out.printf("watch latency, revoke sent -> DELETE at the callback (%d rounds): %s%n",
                        REVOKE_ROUNDS, stats(latency));
                System.out.printf("watch latency, revoke answered -> DELETE at the callback: %s"
                        + " (negative: the event arrived before the revoke's answer)%n", stats(answered));
            }
        }
    }

    private static String stats(List<Long> micros) {
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        return String.format("min %.1f / median %.1f / max %.1f ms", sorted.get(0) / 1000.0,
                sorted.get(sorted.size() / 2) / 1000.0, sorted.get(sorted.size() - 1) / 1000.0);
    }

    /**
     * Microseconds from "revoke sent" to "watch callback saw the leader gone" (returned), and from
     * "revoke answered" (into {@code answeredToEvent}; negative when the event beat the answer).
     */
    private static List<Long> revokeLatencies(LocalEtcd etcd, Client admin, String scope, EtcdConsensus watcher,
                                              AtomicLong goneAt, List<Long> answeredToEvent) throws Exception {
        List<Long> sentToEvent = new ArrayList<>();
        try (EtcdConsensus leader = new EtcdConsensus(EtcdTestSupport.config(etcd, scope, "n1").ttl(TTL).build())) {
            for (int i = 0; i < REVOKE_ROUNDS; i++) {
                assertThat(leader.tryAcquireLeader()).isTrue();
                EtcdTestSupport.await("the watcher sees the leader", Duration.ofSeconds(10),
                        () -> watcher.cachedView().flatMap(ClusterView::leader).isPresent());
                goneAt.set(0);
                long sent = System.nanoTime();
                admin.getLeaseClient().revoke(leader.leaseId()).get(5, TimeUnit.SECONDS);
                long answered = System.nanoTime();
                EtcdTestSupport.await("DELETE delivered", Duration.ofSeconds(5), () -> goneAt.get() != 0);
                sentToEvent.add(TimeUnit.NANOSECONDS.toMicros(goneAt.get() - sent));
                answeredToEvent.add(TimeUnit.NANOSECONDS.toMicros(goneAt.get() - answered));
            }
        }
        return sentToEvent;
    }
}
