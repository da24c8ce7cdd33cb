package io.hapg.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.Heartbeat;
import io.hapg.core.model.Role;
import io.hapg.core.model.SyncState;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.core.spi.NodeStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fast failover ({@code fast_failover}, {@code FAST-FAILOVER.md}) through the HA loop, on the
 * in-memory fakes and a manual clock: three members in synchronous mode, ttl 30 s, loop_wait 1 s
 * (T_early 2 s). The heartbeat is written and read by real threads in real time; staleness is
 * measured on the manual clock, so a test that wants the heartbeat seen moving lets real time pass
 * between its manual steps.
 */
@Timeout(120)
class FastFailoverAgentTest {
    private static final Duration TTL = Duration.ofSeconds(30);
    private static final Duration STEP = Duration.ofMillis(250);
    private AgentCluster cluster;
    private String old;
    private String next;
    private String voter;

    @BeforeEach
    void syncClusterWithFastFailover() {
        cluster = new AgentCluster(Map.of("ttl", 30, "loop_wait", 1, "retry_timeout", 10, "synchronous_mode", true,
                "fast_failover", true));
        for (String name : List.of("n0", "n1", "n2")) {
            cluster.add(name);
        }
        cluster.startAll();
        cluster.advanceUntil("one primary, the others streaming", Duration.ofSeconds(1), Duration.ofMinutes(3),
                cluster::converged);
        old = cluster.healthyPrimary().orElseThrow();
        cluster.advanceUntil("a standby in the sync key", Duration.ofSeconds(1), Duration.ofMinutes(1),
                () -> !sync().syncStandbys().isEmpty() && sync().leader().equals(Optional.of(old)));
        next = sync().syncStandbys().get(0);
        voter = cluster.agents.keySet().stream().filter(n -> !n.equals(old) && !n.equals(next)).findFirst()
                .orElseThrow();
        // Let the synchronous standby's monitor read the heartbeat of this term.
        cluster.advanceUntil(next + " saw the heartbeat of " + old, STEP, Duration.ofSeconds(30),
                () -> seen(next).isPresent());
    }

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private SyncState sync() {
        return cluster.store.member("reader").read().sync();
    }

    private Heartbeat heartbeat() {
        return cluster.store.member("reader").readHeartbeat();
    }

    private NodeStatus status(String name) {
        return cluster.agents.get(name).status().orElseThrow();
    }

    private Optional<io.hapg.core.model.HeartbeatSeen> seen(String name) {
        return status(name).local().early().seen().filter(s -> s.leader().equals(Optional.of(old)));
    }

    @Test
    void theLeaderWritesItsHeartbeatInItsTerm() {
        Heartbeat first = heartbeat();
        long term = cluster.store.member("reader").read().leader().orElseThrow().term();
        assertThat(first.leader()).contains(old);
        assertThat(first.term()).isEqualTo(term);
        AgentCluster.sleep(1000);
        assertThat(heartbeat().revision()).as("beats every 300 ms").isGreaterThan(first.revision());
        assertThat(status(old).heartbeat().lastWrittenAt()).isPresent();
        assertThat(status(voter).local().early().seen()).as("only a member named in sync watches").isEmpty();
    }

    /**
     * The leader's agent and PostgreSQL die together (its store calls hang, its PostgreSQL is
     * gone): the synchronous standby sees the heartbeat stand still for T_early, probes twice,
     * the voter agrees, and it takes the key and promotes, long before the 30 s lease ends. The
     * key keeps the old create revision, now under the new holder's name, and the new leader
     * beats in it.
     */
    @Test
    void aSynchronousStandbyTakesOverEarlyFromALeaderConfirmedDead() {
        long term = cluster.store.member("reader").read().leader().orElseThrow().term();
        AgentCluster.sleep(700); // the monitors see the heartbeat move at this manual time
        long died = cluster.clock.nanoTime();
        cluster.consensus.get(old).setBlocked(Duration.ofMinutes(5));
        cluster.databases.get(old).crash();
        cluster.unreachable.add(old);

        cluster.advanceUntil(next + " promoted", STEP, Duration.ofSeconds(20),
                () -> cluster.healthyPrimary().equals(Optional.of(next)), old);

        long took = cluster.clock.nanoTime() - died;
        assertThat(Duration.ofNanos(took)).as("crash to promotion, manual time").isLessThan(Duration.ofSeconds(6));
        assertThat(took).isLessThan(TTL.toNanos() / 3);
        assertThat(cluster.consensus.get(next).calls("takeOverEarly")).isEqualTo(1);
        assertThat(cluster.databases.get(next).calls()).contains("promote()");
        io.hapg.core.model.Leader leader = cluster.store.member("reader").read().leader().orElseThrow();
        assertThat(leader.name()).isEqualTo(next);
        assertThat(leader.term()).as("the key was overwritten, not re-created").isEqualTo(term);
        cluster.advanceUntil(next + " beats in the term it took", STEP, Duration.ofSeconds(10),
                () -> heartbeat().leader().equals(Optional.of(next)), old);
        assertThat(heartbeat().term()).isEqualTo(term);
        assertThat(role(voter)).isEqualTo(Role.REPLICA);
    }

