package io.hapg.core;

import static io.hapg.core.AgentCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.FailsafePing;
import io.hapg.core.model.Role;
import io.hapg.core.model.SyncState;
import io.hapg.core.spi.FatalHaException;
import io.hapg.core.spi.NodeStatus;
import io.hapg.core.spi.RoleChange;
import io.hapg.core.spi.RoleChangeListener;
import io.hapg.core.testing.FakeDatabaseNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HA loop around the decision engine, on the in-memory fakes and a manual clock: bootstrap,
 * failover, fencing when the lease is lost or the loop is stuck, listeners that misbehave, and a
 * clean close.
 */
@Timeout(60)
class HaAgentTest {
    private static final Duration LOOP = Duration.ofSeconds(10);
    private static final Duration TTL = Duration.ofSeconds(30);
    private AgentCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Starts the members and waits until one leads and the others stream; returns the leader. */
    private String bootstrapped(String... names) {
        cluster = new AgentCluster();
        for (String name : names) {
            cluster.add(name);
        }
        cluster.startAll();
        return awaitConverged();
    }

    private String awaitConverged() {
        cluster.advanceUntil("one primary, the others streaming", LOOP, Duration.ofMinutes(3), cluster::converged);
        return cluster.healthyPrimary().orElseThrow();
    }

    private String other(String name) {
        return cluster.agents.keySet().stream().filter(n -> !n.equals(name)).findFirst().orElseThrow();
    }

    private Role role(String name) {
        return cluster.agents.get(name).status().orElseThrow().local().role();
    }

    @Test
    void oneMemberBootstrapsAndTheOthersClone() {
        String leader = bootstrapped("n0", "n1", "n2");

        assertThat(role(leader)).isEqualTo(Role.PRIMARY);
        assertThat(cluster.databases.get(leader).calls()).anyMatch(c -> c.startsWith("bootstrap"));
        for (String name : List.of("n0", "n1", "n2")) {
            if (!name.equals(leader)) {
                assertThat(role(name)).isEqualTo(Role.REPLICA);
                assertThat(cluster.databases.get(name).calls()).anyMatch(c -> c.startsWith("cloneFrom"))
                        .noneMatch(c -> c.startsWith("bootstrap"));
            }
        }
        assertThat(cluster.agents.get(leader).status().orElseThrow().holdsLock()).isTrue();
    }

    /**
     * A clone that fails at once is tried again on the next iteration, not at once: the loop
     * used to wake on every finished action, failed ones included, and spun through thousands of
     * clone attempts a second against a leader without a usable conn_url.
     */
    @Test
    void aCloneThatFailsAtOnceIsRetriedOncePerIteration() {
        bootstrapped("n0");
        cluster.add("n1");
        FakeDatabaseNode db = cluster.databases.get("n1");
        for (int i = 0; i < 100_000; i++) {
            db.failNext("cloneFrom", new io.hapg.core.spi.DatabaseUnavailableException("n1: no usable conn_url"));
        }
        cluster.agents.get("n1").start();
        int steps = 4;
        for (int i = 0; i < steps; i++) {
            cluster.advance(LOOP);
        }

        assertThat(db.count("cloneFrom")).as("clone attempts in %s iterations", steps).isBetween(1, steps + 2);
    }

    @Test
    void everyRenewalMovesTheLeaseDeadline() {
        String leader = bootstrapped("n0", "n1");

        for (int i = 0; i < 6; i++) {
            cluster.advance(LOOP);
        }

        NodeStatus status = cluster.agents.get(leader).status().orElseThrow();
        assertThat(status.local().holdsLease(cluster.clock.nanoTime())).isTrue();
        assertThat(status.local().leaseDeadline().getAsLong() - cluster.clock.nanoTime())
                .isGreaterThan(TTL.minus(LOOP).toNanos());
        assertThat(cluster.db(leader).isRunningPrimary()).isTrue();
    }

