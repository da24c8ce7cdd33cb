package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.WriteHistory;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fast failover end to end (FAST-FAILOVER.md, issue #14 section 4): one three-node cluster of real
 * etcd, PostgreSQL and agent processes with {@code synchronous_mode: true}, {@code fast_failover:
 * true} and Patroni's default ttl (30 s), under a writer committing every 20 ms (plus one writer
 * per node, so a node left writable is seen), with {@code /primary} polled on every node every
 * 50 ms and the {@code leader} key sampled every 50 ms throughout. Faults by PID:
 * <ol>
 *   <li>the primary's agent frozen, its PostgreSQL alive: its PostgreSQL answers the probes, so no
 *       early takeover; thawed before the lease ends, it is still the leader;</li>
 *   <li>kill -9 of the primary's agent and postmaster: the synchronous standby holds the key well
 *       before the lease ends (less than ttl / 2; the time is printed), no acknowledged commit
 *       lost, the old primary rejoins as a replica;</li>
 *   <li>the primary's agent and postmaster frozen, thawed after the takeover: the resumed old
 *       primary never answers {@code /primary} 200 while another member holds the key, none of
 *       its commits is acknowledged after the takeover, it rejoins;</li>
 *   <li>a {@code sync} key naming another leader (stale or hand-edited), then kill -9 of the
 *       primary: no early takeover;</li>
 *   <li>one replica gone (fewer than three member keys), then kill -9 of the primary: no early
 *       takeover, the usual failover once the lease ran out;</li>
 *   <li>the primary cut from etcd (its agent's etcd paths go through per-node proxies), its
 *       PostgreSQL reachable: the candidates' probes answer, so no early takeover; its own
 *       {@code /primary} turns 503 within about T_early (the time is printed); healed before the
 *       lease ends, it is still the leader;</li>
 *   <li>the etcd raft leader killed (-9) together with the primary's agent and postmaster: the
 *       synchronous standby still takes over early (less than ttl / 2); the etcd member is
 *       restarted;</li>
 *   <li>kill -9 of the primary and the synchronous standby's agent frozen right after its first
 *       death probe (while it gathers evidence), thawed after the old primary's lease ran out;</li>
 *   <li>the synchronous standby killed (-9) and restarted behind, the third member killed so it
 *       rejoins the {@code sync} key, that member restarted, then kill -9 of the primary: the
 *       rejoined member takes over early (the restarted voter's probe is the majority).</li>
 * </ol>
 * Every scenario ends with the invariants: never two writable primaries, no acknowledged commit
 * lost, one primary with both others streaming from it, no {@code /primary} 200 from a node while
 * the leader key named another.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FastFailoverIT {
    private static final int TTL = 30;
    private static final String SCOPE = "e2e-fast";
    private static final String PREFIX = "/service/" + SCOPE + "/";
    /** Outside the cluster prefix, so Patroni never sees it (FAST-FAILOVER.md). */
    private static final String HEARTBEAT = "/service/.hapg/" + SCOPE + "/heartbeat";
    /** An early takeover must move the key within this; the lease runs for {@value #TTL} s. */
    private static final Duration HALF_TTL = Duration.ofSeconds(TTL / 2);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster cluster;
    private Client etcd;
    private Observer observer;
    private WriteHistory writes;
    /** The acknowledged commits of the last finished scenario. */
    private List<WriteHistory.Commit> finished = List.of();
    /** When the running scenario started its writes (monotonic). */
    private long scenarioStart;

    @BeforeAll
    void startCluster() {
        cluster = E2e.cluster(SCOPE).ttl(TTL).loopWait(1).retryTimeout(10).synchronousMode(true)
                .dcs("fast_failover", true).etcdProxies(true).start();
        logs.watch(cluster);
        etcd = Client.builder().endpoints(cluster.etcd().clientEndpoints().toArray(String[]::new)).build();
        cluster.awaitConverged(E2e.BOOT);
        observer = new Observer();
        observer.start();
    }

    @AfterAll
    void stopCluster() {
        if (observer != null) {
            observer.close();
        }
        if (writes != null) {
            writes.close();
        }
        if (etcd != null) {
            etcd.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** After a failed scenario: stop its writes, thaw what was frozen, restart stopped agents. */
    @AfterEach
    void restoreCluster() {
        if (writes != null) {
            writes.close();
            writes = null;
        }
        boolean etcdRestarted = false;
        for (int i = 0; i < cluster.etcd().memberCount(); i++) {
            if (!cluster.etcd().isRunning(i)) {
                cluster.etcd().restart(i);
                etcdRestarted = true;
            }
        }
        if (etcdRestarted) {
            cluster.etcd().awaitMembersHealthy(Duration.ofSeconds(60), allEtcdMembers());
        }
        for (ClusterNode n : cluster.nodes()) {
            n.healEtcd();
            n.thawPostgres();
            n.thawAgent();
            if (!n.isAgentRunning()) {
                n.startAgent();
            }
        }
    }

    /**
     * SIGSTOP of the primary's agent alone: its heartbeat stops, but its PostgreSQL answers the
     * death probes (and keeps committing with its synchronous standby), so nobody takes over early.
     * Thawed well before the lease ends, it is still the leader and commits go on.
     */
    @Test
    @Order(1)
    void frozenAgentWithLivePostgresIsNotTakenOverEarly() {
        ClusterNode old = startWrites();
        Duration frozen = Duration.ofSeconds(12);
        Instant t0 = Instant.now();
        long from = System.nanoTime();
        old.freezeAgent();
        try {
            LockSupport.parkNanos(frozen.toNanos());
            assertThat(observer.holdersSince(from)).as("leader key holders while %s's agent was frozen", old.name())
                    .containsOnly(old.name());
            // Its PostgreSQL went on committing with the standby after the heartbeat went stale.
            writes.awaitAcknowledged(n -> n.equals(old.name()), t0.plusSeconds(8), Duration.ofSeconds(5));
        } finally {
            old.thawAgent();
        }
        Instant thawed = Instant.now();
        E2e.awaitTrue(old.name() + " answers /primary 200 again", Duration.ofSeconds(20), old,
                () -> old.status("/primary") == 200);
        WriteHistory.Commit after = writes.awaitAcknowledged(n -> n.equals(old.name()), thawed, Duration.ofSeconds(20));
        assertThat(observer.holdersSince(from)).as("leader key holders until after the thaw").containsOnly(old.name());
        report("[fast] " + old.name() + "'s agent frozen " + frozen.toMillis() + " ms (postmaster alive): no early"
                + " takeover, still leader after SIGCONT, commit " + E2e.millisSince(thawed, after.ackedAt())
                + " ms after the thaw (ttl " + TTL + " s)");
        finish(null);
    }

    /**
     * kill -9 of the primary's agent and postmaster: the synchronous standby takes the key once its
     * PostgreSQL is confirmed dead, long before the lease (ttl {@value #TTL} s) runs out.
     */
    @Test
    @Order(2)
    void killOfThePrimaryNodeIsTakenOverEarlyBySyncStandby() {
        ClusterNode old = startWrites();
        ClusterNode sync = E2e.syncStandby(cluster);
        Instant t0 = Instant.now();
        long from = System.nanoTime();
        old.killNode();
        awaitEarlyTakeover(old, sync, t0, from, "kill -9 of " + old.name() + " (agent + postmaster)");
        assertThat(cluster.awaitPrimary(n -> n != old, E2e.CONVERGE)).isEqualTo(sync);
        old.startAgent();
        finish(old);
    }

    /**
     * SIGSTOP of the primary's agent and postmaster (a paused VM), SIGCONT once the synchronous
     * standby took over and committed: the old primary's /primary never answers 200 while the
     * other holds the key, none of its commits is acknowledged after the takeover (its standby
     * left), and it rejoins as a replica.
     */
    @Test
    @Order(3)
    void frozenPrimaryNodeIsTakenOverEarlyAndNeverAnswersAsPrimaryOnceThawed() {
        ClusterNode old = startWrites();
        ClusterNode sync = E2e.syncStandby(cluster);
        Instant t0 = Instant.now();
        long from = System.nanoTime();
        old.freezeAgent();
        old.freezePostgres();
        try {
            // Before the out-of-process fence would stop the frozen PostgreSQL (shortly before the lease ends).
            awaitEarlyTakeover(old, sync, t0, from, old.name() + "'s agent + postmaster frozen");
            // Past the writers' socket timeout (6 s): their commits in flight on the old primary have failed.
            long resumeAt = Math.max(from + Duration.ofSeconds(8).toNanos(), System.nanoTime() + POLL.toNanos() * 10);
            LockSupport.parkNanos(resumeAt - System.nanoTime());
        } finally {
            old.thawPostgres();
            old.thawAgent();
        }
        long thawed = System.nanoTime();
        Instant thawedAt = Instant.now();
        report("[fast] " + old.name() + " thawed " + TimeUnit.NANOSECONDS.toMillis(thawed - from)
                + " ms after SIGSTOP");
        // Demoted: its PostgreSQL read-only or stopped, and its agent no longer says primary.
        E2e.awaitTrue(old.name() + " demoted after its thaw", E2e.CONVERGE, old,
                () -> !writable(old) && old.status("/primary") != 200);
        long demoted = E2e.millisSince(thawedAt, Instant.now());
        finish(old);
        assertThat(writes().stream().filter(c -> c.node().equals(old.name()) && c.ackedAt().isAfter(thawedAt))
                .toList()).as("commits %s acknowledged after its thaw", old.name()).isEmpty();
        report("[fast] " + old.name() + " neither writable nor /primary 200 " + demoted + " ms after SIGCONT, streaming"
                + " from " + cluster.awaitConverged(E2e.CONVERGE).name() + " again; its /primary answers since the"
                + " thaw: " + observer.answersSince(old.name(), thawed));
    }

    /**
     * A {@code sync} key that names another leader (left over from an older term, or edited by
     * hand), then kill -9 of the primary: the key proves nothing about this term's commits, so the
     * standby does not take over for ttl / 2. The key put back as the primary wrote it, the
     * standby takes over.
     */
    @Test
    @Order(4)
    void staleSyncKeyPreventsEarlyTakeover() throws Exception {
        ClusterNode old = startWrites();
        ClusterNode sync = E2e.syncStandby(cluster);
        String current = read(PREFIX + "sync").orElseThrow().getValue().toString(StandardCharsets.UTF_8);
        String stale = "{\"leader\":\"" + third(old, sync).name() + "\",\"sync_standby\":\"" + sync.name() + "\"}";
        long from = System.nanoTime();
        old.killNode();
        // Written after the kill, or the live primary would rewrite it within a loop.
        put(PREFIX + "sync", stale);
        LockSupport.parkNanos(HALF_TTL.toNanos());
        assertThat(observer.holdersSince(from)).as("leader key holders with a stale sync key").containsOnly(
                old.name());
        report("[fast] kill -9 of " + old.name() + " with sync " + stale + ": leader key unmoved for "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - from) + " ms");
        // The key as the dead primary wrote it: the standby may take over (early, the lease still runs).
        long restored = System.nanoTime();
        put(PREFIX + "sync", current);
        Observer.Change moved = observer.awaitMoveFrom(old.name(), restored, Duration.ofSeconds(TTL * 2L));
        report("[fast] sync key restored to " + current + " -> leader key on " + moved.holder() + " after "
                + TimeUnit.NANOSECONDS.toMillis(moved.nanos() - restored) + " ms ("
                + TimeUnit.NANOSECONDS.toMillis(moved.nanos() - from) + " ms after the kill)");
        assertThat(moved.holder()).isEqualTo(sync.name());
        old.startAgent();
        finish(old);
    }

    /**
     * One replica gone (its member key with it), then kill -9 of the primary: two member keys leave
     * no independent voter, so the synchronous standby waits for the lease (the usual failover).
     */
    @Test
    @Order(5)
    void twoMembersAreNotTakenOverEarly() throws Exception {
        ClusterNode old = startWrites();
        ClusterNode sync = E2e.syncStandby(cluster);
        ClusterNode gone = third(old, sync);
        gone.killNode();
        etcd.getKVClient().delete(bytes(PREFIX + "members/" + gone.name())).get(20, TimeUnit.SECONDS);
        writes.awaitAcknowledged(n -> n.equals(old.name()), Instant.now().plusSeconds(2), Duration.ofSeconds(20));
        assertThat(read(PREFIX + "members/" + gone.name())).as("%s's member key", gone.name()).isEmpty();
        Instant t0 = Instant.now();
        long from = System.nanoTime();
        old.killNode();
        Observer.Change moved = observer.awaitMoveFrom(old.name(), from, Duration.ofSeconds(TTL * 2L));
        long ms = TimeUnit.NANOSECONDS.toMillis(moved.nanos() - from);
        report("[fast] 2 members: kill -9 of " + old.name() + " -> leader key on " + moved.holder() + " after " + ms
                + " ms (the lease: ttl " + TTL + " s)");
        assertThat(ms).as("ms from kill -9 to the leader key moving with 2 members (no early takeover)")
                .isGreaterThanOrEqualTo(HALF_TTL.toMillis());
        assertThat(moved.holder()).isEqualTo(sync.name());
        writes.awaitAcknowledged(n -> n.equals(sync.name()), t0, E2e.CONVERGE);
        old.startAgent();
        gone.startAgent();
        finish(old);
    }

    /**
     * The primary cut from etcd (every path of its agent to every etcd member closed, new ones
     * refused) while clients and the other members still reach its PostgreSQL: the candidates see
     * its heartbeat go stale, but its PostgreSQL answers their probes, so nobody takes over early;
     * the cut primary's own {@code /primary} turns 503 within about T_early (2 s at ttl 30) as its
     * heartbeat writes fail. Healed before the lease ends (and before retry_timeout), it is still the
     * leader, answers {@code /primary} 200 again and commits go on.
     */
    @Test
    @Order(6)
    void primaryCutFromEtcdIsNotTakenOverEarlyAndStopsAnsweringAsPrimary() {
        ClusterNode old = startWrites();
        ClusterNode sync = E2e.syncStandby(cluster);
        long syncLog = E2e.logSize(sync);
        Duration cut = Duration.ofSeconds(8);
        long from = System.nanoTime();
        old.cutFromEtcd();
        long healed;
        try {
            LockSupport.parkNanos(cut.toNanos());
            assertThat(observer.holdersSince(from)).as("leader key holders while %s was cut from etcd", old.name())
                    .containsOnly(old.name());
        } finally {
            old.healEtcd();
            healed = System.nanoTime();
        }
        Instant healedAt = Instant.now();
        Observer.Answer first = observer.firstAnswerSince(old.name(), from, status -> status != 200)
                .orElseThrow(() -> new AssertionError(old.name() + " answered /primary 200 throughout its etcd cut: "
                        + observer.answersSince(old.name(), from)));
        long ms = TimeUnit.NANOSECONDS.toMillis(first.answeredNanos() - from);
        List<Observer.Answer> after = observer.answersBetween(old.name(), first.answeredNanos(), healed);
        report("[fast] " + old.name() + " cut from etcd for " + cut.toMillis() + " ms: /primary " + first.status()
                + " " + ms + " ms after the cut (T_early 2 s), its answers until the heal: "
                + observer.answersSince(old.name(), from) + "; no early takeover");
        assertThat(ms).as("ms from the etcd cut to %s's /primary not answering 200", old.name()).isLessThan(10_000);
        assertThat(after.stream().filter(a -> a.status() == 200 && a.answeredNanos() - healed < 0).toList())
                .as("/primary 200 from %s after its first 503 and before the heal", old.name()).isEmpty();
        // The candidate did see the heartbeat stale and probed: the PostgreSQL answered.
        assertThat(E2e.logSince(sync, syncLog)).as("%s's log during the cut", sync.name())
                .contains("my probe of " + old.name() + "'s PostgreSQL: ANSWERED");
        E2e.awaitTrue(old.name() + " answers /primary 200 again after the heal", Duration.ofSeconds(30), old,
                () -> old.status("/primary") == 200);
        long back = E2e.millisSince(healedAt, Instant.now());
        WriteHistory.Commit commit = writes.awaitAcknowledged(n -> n.equals(old.name()), healedAt, Duration.ofSeconds(20));
        assertThat(observer.holdersSince(from)).as("leader key holders until after the heal").containsOnly(old.name());
        report("[fast] " + old.name() + " healed: /primary 200 again within " + back + " ms, commit "
                + E2e.millisSince(healedAt, commit.ackedAt()) + " ms after the heal, still the leader");
        finish(null);
    }

    /**
     * The etcd member that is raft leader killed (-9) together with the primary's agent and
     * postmaster: etcd elects a new leader (and refreshes every lease), the heartbeat stops moving,
     * and the synchronous standby still takes over well before the lease would end. The etcd
     * member is restarted afterwards, so the cluster is whole again.
     */
    @Test
    @Order(7)
    void etcdLeaderDyingWithThePrimaryIsStillTakenOverEarly() throws Exception {
        ClusterNode old = startWrites();
        ClusterNode sync = E2e.syncStandby(cluster);
        int etcdLeader = etcdLeader();
        Instant t0 = Instant.now();
        long from = System.nanoTime();
        java.util.concurrent.CompletableFuture<Void> etcdKilled = java.util.concurrent.CompletableFuture
                .runAsync(() -> cluster.etcd().kill(etcdLeader));
        old.killNode();
        etcdKilled.get(30, TimeUnit.SECONDS);
        try {
            awaitEarlyTakeover(old, sync, t0, from, "kill -9 of etcd raft leader member " + etcdLeader
                    + " and of " + old.name() + " (agent + postmaster)");
        } finally {
            cluster.etcd().restart(etcdLeader);
            cluster.etcd().awaitMembersHealthy(Duration.ofSeconds(60), allEtcdMembers());
        }
        report("[fast] etcd member " + etcdLeader + " restarted, raft leader now member " + etcdLeader());
        assertThat(cluster.awaitPrimary(n -> n != old, E2e.CONVERGE)).isEqualTo(sync);
        old.startAgent();
        finish(old);
    }

    /**
     * kill -9 of the primary's agent and postmaster, and the synchronous standby's agent frozen
     * (SIGSTOP) as soon as its first own death probe is logged, while it is still gathering
     * evidence; thawed once the old primary's lease has run out. The evidence it gathered before
     * the freeze is stale by then and the leader key it saw is gone: whoever takes over, never two
     * writable primaries, no acknowledged commit lost, and the cluster converges.
     */
    @Test
    @Order(8)
    void candidateFrozenWhileGatheringEvidenceThenThawedAfterTheLease() throws Exception {
        ClusterNode old = startWrites();
        ClusterNode sync = E2e.syncStandby(cluster);
        long syncLog = E2e.logSize(sync);
        String probed = "my probe of " + old.name() + "'s PostgreSQL: NOT_ANSWERING";
        Instant t0 = Instant.now();
        long from = System.nanoTime();
        old.killNode();
        long frozenAt;
        try {
            long deadline = from + Duration.ofSeconds(TTL - 10).toNanos();
            try (java.io.RandomAccessFile log = new java.io.RandomAccessFile(E2e.agentLog(sync).toFile(), "r")) {
                StringBuilder seen = new StringBuilder();
                long offset = syncLog;
                while (seen.indexOf(probed) < 0) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new AssertionError(sync.name() + " logged no '" + probed + "' within "
                                + (TTL - 10) + " s of the kill; its log since: " + seen);
                    }
                    LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
                    long length = log.length();
                    if (length > offset) {
                        byte[] more = new byte[(int) (length - offset)];
                        log.seek(offset);
                        log.readFully(more);
                        offset = length;
                        seen.append(new String(more, StandardCharsets.UTF_8));
                    }
                }
            }
            sync.freezeAgent();
            frozenAt = System.nanoTime();
            report("[fast] kill -9 of " + old.name() + "; " + sync.name() + "'s agent frozen "
                    + TimeUnit.NANOSECONDS.toMillis(frozenAt - from) + " ms later, after its first own probe");
            assertThat(observer.holdersSince(from)).as("leader key holders until %s was frozen (it was still"
                    + " gathering evidence)", sync.name()).containsOnly(old.name());
            // The old primary's lease (ttl) has run out, with a margin for its last renewal and etcd.
            LockSupport.parkNanos(from + Duration.ofSeconds(TTL + 3).toNanos() - System.nanoTime());
        } finally {
            sync.thawAgent();
        }
        long thawed = System.nanoTime();
        List<String> whileFrozen = observer.holdersSince(from);
        report("[fast] " + sync.name() + " thawed " + TimeUnit.NANOSECONDS.toMillis(thawed - from)
                + " ms after the kill; leader key holders until then: " + whileFrozen);
        // Synchronous mode: only the member the sync key names may take over, frozen or not.
        assertThat(whileFrozen).as("leader key holders while %s's agent was frozen", sync.name())
                .containsOnly(old.name(), "");
        Observer.Change moved = observer.awaitMoveFrom(old.name(), from, E2e.CONVERGE);
        WriteHistory.Commit first = writes.awaitAcknowledged(n -> !n.equals(old.name()), t0, E2e.CONVERGE);
        report("[fast] leader key on " + moved.holder() + " " + TimeUnit.NANOSECONDS.toMillis(moved.nanos() - from)
                + " ms after the kill (" + TimeUnit.NANOSECONDS.toMillis(moved.nanos() - thawed) + " ms after the"
                + " thaw), first commit on " + first.node() + " " + E2e.millisSince(t0, first.ackedAt())
                + " ms after the kill");
        assertThat(moved.holder()).as("the new leader").isEqualTo(sync.name());
        // The usual path (leader key absent), not the evidence gathered before the freeze.
        assertThat(E2e.logSince(sync, syncLog)).as("%s's log since the kill", sync.name())
                .doesNotContain("took the leader key from " + old.name());
        old.startAgent();
        finish(old);
    }

    /**
     * The synchronous standby killed (-9), the sync key moved to the third member, the killed one
     * restarted (behind by a few seconds of commits, it catches up as an asynchronous replica), then
     * the new synchronous standby killed so the primary names the first one again once it caught
     * up, and restarted; kill -9 of the primary as soon as that restarted agent answers. The member
     * that just rejoined the sync key holds every acknowledged commit, and the restarted voter
     * answers the probes, so it takes over early.
     */
    @Test
    @Order(9)
    void laggingMemberRejoiningSyncThenPrimaryKilledIsTakenOverEarly() {
        ClusterNode old = startWrites();
        ClusterNode rejoining = E2e.syncStandby(cluster);
        ClusterNode other = third(old, rejoining);
        long from = System.nanoTime();
        rejoining.killNode();
        awaitSyncKey(old, other);
        long movedAway = System.nanoTime();
        // Commits that the killed member lacks when it comes back.
        writes.awaitAcknowledged(n -> n.equals(old.name()), Instant.now().plusSeconds(3), Duration.ofSeconds(20));
        rejoining.startAgent();
        E2e.awaitTrue(rejoining.name() + " streams again as an asynchronous replica", E2e.CONVERGE, rejoining,
                () -> rejoining.status("/replica?replication_state=streaming") == 200);
        long streaming = System.nanoTime();
        other.killNode();
        awaitSyncKey(old, rejoining);
        long rejoined = System.nanoTime();
        other.startAgent();
        // Its HA loop has run: from then on it answers the candidate's probe requests (before, a 503
        // that counts as "alive").
        E2e.awaitTrue(other.name() + "'s agent answers /patroni 200", E2e.CONVERGE, other,
                () -> other.status("/patroni") == 200);
        long voterUp = System.nanoTime();
        report("[fast] " + rejoining.name() + " killed; sync key on " + other.name() + " after "
                + TimeUnit.NANOSECONDS.toMillis(movedAway - from) + " ms; " + rejoining.name() + " streaming again "
                + TimeUnit.NANOSECONDS.toMillis(streaming - from) + " ms after its kill; " + other.name() + " killed,"
                + " sync key back on " + rejoining.name() + " after "
                + TimeUnit.NANOSECONDS.toMillis(rejoined - streaming) + " ms; " + other.name()
                + "'s agent restarted, its loop running after " + TimeUnit.NANOSECONDS.toMillis(voterUp - rejoined)
                + " ms");
        long rejoiningLog = E2e.logSize(rejoining);
        Instant t0 = Instant.now();
        long killed = System.nanoTime();
        old.killNode();
        awaitEarlyTakeover(old, rejoining, t0, killed, "kill -9 of " + old.name() + " (agent + postmaster) "
                + TimeUnit.NANOSECONDS.toMillis(killed - rejoined) + " ms after " + rejoining.name()
                + " rejoined the sync key");
        // The restarted voter's probe is the majority: without it the takeover would wait for the lease.
        assertThat(E2e.logSince(rejoining, rejoiningLog)).as("%s's log since the kill", rejoining.name())
                .containsPattern("confirmed down \\(my probes \\d+ not answering, 1 of 1 other members\\):"
                        + " taking over");
        assertThat(cluster.awaitPrimary(n -> n != old, E2e.CONVERGE)).isEqualTo(rejoining);
        old.startAgent();
        finish(old);
    }

    /**
     * Waits until the leader key left {@code old} (faulted at {@code t0}, monotonic {@code from}) and
     * {@code sync} acknowledged a commit, prints both times and checks the key went to {@code sync}
     * in less than ttl / 2. Gives up after ttl - 10 s: a frozen PostgreSQL is fenced before the
     * lease ends.
     */
    private void awaitEarlyTakeover(ClusterNode old, ClusterNode sync, Instant t0, long from, String fault) {
        Duration within = Duration.ofSeconds(TTL - 10);
        Observer.Change moved = observer.awaitMoveFrom(old.name(), from, within);
        long ms = TimeUnit.NANOSECONDS.toMillis(moved.nanos() - from);
        WriteHistory.Commit first = writes.awaitAcknowledged(n -> !n.equals(old.name()), t0, within);
        report("[fast] " + fault + " -> leader key on " + moved.holder() + " after " + ms + " ms, first commit on "
                + first.node() + " after " + E2e.millisSince(t0, first.ackedAt()) + " ms (ttl " + TTL
                + " s, loop_wait 1 s)");
        assertThat(moved.holder()).as("the new leader").isEqualTo(sync.name());
        assertThat(first.node()).as("the first commit after the takeover").isEqualTo(sync.name());
        assertThat(ms).as("ms from the fault to the leader key moving (early: less than ttl/2)")
                .isLessThan(HALF_TTL.toMillis());
    }

    /**
     * Waits for a converged cluster with a synchronous standby and a moving heartbeat (fast
     * failover on), starts the writes and returns the primary.
     */
    private ClusterNode startWrites() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        ClusterNode sync = E2e.syncStandby(cluster);
        awaitSyncKey(primary, sync);
        awaitHeartbeat(primary);
        scenarioStart = System.nanoTime();
        writes = WriteHistory.builder(cluster.jdbcUrls())
                .credentials(cluster.superuser().username(), cluster.superuser().password())
                .writers(1).writerPerNode().interval(Duration.ofMillis(20)).queryTimeout(Duration.ofSeconds(5))
                .start();
        // A few seconds of commits in flight, for a loss to show.
        writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now().plusSeconds(3), Duration.ofSeconds(30));
        return primary;
    }

    /**
     * Stops the writes and checks the invariants: one primary (not {@code rejoined}) with both
     * others streaming from it, never two writable primaries, no acknowledged commit lost, no
     * {@code /primary} 200 from a node while the leader key named another.
     */
    private void finish(ClusterNode rejoined) {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        if (rejoined != null) {
            assertThat(primary).as("%s rejoined as a replica", rejoined.name()).isNotEqualTo(rejoined);
        }
        E2e.finishWrites(writes, primary);
        writes.assertNoAcknowledgedCommitLost();
        finished = writes.acknowledged();
        writes = null;
        assertThat(observer.violationsSince(scenarioStart)).as("/primary 200 while the leader key named another member").isEmpty();
    }

    /** The running scenario's acknowledged commits, or the last finished one's. */
    private List<WriteHistory.Commit> writes() {
        return writes != null ? writes.acknowledged() : finished;
    }

    private ClusterNode third(ClusterNode a, ClusterNode b) {
        return cluster.nodes().stream().filter(n -> n != a && n != b).findFirst().orElseThrow();
    }

    /** Waits until the sync key is {@code primary}'s and names {@code sync}. */
    private void awaitSyncKey(ClusterNode primary, ClusterNode sync) {
        E2e.awaitTrue("sync key {leader: " + primary.name() + ", sync_standby: " + sync.name() + "}", E2e.CONVERGE,
                primary, () -> read(PREFIX + "sync").map(FastFailoverIT::json).map(j -> j.path("leader").asText()
                        .equals(primary.name()) && j.path("sync_standby").toString().contains("\"" + sync.name() + "\""))
                        .orElse(false));
    }

    /** Waits until {@code primary}'s heartbeat key moves: fast failover is on. */
    private void awaitHeartbeat(ClusterNode primary) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long seen = 0;
        String last = "absent";
        while (System.nanoTime() - deadline < 0) {
            Optional<KeyValue> kv = read(HEARTBEAT);
            if (kv.isPresent()) {
                last = kv.get().getValue().toString(StandardCharsets.UTF_8);
                if (json(kv.get()).path("leader").asText().equals(primary.name())) {
                    if (seen != 0 && kv.get().getModRevision() > seen) {
                        return;
                    }
                    seen = kv.get().getModRevision();
                }
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        throw new AssertionError("fast_failover is not on: " + primary.name() + "'s heartbeat " + HEARTBEAT
                + " did not move within 20 s (last: " + last + ")\n" + E2e.diagnosis(primary));
    }

    /** The index of the etcd member that is raft leader now. */
    private int etcdLeader() throws Exception {
        for (int i = 0; i < cluster.etcd().memberCount(); i++) {
            io.etcd.jetcd.maintenance.StatusResponse s = etcd.getMaintenanceClient()
                    .statusMember(cluster.etcd().clientEndpoint(i)).get(10, TimeUnit.SECONDS);
            if (s.getLeader() == s.getHeader().getMemberId()) {
                return i;
            }
        }
        throw new AssertionError("no etcd member is raft leader");
    }

    private int[] allEtcdMembers() {
        return java.util.stream.IntStream.range(0, cluster.etcd().memberCount()).toArray();
    }

    private static boolean writable(ClusterNode node) {
        try {
            return "f".equals(node.query("SELECT pg_is_in_recovery()").get(0));
        } catch (IllegalStateException down) {
            return false;
        }
    }

    private Optional<KeyValue> read(String key) {
        try {
            return etcd.getKVClient().get(bytes(key)).get(20, TimeUnit.SECONDS).getKvs().stream().findFirst();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + key, e);
        }
    }

    private void put(String key, String value) throws Exception {
        etcd.getKVClient().put(bytes(key), bytes(value)).get(20, TimeUnit.SECONDS);
    }

    private static JsonNode json(KeyValue kv) {
        try {
            return JSON.readTree(kv.getValue().toString(StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return JSON.createObjectNode();
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    /**
     * Samples the leader key every 50 ms (its holder, "" when absent) and polls
     * {@code /primary} on every node every 50 ms, each node on its own thread (a
     * frozen agent holds only its own poller). A change is stamped when its read returned, so the
     * key had changed by then.
     */
    private final class Observer implements AutoCloseable {
        /** The leader key named {@code holder} at {@code nanos} (monotonic), the first sample that saw it. */
        record Change(long nanos, String holder) {
        }

        /** {@code node} answered {@code status} on /primary to a request sent at {@code sentNanos}. */
        record Answer(String node, long sentNanos, long answeredNanos, int status) {
        }

        private final List<Change> changes = new CopyOnWriteArrayList<>();
        private final List<Answer> answers = new CopyOnWriteArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        void start() {
            threads.add(new Thread(this::sampleLeader, "fast-leader-sampler"));
            for (ClusterNode n : cluster.nodes()) {
                threads.add(new Thread(() -> pollPrimary(n), "fast-primary-" + n.name()));
            }
            threads.forEach(t -> {
                t.setDaemon(true);
                t.start();
            });
            E2e.awaitTrue("a leader key sample", Duration.ofSeconds(10), () -> !changes.isEmpty());
        }

        private void sampleLeader() {
            String last = null;
            while (running.get()) {
                try {
                    String holder = read(PREFIX + "leader").map(kv -> kv.getValue().toString(StandardCharsets.UTF_8))
                            .orElse("");
                    if (!holder.equals(last)) {
                        changes.add(new Change(System.nanoTime(), holder));
                        last = holder;
                    }
                } catch (RuntimeException e) {
                    // etcd busy: the next sample
                }
                LockSupport.parkNanos(POLL.toNanos());
            }
        }

        private void pollPrimary(ClusterNode node) {
            while (running.get()) {
                long sent = System.nanoTime();
                int status = node.status("/primary");
                answers.add(new Answer(node.name(), sent, System.nanoTime(), status));
                LockSupport.parkNanos(POLL.toNanos());
            }
        }

        /** The holder seen last at or before {@code nanos}; null before the first sample. */
        String holderAt(long nanos) {
            String holder = null;
            for (Change c : changes) {
                if (c.nanos() - nanos > 0) {
                    break;
                }
                holder = c.holder();
            }
            return holder;
        }

        /** Every holder the key had from {@code nanos} until now (the one then included). */
        List<String> holdersSince(long nanos) {
            List<String> holders = new ArrayList<>();
            holders.add(holderAt(nanos));
            changes.stream().filter(c -> c.nanos() - nanos > 0).map(Change::holder).forEach(holders::add);
            return holders;
        }

        /** Waits until the key names a member other than {@code old} after {@code nanos}. */
        Change awaitMoveFrom(String old, long nanos, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                Optional<Change> moved = changes.stream().filter(c -> c.nanos() - nanos > 0
                        && !c.holder().isEmpty() && !c.holder().equals(old)).findFirst();
                if (moved.isPresent()) {
                    return moved.get();
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the leader key still names " + old + " (or nobody) "
                            + timeout.toMillis() + " ms later; holders since: " + holdersSince(nanos));
                }
                LockSupport.parkNanos(POLL.toNanos());
            }
        }

        /** {@code node}'s first /primary answer to a request sent after {@code nanos} with a matching status. */
        Optional<Answer> firstAnswerSince(String node, long nanos, java.util.function.IntPredicate status) {
            return answers.stream().filter(a -> a.node().equals(node) && a.sentNanos() - nanos > 0
                    && status.test(a.status())).findFirst();
        }

        /** {@code node}'s /primary answers to requests sent after {@code from} and before {@code to}. */
        List<Answer> answersBetween(String node, long from, long to) {
            return answers.stream().filter(a -> a.node().equals(node) && a.sentNanos() - from > 0
                    && a.sentNanos() - to < 0).toList();
        }

        /** {@code node}'s /primary status codes answered after {@code nanos}, counted. */
        java.util.Map<Integer, Long> answersSince(String node, long nanos) {
            return answers.stream().filter(a -> a.node().equals(node) && a.sentNanos() - nanos > 0)
                    .collect(java.util.stream.Collectors.groupingBy(Answer::status, java.util.TreeMap::new,
                            java.util.stream.Collectors.counting()));
        }

        /**
         * Every /primary 200 from a node to a request sent after {@code nanos} when the key already
         * named another member, unless a sample up to 1 s after the answer named that node.
         */
        List<String> violationsSince(long nanos) {
            List<String> found = new ArrayList<>();
            for (Answer a : answers) {
                if (a.status() != 200 || a.sentNanos() - nanos < 0) {
                    continue;
                }
                String holder = holderAt(a.sentNanos());
                if (holder == null || holder.isEmpty() || holder.equals(a.node())) {
                    continue;
                }
                boolean backInTime = changes.stream().anyMatch(c -> c.nanos() - a.sentNanos() > 0
                        && c.nanos() - a.answeredNanos() <= Duration.ofSeconds(1).toNanos() && c.holder().equals(a.node()));
                if (!backInTime) {
                    found.add(a.node() + " answered /primary 200 to a request sent while the leader key named "
                            + holder);
                }
            }
            return found;
        }

        @Override
        public void close() {
            running.set(false);
            threads.forEach(t -> {
                try {
                    t.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }
}