    /** pre_promote vetoes the promotion after an early takeover: the key is released, as after any veto. */
    @Test
    void aPrePromoteVetoAfterAnEarlyTakeoverReleasesTheKey() {
        cluster.vetoes.add(next);
        AgentCluster.sleep(700);
        cluster.consensus.get(old).setBlocked(Duration.ofMinutes(5));
        cluster.databases.get(old).crash();
        cluster.unreachable.add(old);

        cluster.advanceUntil(next + " took the key early", STEP, Duration.ofSeconds(20),
                () -> cluster.consensus.get(next).calls("takeOverEarly") > 0, old);
        cluster.advanceUntil("the key released after the veto", STEP, Duration.ofSeconds(10),
                () -> cluster.leader().isEmpty() && role(next) == Role.REPLICA, old);

        assertThat(cluster.databases.get(next).calls()).doesNotContain("promote()");
        assertThat(role(next)).isEqualTo(Role.REPLICA);
        assertThat(status(next).local().raceBackoff()).isPresent();
    }

    /**
     * Agent and postmaster frozen together, then thawed (SIGSTOP, SIGCONT): the standby takes over
     * early; the old leader, back, finds its renewal refused (the key keeps its create revision,
     * under another name), demotes its PostgreSQL still running as primary and rejoins behind the new
     * leader key's holder (rejoining is the usual path). It never promotes again.
     */
    @Test
    void aFrozenLeaderThatComesBackAfterAnEarlyTakeoverDemotesAndFollows() {
        cluster.consensus.get(old).setBlocked(Duration.ofMinutes(5));
        cluster.databases.get(old).setUnresponsive(true);
        cluster.unreachable.add(old);
        cluster.advanceUntil(next + " promoted", STEP, Duration.ofSeconds(20),
                () -> cluster.healthyPrimary().equals(Optional.of(next)), old);
        int promotions = (int) cluster.databases.get(old).calls().stream().filter("promote()"::equals).count();

        cluster.databases.get(old).setUnresponsive(false);
        cluster.unreachable.remove(old);
        cluster.consensus.get(old).unblock();
        cluster.advanceUntil(old + " demoted", Duration.ofSeconds(1), Duration.ofMinutes(1),
                () -> role(old) != Role.PRIMARY && !cluster.db(old).isRunningPrimary());
        for (int i = 0; i < 5; i++) {
            cluster.advance(Duration.ofSeconds(1));
        }

        assertThat(cluster.healthyPrimary()).contains(next);
        assertThat(cluster.databases.get(old).calls().stream().filter("promote()"::equals).count())
                .as("promotions of the old leader after it came back").isEqualTo(promotions);
        assertThat(heartbeat().leader()).contains(next);
        assertThat(role(old)).isIn(Role.REPLICA, Role.DEMOTING);
        OptionalLong last = status(old).heartbeat().lastWrittenAt();
        AgentCluster.sleep(700);
        assertThat(status(old).heartbeat().lastWrittenAt()).as("the old writer stopped beating").isEqualTo(last);
    }

    /**
     * The leader's loop is stuck and its PostgreSQL crashed, but its agent still beats (the
     * heartbeat thread is not the loop's): the heartbeat keeps moving, so nobody takes over early,
     * whatever a probe would say; the lease path applies.
     */
    @Test
    void noEarlyTakeoverWhileTheHeartbeatMoves() {
        cluster.databases.get(old).hangNext("probe", Duration.ofSeconds(60));
        cluster.advance(STEP, old);
        assertThat(cluster.databases.get(old).awaitHanging("probe", Duration.ofSeconds(5))).isTrue();
        cluster.databases.get(old).crash();
        // Manual time ran ahead of the real-time beats while the cluster formed: let the monitor
        // see the heartbeat move at this manual time first.
        AgentCluster.sleep(700);
        int probesBefore = cluster.databases.get(next).count("probeOther");
        try {
            for (int i = 0; i < 16; i++) {
                cluster.advance(Duration.ofMillis(500), old);
                AgentCluster.sleep(400); // real time for beats and reads
            }
            assertThat(cluster.leader()).contains(old);
            assertThat(role(next)).isEqualTo(Role.REPLICA);
            assertThat(cluster.consensus.get(next).calls("takeOverEarly")).isZero();
            assertThat(cluster.databases.get(next).count("probeOther")).as("never even probed")
                    .isEqualTo(probesBefore);
        } finally {
            cluster.databases.get(old).release("probe");
        }
    }

    /**
     * The leader's heartbeat writes fail while its loop still renews the lease: the time of its
     * last accepted beat, which the health checks read live ({@code FastFailoverHealthTest}: 503
     * after T_early minus the margin), stops moving; when the store takes them again it moves on.
     */
    @Test
    void whenTheHeartbeatWritesFailTheLastWrittenTimeStandsStill() {
        for (int i = 0; i < 100_000; i++) {
            cluster.consensus.get(old).failNext("writeHeartbeat",
                    new ConsensusUnavailableException(old + ": writeHeartbeat: timed out"));
        }
        AgentCluster.sleep(700); // let a beat in flight land
        OptionalLong frozen = status(old).heartbeat().lastWrittenAt();
        cluster.advance(Duration.ofSeconds(1));
        AgentCluster.sleep(700);
        assertThat(status(old).heartbeat().lastWrittenAt()).isEqualTo(frozen);
        assertThat(cluster.leader()).contains(old);
    }

    private Role role(String name) {
        return status(name).local().role();
    }
}