    @Test
    void withFailsafeModeTheLeaderKeepsTheFailsafeKeyListingEveryMember() {
        cluster = new AgentCluster(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10, "failsafe_mode", true));
        for (String name : List.of("n0", "n1", "n2")) {
            cluster.add(name);
        }
        cluster.startAll();
        awaitConverged();
        cluster.advanceUntil("the failsafe key lists n0, n1, n2", LOOP, Duration.ofMinutes(1),
                () -> cluster.store.member("reader").read().failsafe().map(Map::keySet)
                        .equals(java.util.Optional.of(java.util.Set.of("n0", "n1", "n2"))));
        assertThat(cluster.store.member("reader").read().failsafe().orElseThrow().values())
                .allMatch(url -> url.startsWith("http://127.0.0.1:8008/"));
    }

    @Test
    void replicaDoesNotRaceWithinTtlOfTheLastFailsafePingFromTheLeader() {
        cluster = new AgentCluster(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10, "failsafe_mode", true));
        cluster.add("n0");
        cluster.add("n1");
        cluster.startAll();
        String old = awaitConverged();
        String next = other(old);
        cluster.advanceUntil("the failsafe key lists both members", LOOP, Duration.ofMinutes(1),
                () -> cluster.store.member("reader").read().failsafe().map(Map::size).orElse(0) == 2);
        cluster.consensus.get(old).setBlocked(Duration.ofMinutes(5));
        cluster.unreachable.add(old);
        HaAgent replica = cluster.agents.get(next);

        // The leader, cut from the store, pings every loop (as the REST API hands on an accepted call).
        for (int i = 0; i < 6; i++) {
            replica.failsafePinged(new FailsafePing(old, cluster.clock.nanoTime(), Optional.empty()));
            cluster.advance(LOOP, old);
        }
        NodeStatus status = replica.status().orElseThrow();
        assertThat(cluster.leader()).as("the key expired").isEmpty();
        assertThat(status.local().lastSeenLeader()).contains(old);
        assertThat(status.reason()).startsWith("not racing: failsafe: " + old + " confirmed");
        assertThat(cluster.db(next).inRecovery()).isTrue();

        // The pings stop: a ttl later the replica races and wins.
        long lastPing = cluster.clock.nanoTime() - LOOP.toNanos();
        cluster.advanceUntil(next + " promoted", LOOP, Duration.ofMinutes(2),
                () -> cluster.healthyPrimary().equals(Optional.of(next)), old);
        assertThat(cluster.clock.nanoTime() - lastPing).isGreaterThanOrEqualTo(TTL.toNanos());
    }

    @Test
    void replicaPromotesAfterTheLeaderDiesAndItsLeaseExpires() {
        String old = bootstrapped("n0", "n1");
        String next = other(old);
        cluster.consensus.get(old).setBlocked(Duration.ofMinutes(5));
        cluster.databases.get(old).crash();
        cluster.unreachable.add(old);

        cluster.advanceUntil(next + " promoted", LOOP, Duration.ofMinutes(2),
                () -> cluster.healthyPrimary().equals(java.util.Optional.of(next)), old);

        assertThat(role(next)).isEqualTo(Role.PRIMARY);
    }

    /**
     * A promotion's roleChanged names the promoted member as the new leader, though the iteration's
     * view was read while the key was free (CI once heard {@code CANDIDATE -> PRIMARY} with no leader).
     */
    @Test
    void aPromotionNamesThePromotedMemberAsTheNewLeader() {
        List<String> promotions = new CopyOnWriteArrayList<>();
        RoleChangeListener recorder = new RoleChangeListener() {
            @Override
            public void roleChanged(RoleChange change) {
                if (change.newRole() == Role.PRIMARY) {
                    promotions.add(change.member() + " " + change.newLeader().orElse("-"));
                }
            }
        };
        cluster = new AgentCluster();
        cluster.add("n0", recorder);
        cluster.add("n1", recorder);
        cluster.startAll();
        String old = awaitConverged();
        String next = other(old);
        cluster.consensus.get(old).setBlocked(Duration.ofMinutes(5));
        cluster.databases.get(old).crash();
        cluster.unreachable.add(old);
        cluster.advanceUntil(next + " promoted", LOOP, Duration.ofMinutes(2),
                () -> cluster.healthyPrimary().equals(Optional.of(next)), old);

        await("both promotions heard", () -> promotions.size() == 2);
        assertThat(promotions).containsExactly(old + " " + old, next + " " + next);
    }

    /**
     * Strict synchronous mode: the synchronous standby sets the placeholder before it promotes
     * (Patroni sets it before its promote too), so no commit is acknowledged unreplicated before
     * its first loop as leader, whatever setting it kept from its clone.
     */
    @Test
    void strictSynchronousStandbySetsThePlaceholderBeforePromoting() {
        String old = syncPairWithTheReplicaInTheSyncKey(true);
        String next = other(old);
        FakeDatabaseNode db = cluster.databases.get(next);
        int before = db.calls().size();
        cluster.consensus.get(old).setBlocked(Duration.ofMinutes(5));
        cluster.databases.get(old).crash();
        cluster.unreachable.add(old);

        cluster.advanceUntil(next + " promoted", LOOP, Duration.ofMinutes(2),
                () -> cluster.healthyPrimary().equals(java.util.Optional.of(next)), old);

        assertThat(db.calls().subList(before, db.calls().size()))
                .containsSubsequence("setSynchronousStandbys([], true)", "promote()");
        // The fake's probe does not show the placeholder, so every decision asks to set it again:
        // once per iteration, not in a loop that wakes itself (tens of thousands of calls before).
        int calls = db.count("setSynchronousStandbys");
        cluster.advance(LOOP, old);
        cluster.advance(LOOP, old);
        assertThat(db.count("setSynchronousStandbys") - calls).as("calls in two iterations").isLessThanOrEqualTo(4);
    }

    /** Two members in synchronous mode, converged, the replica named in the sync key; returns the leader. */
    private String syncPairWithTheReplicaInTheSyncKey(boolean strict) {
        cluster = new AgentCluster(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10, "synchronous_mode", true,
                "synchronous_mode_strict", strict));
        cluster.add("n0");
        cluster.add("n1");
        cluster.startAll();
        String old = awaitConverged();
        String next = other(old);
        cluster.advanceUntil(next + " in the sync key", LOOP, Duration.ofMinutes(2),
                () -> cluster.store.member("reader").read().sync().syncStandbys().contains(next));
        return old;
    }

    /**
     * Synchronous mode (not strict): the standby that wins writes the sync key naming itself alone
     * before it promotes, as Patroni does. Promoted with no synchronous standby, it acknowledges
     * commits alone; a key still naming the old leader and its standbys would let them win without
     * those commits if it died before its first loop as leader.
     */
    @Test
    void aSynchronousStandbyNamesItselfAloneInTheSyncKeyBeforeItPromotes() {
        String old = syncPairWithTheReplicaInTheSyncKey(false);
        String next = other(old);
        FakeDatabaseNode db = cluster.databases.get(next);
        db.hangNext("promote", Duration.ofSeconds(30));
        cluster.consensus.get(old).setBlocked(Duration.ofMinutes(5));
        cluster.databases.get(old).crash();
        cluster.unreachable.add(old);
        cluster.advanceUntil(next + " promoting", LOOP, Duration.ofMinutes(2), () -> role(next) == Role.CANDIDATE,
                old);
        assertThat(db.awaitHanging("promote", Duration.ofSeconds(5))).isTrue();

        SyncState sync = cluster.store.member("reader").read().sync();
        db.release("promote");
        assertThat(sync.leader()).as("the sync key's leader while PostgreSQL is being promoted").contains(next);
        assertThat(sync.syncStandbys()).isEmpty();
        cluster.advanceUntil(next + " promoted", LOOP, Duration.ofMinutes(2),
                () -> cluster.healthyPrimary().equals(Optional.of(next)), old);
    }

    /**
     * Issue #12 item 11: a crashed primary that still holds the key restarts read-only and is
     * promoted only by a later iteration that found the key still its own, never started
     * writable at once.
     */
    @Test
    void crashedPrimaryRestartsReadOnlyThenPromotesWhileItHoldsTheKey() {
        String leader = bootstrapped("n0", "n1");
        FakeDatabaseNode db = cluster.databases.get(leader);
        int before = db.calls().size();
        db.crash();

        cluster.advanceUntil(leader + " primary again", LOOP, Duration.ofMinutes(2),
                () -> cluster.healthyPrimary().equals(java.util.Optional.of(leader)));

        List<String> after = db.calls().subList(before, db.calls().size());
        assertThat(after).as("calls after the crash").doesNotContain("start()");
        assertThat(after).containsSubsequence("startReadOnly()", "promote()");
        assertThat(role(leader)).isEqualTo(Role.PRIMARY);
    }

    /** The key lost while the crashed primary restarts: it stays read-only, never promoted. */
    @Test
    void crashedPrimaryThatLosesTheKeyDuringItsRestartIsNeverPromoted() {
        String leader = bootstrapped("n0", "n1");
        FakeDatabaseNode db = cluster.databases.get(leader);
        db.hangNext("startReadOnly", Duration.ofSeconds(30));
        db.crash();
        cluster.advanceUntil(leader + " restarting", LOOP, Duration.ofMinutes(1),
                () -> db.count("startReadOnly") > 0);
        assertThat(db.awaitHanging("startReadOnly", Duration.ofSeconds(5))).isTrue();
        int before = db.calls().size();
        cluster.consensus.get(leader).setPartitioned(true);
        cluster.unreachable.add(leader);
        String next = other(leader);
        cluster.advanceUntil(next + " promoted", LOOP, Duration.ofMinutes(2),
                () -> cluster.healthyPrimary().equals(java.util.Optional.of(next)), leader);
        db.release("startReadOnly");
        for (int i = 0; i < 5; i++) {
            cluster.advance(LOOP, leader);
        }

        assertThat(db.calls().subList(before, db.calls().size())).doesNotContain("promote()", "start()");
        assertThat(cluster.db(leader).inRecovery() || cluster.db(leader).process() != ProcessState.RUNNING)
                .as("%s is not a writable primary", leader).isTrue();
    }

    /**
     * A primary whose PostgreSQL hangs (probes unanswered, the postmaster still there) hands over
     * after primary_start_timeout, and stops the hung server before the key goes: released as is,
     * it would resume as a second writable primary once it runs again.
     */
    @Test
    void hungPrimaryIsStoppedBeforeItHandsTheKeyOver() {
        String leader = twoMembersWithAStartTimeoutOfAMinute();
        String next = other(leader);
        FakeDatabaseNode db = cluster.databases.get(leader);
        int before = db.calls().size();
        db.setUnresponsive(true);

        cluster.advanceUntil(next + " promoted", LOOP, Duration.ofMinutes(5),
                () -> cluster.healthyPrimary().equals(Optional.of(next)));

        assertThat(db.calls().subList(before, db.calls().size())).as("calls after %s hung", leader)
                .contains("stop(IMMEDIATE)");
    }

    /** Two members, primary_start_timeout 60 s; returns the leader once they converged. */
    private String twoMembersWithAStartTimeoutOfAMinute() {
        cluster = new AgentCluster(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10,
                "primary_start_timeout", 60));
        cluster.add("n0");
        cluster.add("n1");
        cluster.startAll();
        String leader = awaitConverged();
        return leader;
    }

    /**
     * A primary whose PostgreSQL crashed and fails every restart in place hands over once
     * primary_start_timeout has passed since the crash: each failed restart must not restart the
     * clock ("down 0 s of primary_start_timeout" for ever, the key never released).
     */
    @Test
    void aPrimaryThatCannotRestartHandsOverAfterPrimaryStartTimeout() {
        String leader = twoMembersWithAStartTimeoutOfAMinute();
        String next = other(leader);
        FakeDatabaseNode db = cluster.databases.get(leader);
        // More failures than the loop can use up.
        for (int i = 0; i < 100_000; i++) {
            db.failNext("startReadOnly", new io.hapg.core.spi.DatabaseUnavailableException(leader
                    + ": could not start"));
        }
        db.crash();

        cluster.advanceUntil(next + " promoted", LOOP, Duration.ofMinutes(5),
                () -> cluster.healthyPrimary().equals(Optional.of(next)));

        assertThat(db.count("startReadOnly")).as("restarts in place tried before the handover").isPositive();
    }

    /**
     * Two members, both recorded into {@code events}; the leader dies and the other one wins the
     * race, holds the key and hangs in {@code promote} until released. Returns the candidate.
     */
    private String promotingWhileTheOldLeaderIsGone(List<String> events) {
        cluster = new AgentCluster();
        cluster.add("n0", recording(events));
        cluster.add("n1", recording(events));
        cluster.startAll();
        String old = awaitConverged();
        String next = other(old);
        cluster.databases.get(next).hangNext("promote", Duration.ofSeconds(30));
        cluster.consensus.get(old).setBlocked(Duration.ofMinutes(5));
        cluster.databases.get(old).crash();
        cluster.unreachable.add(old);
        cluster.advanceUntil(next + " promoting", LOOP, Duration.ofMinutes(2), () -> role(next) == Role.CANDIDATE,
                old);
        assertThat(cluster.databases.get(next).awaitHanging("promote", Duration.ofSeconds(5))).isTrue();
        return next;
    }

    private static void awaitDemotionDelivered(List<String> events, String member) {
        await(member + "'s change to DEMOTING delivered", () -> events.stream()
                .anyMatch(e -> e.startsWith(member + " role ") && e.endsWith("->DEMOTING")));
    }

    @Test
    void candidateThatLosesTheStoreWhilePromotingIsNeverAnnouncedAsPrimary() {
        List<String> events = new CopyOnWriteArrayList<>();
        String next = promotingWhileTheOldLeaderIsGone(events);
        String old = other(next);

        cluster.consensus.get(next).setPartitioned(true);
        cluster.advance(LOOP, old);
        cluster.databases.get(next).release("promote");
        cluster.advance(LOOP, old);

        await(next + " stopped PostgreSQL", () -> cluster.db(next).process() == ProcessState.STOPPED);
        awaitDemotionDelivered(events, next);
        assertThat(events).filteredOn(e -> e.startsWith(next + " role "))
                .as("events of %s, which never ran as primary", next)
                .noneMatch(e -> e.endsWith("->PRIMARY"));
        assertThat(role(next)).isEqualTo(Role.DEMOTING);
    }

    @Test
    void promotionThatFinishesAfterTheKeyWasLostIsAbandoned() {
        List<String> events = new CopyOnWriteArrayList<>();
        String next = promotingWhileTheOldLeaderIsGone(events);
        // Another member takes the key while the promotion hangs; the candidate must not hear of
        // it before the key has moved, or its own renewal would simply re-take the free key.
        cluster.consensus.get(next).setBlocked(Duration.ofMinutes(1));
        cluster.store.revokeLease(next);
        assertThat(cluster.store.member("intruder").tryAcquireLeader()).isTrue();
        cluster.consensus.get(next).unblock();
        cluster.advance(LOOP, other(next));

        cluster.consensus.get(next).setPartitioned(true);
        int timeline = cluster.db(next).timeline();
        cluster.databases.get(next).release("promote");
        // The new timeline outlives the stop that may follow at once (the loop sees a primary).
        await("the late promotion reached PostgreSQL", () -> cluster.db(next).timeline() > timeline);
        // Two iterations: the first demotes (PostgreSQL now runs as primary without the key), by
        // the second the promotion's own result has come back to the loop.
        cluster.advance(LOOP, other(next));
        cluster.advance(LOOP, other(next));

        assertThat(role(next)).isEqualTo(Role.DEMOTING);
        assertThat(cluster.db(next).process()).isEqualTo(ProcessState.STOPPED);
        awaitDemotionDelivered(events, next);
        assertThat(events).filteredOn(e -> e.startsWith(next + " role "))
                .as("events of %s, whose promotion finished after it lost the key", next)
                .noneMatch(e -> e.endsWith("->PRIMARY"))
                .contains(next + " role CANDIDATE->DEMOTING");
    }

    @Test
    void primaryCutFromTheStoreDemotesBeforeItsLeaseExpires() {
        String leader = bootstrapped("n0", "n1");
        long renewedAt = cluster.clock.nanoTime();
        cluster.consensus.get(leader).setPartitioned(true);

        cluster.advance(LOOP);

        await(leader + " demoted", () -> cluster.db(leader).process() == ProcessState.STOPPED
                && role(leader) == Role.DEMOTING);
        assertThat(cluster.clock.nanoTime() - renewedAt).isLessThan(TTL.toNanos());
        assertThat(cluster.leader()).contains(leader); // the key lives until its lease expires
    }

    @Test
    void watchdogFencesPrimaryWhenTheLoopIsStuck() {
        String leader = bootstrapped("n0", "n1");
        cluster.consensus.get(leader).setBlocked(Duration.ofMinutes(5));
        cluster.advance(LOOP, leader);
        assertThat(cluster.consensus.get(leader).awaitBlockedCall(Duration.ofSeconds(5))).isTrue();
        assertThat(cluster.db(leader).isRunningPrimary()).isTrue();

        // The last renewal was sent at most one loop ago; a ttl after it the lease is gone.
        cluster.clock.advance(TTL.minus(LOOP).minusSeconds(1));

        await("watchdog fenced " + leader, () -> cluster.db(leader).process() == ProcessState.STOPPED);
        assertThat(cluster.databases.get(leader).calls()).anyMatch(c -> c.startsWith("stop"));
        assertThat(cluster.agents.get(leader).status().orElseThrow().loopNanos())
                .as("the loop is still stuck in the store call").isLessThan(cluster.clock.nanoTime());
    }

    /**
     * An Error (StackOverflowError, OutOfMemoryError) ends the loop: nothing renews the lease any
     * more, so a primary must not stay writable behind it (before: the loop's exit disarmed the
     * watchdog and PostgreSQL kept accepting commits after another node took the key).
     */
    @Test
    void aLoopThatDiesOnThePrimaryFencesAndReportsItsDeath() throws Exception {
        String leader = bootstrapped("n0", "n1");
        StackOverflowError boom = new StackOverflowError("a bug deep in an iteration");
        cluster.databases.get(leader).failNext("probe", boom);

        cluster.advance(LOOP, leader);

        assertThat(cluster.agents.get(leader).loopDeath().get(10, TimeUnit.SECONDS)).isSameAs(boom);
        await("the dead loop fenced " + leader, () -> cluster.db(leader).process() == ProcessState.STOPPED);
        assertThat(cluster.databases.get(leader).calls()).anyMatch(c -> c.startsWith("stop"));
    }

    @Test
    void aFatalErrorOnThePrimaryFencesToo() throws Exception {
        String leader = bootstrapped("n0", "n1");
        cluster.databases.get(leader).failNext("probe", new FatalHaException("data directory belongs to another"
                + " cluster"));

        cluster.advance(LOOP, leader);

        assertThat(cluster.agents.get(leader).loopDeath().get(10, TimeUnit.SECONDS))
                .isInstanceOf(FatalHaException.class);
        await("the dead loop fenced " + leader, () -> cluster.db(leader).process() == ProcessState.STOPPED);
    }

    @Test
    void aLoopThatDiesOnAReplicaLeavesItsPostgresqlRunning() throws Exception {
        String leader = bootstrapped("n0", "n1");
        String replica = other(leader);
        cluster.databases.get(replica).failNext("probe", new StackOverflowError("replica bug"));

        cluster.advance(LOOP, replica);

        assertThat(cluster.agents.get(replica).loopDeath().get(10, TimeUnit.SECONDS))
                .isInstanceOf(StackOverflowError.class);
        assertThat(cluster.db(replica).process()).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void throwingAndHangingListenersChangeNothing() {
        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch never = new CountDownLatch(1);
        RoleChangeListener throwing = new RoleChangeListener() {
            @Override
            public void roleChanged(RoleChange change) {
                seen.add(change.member() + " " + change.newRole());
                throw new IllegalStateException("listener bug");
            }
        };
        RoleChangeListener hanging = new RoleChangeListener() {
            @Override
            public void roleChanged(RoleChange change) {
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void leaderChanged(RoleChange change) {
                roleChanged(change);
            }
        };
        cluster = new AgentCluster();
        cluster.add("n0", throwing, hanging);
        cluster.add("n1", hanging, throwing);
        cluster.startAll();

        String leader = awaitConverged();

        assertThat(role(leader)).isEqualTo(Role.PRIMARY);
        await("listener saw the promotion", () -> seen.contains(leader + " PRIMARY"));
    }

    @Test
    void listenersAreToldOnlyOnRealChanges() {
        List<String> events = new CopyOnWriteArrayList<>();
        cluster = new AgentCluster();
        cluster.add("n0", recording(events));
        cluster.startAll();
        awaitConverged();
        await("events delivered", () -> events.contains("n0 leader -->n0")
                && events.contains("n0 role CANDIDATE->PRIMARY"));
        int before = events.size();

        for (int i = 0; i < 5; i++) {
            cluster.advance(LOOP);
        }

        AgentCluster.sleep(200);
        assertThat(events).hasSize(before);
        assertThat(events).containsSubsequence("n0 role UNINITIALIZED->CANDIDATE", "n0 role CANDIDATE->PRIMARY");
    }

    /**
     * A probe that times out (PostgreSQL frozen or the machine overloaded) is no stop: Patroni runs
     * on_stop/on_start when it stops or starts PostgreSQL, and listeners (and scripts) must not hear
     * an on_stop/on_start pair each time a probe is slow (seen on a loaded machine, issue #12).
     */
    @Test
    void anUnresponsivePostgresIsNoStopAndNoStart() {
        List<String> events = new CopyOnWriteArrayList<>();
        cluster = new AgentCluster();
        cluster.add("n0", recording(events));
        cluster.startAll();
        awaitConverged();
        await("events delivered", () -> events.contains("n0 role CANDIDATE->PRIMARY"));
        cluster.advance(LOOP);
        AgentCluster.sleep(200);
        int before = events.size();

        cluster.databases.get("n0").setUnresponsive(true);
        cluster.advance(LOOP);
        cluster.advance(LOOP);
        cluster.databases.get("n0").setUnresponsive(false);
        cluster.advance(LOOP);
        cluster.advance(LOOP);

        AgentCluster.sleep(200);
        assertThat(events.subList(before, events.size())).as("events while a probe did not answer").isEmpty();
    }

    /** Records {@code "<member> role <old>-><new>"} and {@code "<member> leader <old>-><new>"} as told. */
    private static RoleChangeListener recording(List<String> events) {
        return new RoleChangeListener() {
            @Override
            public void roleChanged(RoleChange change) {
                events.add(change.member() + " role " + change.oldRole() + "->" + change.newRole());
            }

            @Override
            public void leaderChanged(RoleChange change) {
                events.add(change.member() + " leader " + change.oldLeader().orElse("-") + "->"
                        + change.newLeader().orElse("-"));
            }

            @Override
            public void lifecycle(String action, RoleChange context) {
                events.add(context.member() + " " + action);
            }
        };
    }

    @Test
    void closeOnThePrimaryHandsTheKeyOverAndStopsEveryThread() {
        String leader = bootstrapped("n0", "n1");
        String next = other(leader);

        Thread closer = new Thread(() -> cluster.agents.get(leader).close(), "test-closer");
        closer.start();
        cluster.advanceUntil(leader + " closed", Duration.ofSeconds(1), Duration.ofMinutes(1),
                () -> !closer.isAlive(), leader);

        assertThat(cluster.db(leader).process()).isEqualTo(ProcessState.STOPPED);
        assertThat(cluster.consensus.get(leader).isClosed()).isTrue();
        assertThat(cluster.leader()).isNotEqualTo(java.util.Optional.of(leader));
        await("no threads of " + leader, () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().startsWith("ha-") && t.getName().endsWith("-" + leader)));
        cluster.advanceUntil(next + " took over without a ttl wait", LOOP, LOOP.multipliedBy(2),
                () -> cluster.healthyPrimary().equals(java.util.Optional.of(next)), leader);
    }

    /**
     * A switchover is carried out at once, not a {@code loop_wait} per step: the clock does not
     * move here, so every loop iterates only when woken (the request, a watch event, a finished
     * action) or on the fast tick a pending request gives. Without that tick the leader would
     * wait a whole {@code loop_wait} for the candidate to publish the shutdown checkpoint.
     */
    @Test
    void aSwitchoverHappensWithoutWaitingForLoopWait() {
        String leader = bootstrapped("n0", "n1", "n2");
        String candidate = other(leader);
        long started = System.nanoTime();

        assertThat(cluster.agents.get(leader).writeFailover(-1, Optional.of(new io.hapg.core.model.FailoverRequest(
                Optional.of(leader), Optional.of(candidate), Optional.empty(), 0)))).isTrue();

        await(candidate + " primary", () -> cluster.healthyPrimary().equals(Optional.of(candidate)));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    /** max_timelines_history: the history key keeps only the newest switches, as Patroni's history[-n:]. */
    @Test
    void theHistoryKeyKeepsMaxTimelinesHistoryEntries() {
        cluster = new AgentCluster(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10, "max_timelines_history", 1));
        cluster.add("n0");
        cluster.add("n1");
        cluster.startAll();
        String first = awaitConverged();
        for (String leader : List.of(first, other(first))) {
            String candidate = other(leader);
            assertThat(cluster.agents.get(leader).writeFailover(-1, Optional.of(new io.hapg.core.model.FailoverRequest(
                    Optional.of(leader), Optional.of(candidate), Optional.empty(), 0)))).isTrue();
            cluster.advanceUntil(candidate + " primary", LOOP, Duration.ofMinutes(3), () -> cluster.converged()
                    && cluster.healthyPrimary().equals(Optional.of(candidate)));
        }

        await("history written", () -> cluster.store.member("reader").read().history().stream()
                .anyMatch(e -> e.timeline() == 2));
        assertThat(cluster.store.member("reader").read().history()).extracting(e -> e.timeline()).containsExactly(2);
    }

    /** The cluster's postgresql.pg_ident and recovery_conf reach every node's database, as in Patroni. */
    @Test
    void theClustersPgIdentAndRecoveryConfReachEveryNode() {
        cluster = new AgentCluster(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10, "postgresql",
                Map.of("pg_ident", List.of("map1 sys1 pg1"), "recovery_conf",
                        Map.of("recovery_min_apply_delay", 5000))));
        cluster.add("n0");
        cluster.add("n1");
        cluster.startAll();
        awaitConverged();

        io.hapg.core.model.ClusterPgFiles expected = new io.hapg.core.model.ClusterPgFiles(List.of("map1 sys1 pg1"),
                Map.of("recovery_min_apply_delay", "5000"));
        cluster.databases.values().forEach(db -> assertThat(db.clusterFiles()).as(db.name()).isEqualTo(expected));
    }

    @Test
    void configuredCallbacksAndPrePromoteRunWithPatronisArguments(@org.junit.jupiter.api.io.TempDir
                                                                  java.nio.file.Path dir) throws Exception {
        java.nio.file.Path log = dir.resolve("cb.log");
        java.nio.file.Path script = dir.resolve("cb.sh");
        java.nio.file.Files.writeString(script, "#!/bin/sh\necho \"$@\" >> " + log + "\n");
        script.toFile().setExecutable(true);
        cluster = new AgentCluster();
        cluster.add(io.hapg.core.config.HaConfig.builder().scope("shop").name("n0").bootstrapDcs(cluster.dcs)
                .callbacks(io.hapg.core.config.Callbacks.NONE.withOnRoleChange(script.toString())
                        .withOnStart(script.toString()))
                .prePromote("/bin/true")
                .build());
        cluster.startAll();
        awaitConverged();

        await("callbacks ran", () -> {
            try {
                return java.nio.file.Files.exists(log) && java.nio.file.Files.readAllLines(log)
                        .contains("on_role_change primary shop");
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    @Test
    void startTwiceIsRejectedAndCloseIsIdempotent() {
        cluster = new AgentCluster();
        HaAgent agent = cluster.add("n0");
        agent.start();
        org.assertj.core.api.Assertions.assertThatThrownBy(agent::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only once");
        agent.close();
        agent.close();
    }
}
