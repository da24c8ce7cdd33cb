package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.Leader;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.SyncState;
import io.hapg.core.spi.ClusterKey;
import io.hapg.etcd.internal.Deadline;
import io.hapg.etcd.internal.KeyLayout;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every write a leader makes is conditioned on its term (the leader key's create revision and
 * value), against a real etcd: a leader whose key was changed under it in place (same create
 * revision, another name), or deleted and re-created by another member, cannot write
 * {@code sync}, {@code history}, {@code failsafe}, {@code initialize}, {@code config}, clear
 * {@code failover}, or publish {@code status}; the holder of the current term can.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LeaderTermIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    /** One leader write: the key, the value to write, and how to read it back. */
    record Write<T>(ClusterKey<T> key, long expectedRevision, Optional<T> value, Function<ClusterView, Object> read) {
        @Override
        public String toString() {
            return key.name() + (value.isEmpty() ? " (clear)" : "");
        }
    }

    static Stream<Write<?>> writes() {
        return Stream.of(
                new Write<>(ClusterKey.SYNC, -1, Optional.of(new SyncState(Optional.of("n0"), List.of("n1"), 0)),
                        v -> v.sync().syncStandbys()),
                new Write<>(ClusterKey.HISTORY, -1, Optional.of(List.of(new HistoryEntry(1, Lsn.parse("0/3000060"),
                        "no recovery target specified", Optional.empty(), Optional.of("n0")))), ClusterView::history),
                new Write<>(ClusterKey.FAILOVER, -1, Optional.<FailoverRequest>empty(), ClusterView::failover),
                new Write<>(ClusterKey.INITIALIZE, -1, Optional.of("7300000000000000001"), ClusterView::initialize),
                new Write<>(ClusterKey.CONFIG, 0, Optional.of(DynamicConfig.fromMap(Map.of("ttl", 20))),
                        ClusterView::config),
                new Write<>(ClusterKey.FAILSAFE, -1, Optional.of(Map.of("n0", "http://n0:8008/patroni")),
                        ClusterView::failsafe));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writes")
    void writeIsRefusedWhenTheLeaderKeyWasChangedInPlaceAndAcceptedOnceItIsMineAgain(Write<?> write)
            throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1); Client admin = EtcdTestSupport.admin(etcd.clientEndpoints());
             EtcdConsensus n0 = member(etcd, "n0")) {
            logs.watch(etcd);
            String leaderKey = new KeyLayout("service", n0.config().scope()).key(KeyLayout.LEADER);
            seedFailover(n0);
            assertThat(n0.tryAcquireLeader()).isTrue();
            Leader mine = n0.read().leader().orElseThrow();
            Object before = write.read().apply(n0.read());

            // Someone rewrites the key's value: the create revision stays, the name does not.
            EtcdTestSupport.put(admin, leaderKey, "intruder");
            assertThat(n0.read().leader().orElseThrow().term()).isEqualTo(mine.term());
            assertThat(writeAsLeader(n0, mine.term(), write)).as("value changed").isFalse();
            assertThat(write.read().apply(n0.read())).isEqualTo(before);

            EtcdTestSupport.put(admin, leaderKey, "n0");
            assertThat(writeAsLeader(n0, mine.term(), write)).as("mine again, same term").isTrue();
            assertThat(write.read().apply(n0.read())).isNotEqualTo(before);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writes")
    void writeIsRefusedWhenAnotherMemberReCreatedTheLeaderKeyAndAcceptedInItsTerm(Write<?> write) {
        try (LocalEtcd etcd = LocalEtcd.start(1); EtcdConsensus n0 = member(etcd, "n0");
             EtcdConsensus n1 = member(etcd, "n1")) {
            logs.watch(etcd);
            seedFailover(n0);
            assertThat(n0.tryAcquireLeader()).isTrue();
            long stale = n0.read().leader().orElseThrow().term();
            Object before = write.read().apply(n0.read());
            assertThat(n0.releaseLeader()).isTrue();
            assertThat(n1.tryAcquireLeader()).isTrue();
            long current = n1.read().leader().orElseThrow().term();

            assertThat(writeAsLeader(n0, stale, write)).as("stale term").isFalse();
            assertThat(writeAsLeader(n0, current, write)).as("another member's term").isFalse();
            assertThat(write.read().apply(n1.read())).isEqualTo(before);
            assertThat(writeAsLeader(n1, current, write)).as("current term").isTrue();
            assertThat(write.read().apply(n1.read())).isNotEqualTo(before);
        }
    }

    /**
     * The renewal confirms the term from the read just before it (RpcBudgetIT), but only when that
     * read showed this member on the lease it renews: a key changed in place is refused at once.
     */
    @Test
    void aRenewalRightAfterAReadThatShowsAnotherHolderIsRefused() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1); Client admin = EtcdTestSupport.admin(etcd.clientEndpoints());
             EtcdConsensus n0 = member(etcd, "n0")) {
            logs.watch(etcd);
            String leaderKey = new KeyLayout("service", n0.config().scope()).key(KeyLayout.LEADER);
            assertThat(n0.tryAcquireLeader()).isTrue();
            n0.read();
            assertThat(n0.renewLeader(ClusterStatus.EMPTY)).isTrue();
            EtcdTestSupport.put(admin, leaderKey, "intruder");
            assertThat(n0.read().leader().orElseThrow().name()).isEqualTo("intruder");
            assertThat(n0.renewLeader(ClusterStatus.EMPTY)).as("the read showed another holder").isFalse();
            assertThat(n0.read().leader().orElseThrow().name()).isEqualTo("intruder");
        }
    }

    @Test
    void statusIsWrittenOnlyInTheTermTheRenewalConfirmed() {
        try (LocalEtcd etcd = LocalEtcd.start(1); EtcdConsensus n0 = member(etcd, "n0");
             EtcdConsensus n1 = member(etcd, "n1")) {
            logs.watch(etcd);
            assertThat(n0.tryAcquireLeader()).isTrue();
            long stale = n0.read().leader().orElseThrow().term();
            ClusterStatus first = new ClusterStatus(Optional.of(Lsn.parse("0/5000000")), Map.of());
            assertThat(n0.renewLeader(first)).isTrue();
            n0.releaseLeader();
            assertThat(n1.tryAcquireLeader()).isTrue();
            ClusterStatus successor = new ClusterStatus(Optional.of(Lsn.parse("0/6000000")), Map.of());
            assertThat(n1.renewLeader(successor)).isTrue();

            // n0 renewed in its term, then lost the key before its status write went out.
            ClusterStatus late = new ClusterStatus(Optional.of(Lsn.parse("0/5000100")), Map.of());
            assertThat(n0.writeStatus(late, stale, Deadline.after(Duration.ofSeconds(2)))).isFalse();
            assertThat(n1.read().status()).isEqualTo(successor);
            assertThat(n0.renewLeader(late)).as("no longer the leader").isFalse();
            assertThat(n1.read().status()).isEqualTo(successor);
        }
    }

    private static <T> boolean writeAsLeader(EtcdConsensus consensus, long term, Write<T> write) {
        return consensus.compareAndSetAsLeader(term, write.key(), write.expectedRevision(), write.value());
    }

    /** A failover request to clear, written as an operator would (no term). */
    private static void seedFailover(EtcdConsensus consensus) {
        assertThat(consensus.compareAndSet(ClusterKey.FAILOVER, 0, Optional.of(new FailoverRequest(
                Optional.of("n0"), Optional.of("n1"), Optional.empty(), 0)))).isTrue();
    }

    private static EtcdConsensus member(LocalEtcd etcd, String name) {
        return new EtcdConsensus(EtcdTestSupport.config(etcd, "term", name).ttl(Duration.ofSeconds(10)).build());
    }
}
