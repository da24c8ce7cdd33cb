package io.hapg.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.SyncState;
import io.hapg.core.spi.ClusterKey;
import io.hapg.core.spi.Consensus;
import io.hapg.core.spi.ConsensusUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The consensus contract against the in-memory store, plus its own fault injection and expiry rules. */
class InMemoryConsensusTest extends ConsensusContract {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ManualClock clock = new ManualClock();
    private final InMemoryStore store = InMemoryStore.builder().clock(clock).ttl(Duration.ofSeconds(30)).build();

    @Override
    protected Consensus newMember(String name) {
        return store.member(name);
    }

    @Override
    protected Duration ttl() {
        return store.ttl();
    }

    @Override
    protected void elapse(Duration duration) {
        clock.advance(duration);
    }

    @Override
    protected void expireLease(String name) {
        store.revokeLease(name);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private InMemoryConsensus fake(String name) {
        return (InMemoryConsensus) member(name);
    }

    @Test
    void unavailableStoreFailsEveryCallButWatchAndClose() throws Exception {
        InMemoryConsensus n0 = fake("n0");
        store.setUnavailable(true);

        List<Runnable> calls = List.of(n0::read, n0::tryAcquireLeader, () -> n0.renewLeader(ClusterStatus.EMPTY),
                n0::releaseLeader, () -> n0.publishMember(ConsensusContractValues.member("n0", "running")),
                () -> n0.compareAndSet(ClusterKey.INITIALIZE, 0, Optional.of("")));
        calls.forEach(call -> assertThatThrownBy(call::run).isInstanceOf(ConsensusUnavailableException.class)
                .hasMessageContaining("batman/n0"));
        n0.watch(() -> { }).close();
        store.setUnavailable(false);
        assertThat(n0.tryAcquireLeader()).isTrue();
    }

    @Test
    void partitionedMemberFailsAloneAndItsWatchWakesWhenTheCutHeals() throws Exception {
        InMemoryConsensus n0 = fake("n0");
        InMemoryConsensus n1 = fake("n1");
        Semaphore wakeUps = new Semaphore(0);
        n0.watch(wakeUps::release);
        n0.setPartitioned(true);

        assertThatThrownBy(n0::read).isInstanceOf(ConsensusUnavailableException.class).hasMessageContaining("partitioned");
        assertThat(n1.tryAcquireLeader()).isTrue();
        assertThat(store.awaitWatchDelivery(WAIT)).isTrue();
        assertThat(wakeUps.availablePermits()).as("a cut-off member hears nothing").isZero();
        n0.setPartitioned(false);
        assertThat(wakeUps.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void blockedMemberHangsUntilUnblockedWhileOthersCarryOn() throws Exception {
        InMemoryConsensus n0 = fake("n0");
        n0.setBlocked(WAIT.multipliedBy(3));
        CompletableFuture<Boolean> stuck = CompletableFuture.supplyAsync(n0::tryAcquireLeader);

        assertThat(n0.awaitBlockedCall(WAIT)).isTrue();
        assertThat(fake("n1").read().leader()).isEmpty();
        assertThat(stuck).isNotDone();
        n0.unblock();
        assertThat(stuck.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void blockedCallGivesUpAsUnavailableAfterItsBound() {
        InMemoryConsensus n0 = fake("n0");
        n0.setBlocked(Duration.ofMillis(20));

        assertThatThrownBy(n0::read).isInstanceOf(ConsensusUnavailableException.class)
                .hasMessageContaining("no answer within");
    }

    @Test
    void blockedStoreHangsEveryMember() throws Exception {
        store.setBlocked(WAIT.multipliedBy(3));
        CompletableFuture<Boolean> stuck = CompletableFuture.supplyAsync(fake("n0")::tryAcquireLeader);

        assertThat(store.awaitBlockedCall(WAIT)).isTrue();
        store.unblock();
        assertThat(stuck.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void failNextThrowsOnceAndCallsAreCountedPerOperation() {
        InMemoryConsensus n0 = fake("n0");
        n0.failNext("renewLeader", new ConsensusUnavailableException("injected"));
        n0.tryAcquireLeader();

        assertThatThrownBy(() -> n0.renewLeader(ClusterStatus.EMPTY)).hasMessage("injected");
        assertThat(n0.renewLeader(ClusterStatus.EMPTY)).isTrue();
        assertThat(n0.calls("renewLeader")).isEqualTo(2);
        assertThat(n0.callCounts()).containsEntry("tryAcquireLeader", 1).doesNotContainKey("read");
        assertThatThrownBy(() -> n0.calls("bogus")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void advancingTheClockAloneExpiresLeasesAndWakesWatchers() throws Exception {
        InMemoryConsensus n0 = fake("n0");
        n0.tryAcquireLeader();
        Semaphore changes = new Semaphore(0);
        fake("n1").watch(changes::release);

        clock.advance(store.ttl().minusMillis(1));
        assertThat(store.keys()).containsKey("leader");
        clock.advance(Duration.ofMillis(1));
        assertThat(changes.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(store.keys()).doesNotContainKey("leader");
    }

    @Test
    void leasesExpireCorrectlyAcrossNanoTimeWraparound() {
        ManualClock wrapping = new ManualClock(Long.MAX_VALUE - Duration.ofSeconds(10).toNanos(), Instant.EPOCH);
        try (InMemoryStore other = InMemoryStore.builder().clock(wrapping).build()) {
            InMemoryConsensus n0 = other.member("n0");
            n0.tryAcquireLeader();
            wrapping.advance(Duration.ofSeconds(29));
            assertThat(n0.read().isLeader("n0")).isTrue();
            wrapping.advance(Duration.ofSeconds(1));
            assertThat(n0.read().leader()).isEmpty();
        }
    }

    @Test
    void watchRunsOnTheStoreThreadAndMayReadBack() throws Exception {
        InMemoryConsensus n1 = fake("n1");
        CompletableFuture<String> seen = new CompletableFuture<>();
        n1.watch(() -> seen.complete(Thread.currentThread().getName() + " saw " + n1.read().leader()
                .map(l -> l.name()).orElse("none")));

        fake("n0").tryAcquireLeader();
        assertThat(seen.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo("in-memory-consensus-batman-watch saw n0");
    }

    @Test
    void closedWatchHearsNothingMoreAndAFailingCallbackHarmsNoOther() throws Exception {
        InMemoryConsensus n1 = fake("n1");
        List<String> heard = new CopyOnWriteArrayList<>();
        AutoCloseable closed = n1.watch(() -> heard.add("closed"));
        n1.watch(() -> {
            throw new IllegalStateException("callback bug");
        });
        n1.watch(() -> heard.add("open"));
        closed.close();

        fake("n0").tryAcquireLeader();
        assertThat(store.awaitWatchDelivery(WAIT)).isTrue();
        assertThat(heard).containsExactly("open");
    }

    @Test
    void watchIgnoresKeysEveryMemberRewritesEachIteration() throws Exception {
        InMemoryConsensus n0 = fake("n0");
        n0.tryAcquireLeader();
        List<String> heard = new CopyOnWriteArrayList<>();
        fake("n1").watch(() -> heard.add("woken"));

        n0.publishMember(ConsensusContractValues.member("n0", "running"));
        n0.renewLeader(new ClusterStatus(Optional.of(Lsn.parse("0/7000000")), Map.of()));
        n0.compareAndSet(ClusterKey.HISTORY, -1, Optional.of(List.of()));
        fake("n2").publishMember(ConsensusContractValues.member("n2", "running"));
        store.revokeLease("n2"); // only a member key rides on n2's lease
        assertThat(store.awaitWatchDelivery(WAIT)).isTrue();
        assertThat(heard).isEmpty();
        n0.compareAndSet(ClusterKey.SYNC, 0, Optional.of(new SyncState(Optional.of("n0"),
                List.of(), 0)));
        assertThat(store.awaitWatchDelivery(WAIT)).isTrue();
        assertThat(heard).containsExactly("woken");
    }

    @Test
    void restartedAgentTakesItsLeaderKeyOntoItsNewLease() {
        InMemoryConsensus before = fake("n0");
        before.tryAcquireLeader();
        clock.advance(Duration.ofSeconds(20));
        InMemoryConsensus after = fake("n0");

        assertThat(after.renewLeader(ClusterStatus.EMPTY)).isTrue();
        clock.advance(Duration.ofSeconds(15)); // the first lease's deadline passed, the new one's did not
        assertThat(after.read().isLeader("n0")).isTrue();
    }

    @Test
    void unchangedStatusCostsNoRevision() {
        InMemoryConsensus n0 = fake("n0");
        n0.tryAcquireLeader();
        ClusterStatus status = new ClusterStatus(Optional.of(Lsn.parse("0/5000000")), Map.of());
        n0.renewLeader(status);
        long revision = store.revision();

        n0.renewLeader(status);
        assertThat(store.revision()).isEqualTo(revision);
    }

    @Test
    void publishingAnotherMembersKeyIsABug() {
        assertThatThrownBy(() -> fake("n0").publishMember(ConsensusContractValues.member("n1", "running")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("member.name");
    }

    @Test
    void closedMemberRefusesCallsAndClosedStoreReportsUnavailable() {
        InMemoryConsensus n0 = fake("n0");
        n0.close();
        assertThatThrownBy(n0::read).isInstanceOf(IllegalStateException.class);

        InMemoryConsensus n1 = fake("n1");
        store.close();
        assertThatThrownBy(n1::read).isInstanceOf(ConsensusUnavailableException.class);
    }

    @Test
    void storesShareNothing() {
        try (InMemoryStore other = InMemoryStore.builder().scope("robin").build()) {
            fake("n0").tryAcquireLeader();
            assertThat(other.member("n0").read().leader()).isEmpty();
            assertThat(other.keyPrefix()).isEqualTo("/service/robin/");
        }
    }

    @Test
    void builderAndArgumentsFailFastNamingTheField() {
        List<Consumer<Void>> bad = List.of(
                v -> InMemoryStore.builder().ttl(Duration.ZERO),
                v -> InMemoryStore.builder().namespace("service").build(),
                v -> store.member("a/b"),
                v -> fake("n0").compareAndSet(ClusterKey.CONFIG, -2, Optional.empty()));
        bad.forEach(call -> assertThatThrownBy(() -> call.accept(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("(ttl|namespace|name|expectedRevision) .*"));
    }
}
