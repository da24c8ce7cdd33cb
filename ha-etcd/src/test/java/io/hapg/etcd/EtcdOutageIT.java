package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.spi.ClusterKey;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.testkit.FaultProxy;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd failures as the agent sees them: losing one of three members costs nothing; losing the
 * quorum, or a black-holed network path, makes every call fail with
 * {@link ConsensusUnavailableException} within retry_timeout (never a hang); and everything works
 * again once etcd is back, including the watch.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class EtcdOutageIT {
    /** Budget of the agents that must ride through an etcd leader election (up to ~2.6 s here). */
    private static final Duration ELECTION_PROOF_TIMEOUT = Duration.ofSeconds(5);
    /** Budget of the agents whose calls must fail: quorum loss, black hole, cut. */
    private static final Duration RETRY_TIMEOUT = Duration.ofSeconds(2);
    private static final long SLACK_MS = 1000;

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void oneMemberDownIsInvisibleQuorumLossFailsFastAndRestartRecovers() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(3); Client admin = EtcdTestSupport.admin(etcd.clientEndpoints())) {
            logs.watch(etcd);
            String scope = EtcdTestSupport.freshScope("outage");
            EtcdConfig.Builder base = EtcdTestSupport.config(etcd, scope, "n0").ttl(Duration.ofSeconds(15))
                    .retryTimeout(ELECTION_PROOF_TIMEOUT);
            EtcdConfig.Builder failing = EtcdTestSupport.config(etcd, scope, "q").ttl(Duration.ofSeconds(15))
                    .retryTimeout(RETRY_TIMEOUT);
            try (EtcdConsensus n0 = new EtcdConsensus(base.member("n0").build());
                 EtcdConsensus n1 = new EtcdConsensus(base.member("n1").build());
                 EtcdConsensus q0 = new EtcdConsensus(failing.member("q0").build());
                 EtcdConsensus q1 = new EtcdConsensus(failing.member("q1").build())) {
                assertThat(n0.tryAcquireLeader()).isTrue();
                n0.publishMember(member("n0", 1));
                assertThat(q0.tryAcquireLeader()).isFalse();
                AutoCloseable watch = n1.watch(() -> { });
                EtcdTestSupport.await("watch up", Duration.ofSeconds(10), () -> n1.cachedView().isPresent());

                int leader = etcdLeader(etcd, admin);
                Load load = new Load(n0);
                load.start();
                etcd.kill(leader);
                EtcdTestSupport.pause(Duration.ofSeconds(4));
                load.stop();
                System.out.printf("killed the etcd leader m%d: %d calls in 4 s, %d failed, slowest %d ms"
                                + " (retry_timeout %d ms)%n", leader, load.calls.get(), load.failures.size(),
                        load.slowestMs.get(), ELECTION_PROOF_TIMEOUT.toMillis());
                assertThat(load.failures).as("calls failed with one of three members down").isEmpty();
                assertThat(load.calls.get()).isGreaterThan(10);

                int second = (leader + 1) % 3;
                etcd.kill(second);
                Map<String, Runnable> calls = new LinkedHashMap<>();
                calls.put("read", q0::read);
                calls.put("renewLeader", () -> q0.renewLeader(ClusterStatus.EMPTY));
                calls.put("publishMember", () -> q0.publishMember(member("q0", 2)));
                calls.put("tryAcquireLeader", q1::tryAcquireLeader);
                calls.put("compareAndSet", () -> q1.compareAndSet(ClusterKey.FAILOVER, -1, Optional.of(
                        new FailoverRequest(Optional.of("n0"), Optional.of("n1"), Optional.empty(), 0))));
                calls.put("releaseLeader", q0::releaseLeader);
                assertAllFailWithinDeadline("quorum lost", calls);
                long ms = EtcdTestSupport.millis(() -> assertThatThrownBy(n0::read)
                        .isInstanceOf(ConsensusUnavailableException.class));
                System.out.printf("quorum lost: read with retry_timeout %d ms failed after %d ms%n",
                        ELECTION_PROOF_TIMEOUT.toMillis(), ms);
                assertThat(ms).isLessThanOrEqualTo(ELECTION_PROOF_TIMEOUT.toMillis() + SLACK_MS);

                etcd.restart(leader);
                etcd.restart(second);
                etcd.awaitMembersHealthy(Duration.ofSeconds(30), 0, 1, 2);
                long recovered = eventually(n0::read);
                System.out.printf("quorum back: the first read succeeded %d ms after every member was healthy%n",
                        recovered);
                assertThat(n0.renewLeader(ClusterStatus.EMPTY)).as("still (or again) the leader").isTrue();
                n0.publishMember(member("n0", 3));
                assertThat(n1.compareAndSet(ClusterKey.FAILOVER, -1, Optional.of(
                        new FailoverRequest(Optional.of("n0"), Optional.of("n1"), Optional.empty(), 0)))).isTrue();
                EtcdTestSupport.await("the watch caught up after the outage", Duration.ofSeconds(20),
                        () -> n1.cachedView().flatMap(v -> v.failover()).isPresent()
                                && n1.cachedView().flatMap(v -> v.member("n0")).map(Member::timeline).orElse(0) == 3);
                watch.close();
            }
        }
    }

    @Test
    void blackHoledPathFailsWithinTheDeadlineInsteadOfHanging() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1);
             FaultProxy proxy = FaultProxy.start("127.0.0.1", etcd.clientPort(0));
             Client admin = EtcdTestSupport.admin(etcd.clientEndpoints())) {
            logs.watch(etcd);
            String scope = EtcdTestSupport.freshScope("proxy");
            EtcdConfig config = EtcdConfig.builder().endpoints("http://" + proxy.endpoint()).scope(scope).member("n0").ttl(Duration.ofSeconds(10))
                    .retryTimeout(RETRY_TIMEOUT).build();
            try (EtcdConsensus n0 = new EtcdConsensus(config)) {
                assertThat(n0.tryAcquireLeader()).isTrue();
                n0.publishMember(member("n0", 1));
                AutoCloseable watch = n0.watch(() -> { });
                EtcdTestSupport.await("watch up", Duration.ofSeconds(10), () -> n0.cachedView().isPresent());

                proxy.blackhole();
                Map<String, Runnable> calls = new LinkedHashMap<>();
                calls.put("read", n0::read);
                calls.put("renewLeader", () -> n0.renewLeader(ClusterStatus.EMPTY));
                calls.put("publishMember", () -> n0.publishMember(member("n0", 2)));
                calls.put("compareAndSet", () -> n0.compareAndSet(ClusterKey.INITIALIZE, 0, Optional.of("1")));
                assertAllFailWithinDeadline("black hole", calls);
                EtcdTestSupport.put(admin, "/service/" + scope + "/failover", "{\"member\":\"n0\"}");

                proxy.heal();
                long healed = eventually(n0::read);
                System.out.printf("black hole healed: the first read succeeded after %d ms%n", healed);
                assertThat(n0.renewLeader(ClusterStatus.EMPTY)).isTrue();
                EtcdTestSupport.await("the watch saw the write made during the black hole", Duration.ofSeconds(20),
                        () -> n0.cachedView().flatMap(v -> v.failover()).isPresent());

                proxy.cut();
                assertAllFailWithinDeadline("cut", Map.of("read", n0::read));
                proxy.heal();
                eventually(n0::read);
                watch.close();
            }
        }
    }

    private static void assertAllFailWithinDeadline(String fault, Map<String, Runnable> calls) {
        for (Map.Entry<String, Runnable> call : calls.entrySet()) {
            long ms = EtcdTestSupport.millis(() -> assertThatThrownBy(call.getValue()::run)
                    .as("%s during %s", call.getKey(), fault)
                    .isInstanceOf(ConsensusUnavailableException.class));
            System.out.printf("%s: %s failed with ConsensusUnavailableException after %d ms (retry_timeout %d ms)%n",
                    fault, call.getKey(), ms, RETRY_TIMEOUT.toMillis());
            assertThat(ms).as("%s during %s took (ms)", call.getKey(), fault)
                    .isLessThanOrEqualTo(RETRY_TIMEOUT.toMillis() + SLACK_MS);
        }
    }

    /** Retries {@code action} until it succeeds (at most 30 s); returns how long that took, in ms. */
    private static long eventually(Supplier<?> action) {
        long start = System.nanoTime();
        AtomicBoolean done = new AtomicBoolean();
        EtcdTestSupport.await("etcd answers again", Duration.ofSeconds(30), () -> {
            try {
                action.get();
                done.set(true);
            } catch (ConsensusUnavailableException e) {
                done.set(false);
            }
            return done.get();
        });
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** Index of the member etcd currently has as raft leader. */
    private static int etcdLeader(LocalEtcd etcd, Client admin) throws Exception {
        for (int i = 0; i < etcd.memberCount(); i++) {
            StatusResponse s = admin.getMaintenanceClient().statusMember(etcd.clientEndpoint(i)).get(5,
                    TimeUnit.SECONDS);
            if (s.getLeader() == s.getHeader().getMemberId()) {
                return i;
            }
        }
        throw new AssertionError("no etcd leader");
    }

    private static Member member(String name, int timeline) {
        return new Member(name, "postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni", "primary",
                "running", Optional.of(Lsn.parse("0/3000000")), Optional.empty(), Optional.empty(), timeline,
                Optional.empty(), io.hapg.core.model.Tags.NONE, "0.1.0");
    }

    /** The leader's HA loop at full speed: renew, read, publish, until stopped. */
    private static final class Load {
        private final EtcdConsensus consensus;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong calls = new AtomicLong();
        private final AtomicLong slowestMs = new AtomicLong();
        private final List<Throwable> failures = new CopyOnWriteArrayList<>();
        private Thread thread;

        Load(EtcdConsensus consensus) {
            this.consensus = consensus;
        }

        void start() {
            thread = new Thread(() -> {
                int i = 0;
                while (running.get()) {
                    long start = System.nanoTime();
                    try {
                        assertThat(consensus.renewLeader(ClusterStatus.EMPTY)).isTrue();
                        assertThat(consensus.read().isLeader("n0")).isTrue();
                        consensus.publishMember(member("n0", 10 + (i++ % 2)));
                    } catch (RuntimeException | AssertionError e) {
                        failures.add(e);
                    }
                    calls.incrementAndGet();
                    slowestMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), Math::max);
                }
            }, "outage-load");
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(TimeUnit.SECONDS.toMillis(30));
            failures.forEach(f -> System.out.println("load failure: " + f));
        }
    }
}
