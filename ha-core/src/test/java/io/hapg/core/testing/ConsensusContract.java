package io.hapg.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Heartbeat;
import io.hapg.core.model.Leader;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.SyncState;
import io.hapg.core.spi.ClusterKey;
import io.hapg.core.spi.Consensus;
import io.hapg.core.testing.ConsensusContractValues.KeyCase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link Consensus} must do, as tests: extend this class, implement the four hooks,
 * and JUnit runs them all against your implementation ({@code InMemoryConsensusTest} does so for
 * the in-memory fake; ha-etcd's test does so against a real etcd).
 *
 * <p>Each test uses members of one fresh, empty cluster ({@link #newMember}); members created
 * through {@link #member} are closed after the test. Nothing here sleeps for a fixed time: time
 * moves through {@link #elapse}, and effects that a real store applies asynchronously (lease
 * expiry, watch delivery) are awaited for at most {@link #awaitTimeout()}.
 */
@Timeout(120)
public abstract class ConsensusContract {
    private final List<Consensus> opened = new ArrayList<>();

    /** A new agent's Consensus for member {@code name}; every call in one test targets the same fresh cluster. */
    protected abstract Consensus newMember(String name);

    /** The lease ttl the cluster's members use. */
    protected abstract Duration ttl();

    /** Lets {@code duration} pass on the clock leases run on (advance a manual clock, or wait). */
    protected abstract void elapse(Duration duration);

    /**
     * Ends {@code name}'s current lease now, as if its agent had died ttl ago (e.g. etcd lease
     * revoke); returns once its keys are gone. Other members' leases are untouched, and the
     * member's Consensus stays usable: its next lease-taking call starts a new lease.
     */
    protected abstract void expireLease(String name);

    /** The longest a test waits for an asynchronous effect. */
    protected Duration awaitTimeout() {
        return Duration.ofSeconds(10);
    }

    /** {@link #newMember}, closed after the test. */
    protected final Consensus member(String name) {
        Consensus consensus = newMember(name);
        opened.add(consensus);
        return consensus;
    }

    @AfterEach
    final void closeMembers() {
        opened.forEach(Consensus::close);
    }

    // ---- reading ----

    @Test
    void emptyClusterReadsAsEmpty() {
        ClusterView view = member("n0").read();

        assertThat(view.revision()).isNotNegative();
        assertThat(view.initialize()).isEmpty();
        assertThat(view.leader()).isEmpty();
        assertThat(view.members()).isEmpty();
        assertThat(view.config()).isEmpty();
        assertThat(view.configRevision()).isZero();
        assertThat(view.sync().isEmpty()).isTrue();
        assertThat(view.failover()).isEmpty();
        assertThat(view.history()).isEmpty();
        assertThat(view.status()).isEqualTo(ClusterStatus.EMPTY);
        assertThat(view.failsafe()).isEmpty();
    }

    // ---- the leader lease ----

    @Test
    void firstContenderTakesTheFreeLeaderKeyAndTheSecondLoses() {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");

        assertThat(n0.tryAcquireLeader()).isTrue();
        assertThat(n1.tryAcquireLeader()).isFalse();
        ClusterView view = n1.read();
        assertThat(view.leader()).map(Leader::name).contains("n0");
        assertThat(view.leader().get().revision()).isPositive().isLessThanOrEqualTo(view.revision());
    }

    @Test
    void acquiringIsCreateOnlyEvenForTheHolder() {
        Consensus n0 = member("n0");
        assertThat(n0.tryAcquireLeader()).isTrue();

        assertThat(n0.tryAcquireLeader()).isFalse();
        assertThat(n0.read().isLeader("n0")).isTrue();
    }

    @Test
    void holderRenewsAndNoOtherMemberCan() {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        n0.tryAcquireLeader();

        assertThat(n0.renewLeader(ClusterStatus.EMPTY)).isTrue();
        assertThat(n1.renewLeader(new ClusterStatus(Optional.of(Lsn.parse("0/9000000")), Map.of()))).isFalse();
        ClusterView view = n0.read();
        assertThat(view.isLeader("n0")).isTrue();
        assertThat(view.status().optime()).isEmpty();
    }

    @Test
    void statusWrittenByRenewalIsReadBack() {
        Consensus n0 = member("n0");
        n0.tryAcquireLeader();
        ClusterStatus status = new ClusterStatus(Optional.of(Lsn.parse("0/5000060")),
                Map.of("n1", Lsn.parse("0/4000000")));

        assertThat(n0.renewLeader(status)).isTrue();
        assertThat(member("n1").read().status()).isEqualTo(status);
    }

    @Test
    void onlyTheHolderReleasesTheKey() {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        n0.tryAcquireLeader();

        assertThat(n1.releaseLeader()).isFalse();
        assertThat(n0.read().isLeader("n0")).isTrue();
        assertThat(n0.releaseLeader()).isTrue();
        assertThat(n0.read().leader()).isEmpty();
        assertThat(n0.releaseLeader()).isFalse();
    }

    @Test
    void formerHolderCannotRenewAReleasedKey() {
        Consensus n0 = member("n0");
        n0.tryAcquireLeader();
        n0.releaseLeader();

        assertThat(n0.renewLeader(ClusterStatus.EMPTY)).isFalse();
        assertThat(n0.read().leader()).isEmpty();
    }

    @Test
    void leaderKeyVanishesWithItsLeaseAndAnotherMemberMayTakeIt() {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        n0.tryAcquireLeader();

        expireLease("n0");
        awaitTrue("the leader key is gone", () -> n1.read().leader().isEmpty());
        assertThat(n1.tryAcquireLeader()).isTrue();
        assertThat(n0.renewLeader(ClusterStatus.EMPTY)).isFalse();
        assertThat(n0.read().isLeader("n1")).isTrue();
    }

    /** Patroni etcd3: a holder that lost its lease re-creates the key on a new lease if nobody took it. */
    @Test
    void holderWhoseLeaseExpiredRetakesTheStillFreeKeyOnRenewal() {
        Consensus n0 = member("n0");
        n0.tryAcquireLeader();
        expireLease("n0");
        awaitTrue("the leader key is gone", () -> n0.read().leader().isEmpty());

        assertThat(n0.renewLeader(ClusterStatus.EMPTY)).isTrue();
        assertThat(n0.read().isLeader("n0")).isTrue();
    }

    /** No background keepalive: a stuck agent must lose its key, or nobody could fail over. */
    @Test
    void leaderKeyExpiresWhenNotRenewedForTtlWhileTheConsensusStaysOpen() {
        Consensus n0 = member("n0");
        n0.tryAcquireLeader();

        elapse(ttl().plusSeconds(1));
        awaitTrue("the leader key expired", () -> n0.read().leader().isEmpty());
    }

    @Test
    void renewalKeepsTheLeaseBeyondTtl() {
        Consensus n0 = member("n0");
        n0.tryAcquireLeader();
        Duration twoThirds = ttl().multipliedBy(2).dividedBy(3);

        elapse(twoThirds);
        assertThat(n0.renewLeader(ClusterStatus.EMPTY)).isTrue();
        elapse(twoThirds);
        assertThat(n0.read().isLeader("n0")).isTrue();
    }

    @Test
    void publishingTheMemberKeepsTheLeaseAlive() {
        Consensus n0 = member("n0");
        n0.tryAcquireLeader();
        Duration twoThirds = ttl().multipliedBy(2).dividedBy(3);

        elapse(twoThirds);
        n0.publishMember(ConsensusContractValues.member("n0", "running"));
        elapse(twoThirds);
        assertThat(n0.read().isLeader("n0")).isTrue();
    }

    // ---- member keys ----

    @Test
    void publishedMembersRoundTripAndAreListedByName() {
        for (String name : List.of("n2", "n0", "n1")) {
            member(name).publishMember(ConsensusContractValues.member(name, "running"));
        }

        ClusterView view = member("reader").read();
        assertThat(view.members().keySet()).containsExactly("n0", "n1", "n2");
        assertThat(view.members().get("n1")).isEqualTo(ConsensusContractValues.member("n1", "running"));
    }

    @Test
    void republishingReplacesTheMemberKey() {
        Consensus n0 = member("n0");
        n0.publishMember(ConsensusContractValues.member("n0", "stopped"));
        n0.publishMember(ConsensusContractValues.member("n0", "running"));

        assertThat(n0.read().member("n0")).map(Member::state).contains("running");
    }

    @Test
    void memberKeyVanishesWithItsLease() {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        n0.publishMember(ConsensusContractValues.member("n0", "running"));
        n1.publishMember(ConsensusContractValues.member("n1", "running"));

        expireLease("n0");
        awaitTrue("n0's member key is gone", () -> n1.read().member("n0").isEmpty());
        assertThat(n1.read().members()).containsOnlyKeys("n1");
    }

    // ---- compare-and-set keys ----

    static Stream<KeyCase<?>> allKeys() {
        return ConsensusContractValues.allKeys();
    }

    static Stream<KeyCase<?>> keysWithRevision() {
        return ConsensusContractValues.keysWithRevision();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allKeys")
    void revisionZeroWritesOnlyAnAbsentKey(KeyCase<?> key) {
        writeOnlyIfAbsent(key);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allKeys")
    void revisionMinusOneWritesUnconditionally(KeyCase<?> key) {
        writeUnconditionally(key);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allKeys")
    void emptyValueDeletesTheKey(KeyCase<?> key) {
        delete(key);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keysWithRevision")
    void writeSucceedsOnlyAtTheRevisionLastRead(KeyCase<?> key) {
        writeAtRevision(key);
    }

    // ---- leader writes, conditioned on the term ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("allKeys")
    void leaderWriteIsRefusedOnceAnotherMemberTookTheKey(KeyCase<?> key) {
        writeAfterTakeover(key);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allKeys")
    void leaderWriteIsRefusedInATermTheLeaderLostAndRetook(KeyCase<?> key) {
        writeAfterRetaking(key);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keysWithRevision")
    void leaderWriteAlsoNeedsTheKeysOwnRevision(KeyCase<?> key) {
        writeAsLeaderAtRevision(key);
    }

    @Test
    void leaderTermIsTheKeysCreateRevisionAndSurvivesRenewal() {
        Consensus n0 = member("n0");
        n0.tryAcquireLeader();
        Leader first = n0.read().leader().orElseThrow();
        assertThat(first.term()).isPositive().isLessThanOrEqualTo(first.revision());

        assertThat(n0.renewLeader(new ClusterStatus(Optional.of(Lsn.parse("0/5000060")), Map.of()))).isTrue();
        assertThat(n0.read().leader().orElseThrow().term()).isEqualTo(first.term());
    }

    private <T> void writeAfterTakeover(KeyCase<T> key) {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        n0.tryAcquireLeader();
        long oldTerm = n0.read().leader().orElseThrow().term();
        assertThat(n0.compareAndSetAsLeader(oldTerm, key.key(), -1, Optional.of(key.first()))).isTrue();
        n0.releaseLeader();
        n1.tryAcquireLeader();
        long newTerm = n1.read().leader().orElseThrow().term();
        assertThat(newTerm).isNotEqualTo(oldTerm);

        assertThat(n0.compareAndSetAsLeader(oldTerm, key.key(), -1, Optional.of(key.second())))
                .as("the former leader, in its old term").isFalse();
        assertThat(n0.compareAndSetAsLeader(oldTerm, key.key(), -1, Optional.empty())).as("nor delete").isFalse();
        assertThat(n0.compareAndSetAsLeader(newTerm, key.key(), -1, Optional.of(key.second())))
                .as("the former leader, in the new leader's term").isFalse();
        assertThat(key.read().apply(n1.read())).contains(key.first());
        assertThat(n1.compareAndSetAsLeader(newTerm, key.key(), -1, Optional.of(key.second()))).isTrue();
        assertThat(key.read().apply(n1.read())).contains(key.second());
    }

    private <T> void writeAfterRetaking(KeyCase<T> key) {
        Consensus n0 = member("n0");
        n0.tryAcquireLeader();
        long oldTerm = n0.read().leader().orElseThrow().term();
        expireLease("n0");
        awaitTrue("the leader key is gone", () -> n0.read().leader().isEmpty());
        assertThat(n0.renewLeader(ClusterStatus.EMPTY)).as("re-created on a new lease").isTrue();
        long newTerm = n0.read().leader().orElseThrow().term();
        assertThat(newTerm).isGreaterThan(oldTerm);

        assertThat(n0.compareAndSetAsLeader(oldTerm, key.key(), -1, Optional.of(key.first()))).isFalse();
        assertThat(key.read().apply(n0.read())).isEmpty();
        assertThat(n0.compareAndSetAsLeader(newTerm, key.key(), -1, Optional.of(key.first()))).isTrue();
        assertThat(key.read().apply(n0.read())).contains(key.first());
    }

    private <T> void writeAsLeaderAtRevision(KeyCase<T> key) {
        Consensus n0 = member("n0");
        n0.tryAcquireLeader();
        long term = n0.read().leader().orElseThrow().term();
        assertThat(n0.compareAndSetAsLeader(term, key.key(), 0, Optional.of(key.first()))).isTrue();
        assertThat(n0.compareAndSetAsLeader(term, key.key(), 0, Optional.of(key.second()))).as("not absent").isFalse();
        long r1 = key.revision().applyAsLong(n0.read());
        assertThat(n0.compareAndSetAsLeader(term, key.key(), r1, Optional.of(key.second()))).isTrue();
        assertThat(n0.compareAndSetAsLeader(term, key.key(), r1, Optional.of(key.first()))).as("stale").isFalse();
        assertThat(key.read().apply(n0.read())).contains(key.second());
    }

    private <T> void writeOnlyIfAbsent(KeyCase<T> key) {
        Consensus n0 = member("n0");
        assertThat(n0.compareAndSet(key.key(), 0, Optional.of(key.first()))).isTrue();
        assertThat(n0.compareAndSet(key.key(), 0, Optional.of(key.second()))).isFalse();
        assertThat(key.read().apply(n0.read())).contains(key.first());
    }

    private <T> void writeUnconditionally(KeyCase<T> key) {
        Consensus n0 = member("n0");
        assertThat(n0.compareAndSet(key.key(), -1, Optional.of(key.first()))).isTrue();
        assertThat(n0.compareAndSet(key.key(), -1, Optional.of(key.second()))).isTrue();
        assertThat(key.read().apply(n0.read())).contains(key.second());
    }

    private <T> void delete(KeyCase<T> key) {
        Consensus n0 = member("n0");
        n0.compareAndSet(key.key(), -1, Optional.of(key.first()));
        assertThat(n0.compareAndSet(key.key(), -1, Optional.empty())).isTrue();
        assertThat(key.read().apply(n0.read())).isEmpty();
        assertThat(n0.compareAndSet(key.key(), -1, Optional.empty())).as("deleting an absent key").isTrue();
    }

    private <T> void writeAtRevision(KeyCase<T> key) {
        Consensus n0 = member("n0");
        assertThat(n0.compareAndSet(key.key(), 1_000_000_000L, Optional.of(key.first()))).as("absent key").isFalse();
        n0.compareAndSet(key.key(), 0, Optional.of(key.first()));
        ClusterView first = n0.read();
        long r1 = key.revision().applyAsLong(first);
        assertThat(r1).isPositive().isLessThanOrEqualTo(first.revision());

        assertThat(n0.compareAndSet(key.key(), r1, Optional.of(key.second()))).isTrue();
        long r2 = key.revision().applyAsLong(n0.read());
        assertThat(r2).isGreaterThan(r1);
        assertThat(n0.compareAndSet(key.key(), r1, Optional.of(key.first()))).as("stale revision").isFalse();
        assertThat(n0.compareAndSet(key.key(), r1, Optional.empty())).as("stale delete").isFalse();
        assertThat(key.read().apply(n0.read())).contains(key.second());
        assertThat(n0.compareAndSet(key.key(), r2, Optional.empty())).isTrue();
        assertThat(key.read().apply(n0.read())).isEmpty();
    }

    // ---- fast failover: the heartbeat key ----

    @Test
    void heartbeatIsAbsentUntilALeaderWritesIt() {
        assertThat(member("n0").readHeartbeat()).isEqualTo(Heartbeat.ABSENT);
    }

    @Test
    void eachHeartbeatOfTheLeaderMovesTheRevisionAndNamesItsTerm() {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        n0.tryAcquireLeader();
        Leader leader = n1.read().leader().orElseThrow();

        assertThat(n0.writeHeartbeat(leader.term())).isTrue();
        Heartbeat first = n1.readHeartbeat();
        assertThat(n0.writeHeartbeat(leader.term())).isTrue();
        Heartbeat second = n1.readHeartbeat();

        assertThat(first.revision()).isPositive();
        assertThat(second.revision()).isGreaterThan(first.revision());
        assertThat(second.leader()).contains("n0");
        assertThat(second.term()).isEqualTo(leader.term());
        assertThat(second.writtenIn(leader)).isTrue();
    }

    @Test
    void heartbeatIsRefusedToAMemberThatDoesNotHoldTheTerm() {
        Consensus n0 = member("n0");
        long term = lead(n0);

        assertThat(member("n1").writeHeartbeat(term)).as("not the holder").isFalse();
        assertThat(n0.writeHeartbeat(term + 1)).as("not my term").isFalse();
        assertThat(n0.readHeartbeat()).isEqualTo(Heartbeat.ABSENT);
    }

    @Test
    void heartbeatOfALostTermIsRefusedAndTheNewLeadersHeartbeatNamesItsOwn() {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        long oldTerm = lead(n0);
        assertThat(n0.writeHeartbeat(oldTerm)).isTrue();
        n0.releaseLeader();
        n1.tryAcquireLeader();
        Leader now = n1.read().leader().orElseThrow();

        assertThat(n0.writeHeartbeat(oldTerm)).isFalse();
        assertThat(n1.readHeartbeat().writtenIn(now)).as("still the old term's heartbeat").isFalse();
        assertThat(n1.writeHeartbeat(now.term())).isTrue();
        assertThat(n0.readHeartbeat().writtenIn(now)).isTrue();
    }

    @Test
    void heartbeatIsNotAClusterKey() {
        Consensus n0 = member("n0");
        n0.tryAcquireLeader();
        ClusterView before = n0.read();
        assertThat(n0.writeHeartbeat(before.leader().orElseThrow().term())).isTrue();
        ClusterView after = n0.read();

        assertThat(after.members()).isEqualTo(before.members());
        assertThat(after.leader()).isEqualTo(before.leader());
        assertThat(after.sync()).isEqualTo(before.sync());
        assertThat(after.status()).isEqualTo(before.status());
    }

    // ---- fast failover: the early takeover transaction ----

    @Test
    void earlyTakeoverMovesTheLeaderKeyAndEmptiesTheSyncKeyInOneStep() {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        ClusterView seen = leadWithSyncAndHeartbeat(n0, n1);
        Leader old = seen.leader().orElseThrow();

        assertThat(n1.takeOverEarly(old, seen.sync().revision(), n1.readHeartbeat().revision())).isTrue();

        ClusterView now = n0.read();
        assertThat(now.leader().map(Leader::name)).contains("n1");
        assertThat(now.sync().leader()).contains("n1");
        assertThat(now.sync().syncStandbys()).isEmpty();
        assertThat(n0.compareAndSetAsLeader(old.term(), ClusterKey.SYNC, -1,
                Optional.of(new SyncState(Optional.of("n0"), List.of("n1"), 0)))).as("the old leader's write").isFalse();
        assertThat(n0.writeHeartbeat(old.term())).as("the old leader's heartbeat").isFalse();
        assertThat(n0.renewLeader(ClusterStatus.EMPTY)).as("the old leader's renewal").isFalse();
        assertThat(n1.renewLeader(ClusterStatus.EMPTY)).as("the new leader's renewal").isTrue();
    }

    @Test
    void aHeartbeatWrittenAfterTheEvidenceMakesTheTakeoverFail() {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        ClusterView seen = leadWithSyncAndHeartbeat(n0, n1);
        long heartbeat = n1.readHeartbeat().revision();
        assertThat(n0.writeHeartbeat(seen.leader().orElseThrow().term())).isTrue();

        assertThat(n1.takeOverEarly(seen.leader().orElseThrow(), seen.sync().revision(), heartbeat)).isFalse();
        assertThat(n1.read().leader().map(Leader::name)).contains("n0");
        assertThat(n1.read().sync().syncStandbys()).containsExactly("n1");
    }

    @Test
    void aSyncKeyRewrittenAfterTheEvidenceMakesTheTakeoverFail() {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        ClusterView seen = leadWithSyncAndHeartbeat(n0, n1);
        long term = seen.leader().orElseThrow().term();
        assertThat(n0.compareAndSetAsLeader(term, ClusterKey.SYNC, seen.sync().revision(),
                Optional.of(new SyncState(Optional.of("n0"), List.of(), 0)))).isTrue();

        assertThat(n1.takeOverEarly(seen.leader().orElseThrow(), seen.sync().revision(),
                n1.readHeartbeat().revision())).isFalse();
        assertThat(n1.read().leader().map(Leader::name)).contains("n0");
    }

    @Test
    void aLeaderKeyRenewedOrRecreatedAfterTheEvidenceMakesTheTakeoverFail() {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        ClusterView seen = leadWithSyncAndHeartbeat(n0, n1);
        n0.releaseLeader();
        assertThat(n0.tryAcquireLeader()).isTrue();

        assertThat(n1.takeOverEarly(seen.leader().orElseThrow(), seen.sync().revision(),
                n1.readHeartbeat().revision())).isFalse();
        assertThat(n1.read().leader().map(Leader::name)).contains("n0");
    }

    @Test
    void theTakenKeyLivesOnTheNewHoldersLease() {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        ClusterView seen = leadWithSyncAndHeartbeat(n0, n1);
        assertThat(n1.takeOverEarly(seen.leader().orElseThrow(), seen.sync().revision(),
                n1.readHeartbeat().revision())).isTrue();

        expireLease("n1");
        awaitTrue("the leader key is gone with n1's lease", () -> n0.read().leader().isEmpty());
    }

    /** n0 ({@code leader}) leads, names n1 ({@code standby}) in {@code sync}, writes one heartbeat; n1's view after. */
    private static ClusterView leadWithSyncAndHeartbeat(Consensus leader, Consensus standby) {
        long term = lead(leader);
        assertThat(leader.compareAndSetAsLeader(term, ClusterKey.SYNC, 0,
                Optional.of(new SyncState(Optional.of("n0"), List.of("n1"), 0)))).isTrue();
        assertThat(leader.writeHeartbeat(term)).isTrue();
        return standby.read();
    }

    /** {@code leader} takes the free leader key; its term. */
    private static long lead(Consensus leader) {
        assertThat(leader.tryAcquireLeader()).isTrue();
        return leader.read().leader().orElseThrow().term();
    }

    // ---- watch and close ----

    @Test
    void watchFiresWhenTheLeaderChanges() throws Exception {
        Consensus n1 = member("n1");
        Semaphore changes = new Semaphore(0);
        AutoCloseable watch = n1.watch(changes::release);
        try {
            member("n0").tryAcquireLeader();
            assertThat(changes.tryAcquire(awaitTimeout().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        } finally {
            watch.close();
        }
    }

    @Test
    void watchFiresWhenALeaseExpires() throws Exception {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        n0.tryAcquireLeader();
        Semaphore changes = new Semaphore(0);
        AutoCloseable watch = n1.watch(changes::release);
        try {
            expireLease("n0");
            assertThat(changes.tryAcquire(awaitTimeout().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            awaitTrue("the leader key is gone", () -> n1.read().leader().isEmpty());
        } finally {
            watch.close();
        }
    }

    @Test
    void watchFiresWhenAClusterKeyIsWritten() throws Exception {
        Consensus n1 = member("n1");
        Semaphore changes = new Semaphore(0);
        AutoCloseable watch = n1.watch(changes::release);
        try {
            member("n0").compareAndSet(ConsensusContractValues.failover().key(), 0,
                    Optional.of(ConsensusContractValues.failover().first()));
            assertThat(changes.tryAcquire(awaitTimeout().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        } finally {
            watch.close();
        }
    }

    @Test
    void watchIgnoresMemberAndStatusChurn() throws Exception {
        Consensus n0 = member("n0");
        Consensus n1 = member("n1");
        n0.tryAcquireLeader();
        Semaphore changes = new Semaphore(0);
        AutoCloseable watch = n1.watch(changes::release);
        try {
            // A watch may fire once when it starts (it re-reads); let that pass.
            changes.tryAcquire(Math.min(500, awaitTimeout().toMillis()), TimeUnit.MILLISECONDS);
            changes.drainPermits();
            for (int i = 1; i <= 5; i++) {
                n0.publishMember(Member.of("n0", "postgres://n0:5432/postgres", "http://n0:8008/patroni")
                        .withWal(Optional.of(Lsn.of(1000L * i)), Optional.empty(), Optional.empty(), 1));
                n0.renewLeader(new ClusterStatus(Optional.of(Lsn.of(1000L * i)),
                        java.util.Map.of()));
            }
            assertThat(changes.tryAcquire(500, TimeUnit.MILLISECONDS))
                    .as("member and status writes must not wake the loops").isFalse();
            n0.releaseLeader();
            assertThat(changes.tryAcquire(awaitTimeout().toMillis(), TimeUnit.MILLISECONDS))
                    .as("a leader change must").isTrue();
        } finally {
            watch.close();
        }
    }

    @Test
    void closingIsIdempotent() throws Exception {
        Consensus n0 = newMember("n0");
        AutoCloseable watch = n0.watch(() -> { });
        watch.close();
        watch.close();
        n0.close();
        n0.close();
    }

    /** Polls {@code condition} until it holds, for at most {@link #awaitTimeout()}. */
    protected final void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + awaitTimeout().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + awaitTimeout() + " waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
