package io.hapg.core.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.decision.EarlyTakeover.Outcome;
import io.hapg.core.decision.EarlyTakeover.Verdict;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DeathEvidence;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailsafePing;
import io.hapg.core.model.FastFailover;
import io.hapg.core.model.Heartbeat;
import io.hapg.core.model.HeartbeatSeen;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Fast failover's rule, condition by condition: the base case (pg2, the synchronous standby of
 * pg1 in term 7, with pg3 as the voter) takes over early, and each condition made false alone
 * stops it.
 */
class EarlyTakeoverTest {
    static final long SECOND = 1_000_000_000L;
    static final long MONO = 5_000 * SECOND;
    static final long MS = 1_000_000L;
    static final Now NOW = new Now(MONO, Instant.parse("2025-03-01T12:00:00Z"));
    static final FastFailover ON = new FastFailover(true, Duration.ofSeconds(2), Duration.ofSeconds(1));
    /** The heartbeat of pg1's term last moved 4 s ago: stale since 2 s ago. */
    static final HeartbeatSeen STALE = new HeartbeatSeen(100, Optional.of("pg1"), 7, MONO - 4 * SECOND);
    /** My two probes 1.4 s apart and pg3's, all after the heartbeat went stale. */
    static final DeathEvidence CONFIRMED = DeathEvidence.none("pg1", 7)
            .with(probe("pg2", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 1500 * MS))
            .with(probe("pg3", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 1000 * MS))
            .with(probe("pg2", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 100 * MS));

    static Clusters.View cluster() {
        return Clusters.healthy().synchronousMode().sync("pg1", "pg2");
    }

    static LeaderProbe probe(String by, LeaderProbe.Outcome outcome, long at) {
        return new LeaderProbe(by, outcome, at);
    }

    static Verdict evaluate(String me, Tags tags, ClusterView view, LocalState.Builder local, FastFailover ff,
                            HeartbeatSeen seen, DeathEvidence evidence) {
        Situation s = Situation.of(view, local.build(), new Self(me, Clusters.SCOPE, tags, DynamicConfig.DEFAULTS), NOW);
        return EarlyTakeover.evaluate(s, ff, seen, evidence);
    }

    static Verdict evaluate(ClusterView view) {
        return evaluate("pg2", Tags.NONE, view, LocalStates.replica(), ON, STALE, CONFIRMED);
    }

    static Verdict evaluate(DeathEvidence evidence) {
        return evaluate("pg2", Tags.NONE, cluster().build(), LocalStates.replica(), ON, STALE, evidence);
    }

    static Verdict evaluate(HeartbeatSeen seen) {
        return evaluate("pg2", Tags.NONE, cluster().build(), LocalStates.replica(), ON, seen, CONFIRMED);
    }

    static Verdict evaluate(LocalState.Builder local) {
        return evaluate("pg2", Tags.NONE, cluster().build(), local, ON, STALE, CONFIRMED);
    }

    @Test
    void allConditionsHoldTakesOverEarly() {
        Verdict v = evaluate(cluster().build());

        assertThat(v.outcome()).as(v.reason()).isEqualTo(Outcome.TAKE_OVER_EARLY);
        Decision d = v.decision("pg1").orElseThrow();
        assertThat(d.action()).isEqualTo(Action.TAKE_OVER_EARLY);
        assertThat(d.target()).contains("pg1");
        assertThat(v.reason()).contains("pg1", "confirmed down");
    }

    @Test
    void noDecisionWhenNo() {
        assertThat(new Verdict(Outcome.NO, "x").decision("pg1")).isEmpty();
        assertThat(new Verdict(Outcome.PROBE_LEADER, "x").decision("pg1").orElseThrow().action())
                .isEqualTo(Action.PROBE_LEADER);
    }

    @Nested
    class ConfigurationAndKeys {
        @Test
        void fastFailoverOff() {
            assertNo(evaluate("pg2", Tags.NONE, cluster().build(), LocalStates.replica(), FastFailover.OFF, STALE,
                    CONFIRMED), "fast_failover is off");
        }

        @Test
        void asynchronousMode() {
            assertNo(evaluate(Clusters.healthy().sync("pg1", "pg2").build()), "synchronous_mode is off");
        }

        @Test
        void paused() {
            assertNo(evaluate(cluster().pause().build()), "paused");
        }

        @Test
        void noLeaderKey() {
            assertNo(evaluate(cluster().noLeader().build()), "no other member holds the leader key");
        }

        @Test
        void iHoldTheLeaderKey() {
            assertNo(evaluate("pg1", Tags.NONE, cluster().build(), LocalStates.primary(), ON, STALE, CONFIRMED),
                    "no other member holds the leader key");
        }

        @Test
        void twoMembers() {
            assertNo(evaluate(cluster().without("pg3").build()), "only 2 members");
        }

        @Test
        void twoMemberKeysAndAnExpiredLeaderMemberKeyStillCountTheLeader() {
            Verdict v = evaluate(cluster().without("pg1").build());
            assertThat(v.outcome()).as(v.reason()).isEqualTo(Outcome.TAKE_OVER_EARLY);
        }

        @Test
        void syncKeyOfAnotherLeader() {
            assertNo(evaluate(Clusters.healthy().synchronousMode().sync("pg3", "pg2").build()), "not current");
        }

        @Test
        void syncKeyWrittenBeforeTheLeadersTerm() {
            ClusterView view = cluster().leader("pg1", 20).build();
            HeartbeatSeen seen = new HeartbeatSeen(100, Optional.of("pg1"), 20, MONO - 4 * SECOND);
            assertNo(evaluate("pg2", Tags.NONE, view, LocalStates.replica(), ON, seen, DeathEvidence.none("pg1", 20)),
                    "not current");
        }

        @Test
        void syncKeyDoesNotNameMe() {
            assertNo(evaluate(Clusters.healthy().synchronousMode().sync("pg1", "pg3").build()), "not current");
        }

        @Test
        void emptySyncKey() {
            assertNo(evaluate(Clusters.healthy().synchronousMode().build()), "not current");
        }
    }

    @Nested
    class Me {
        @Test
        void nofailover() {
            assertNo(evaluate("pg2", Tags.of(Map.of("nofailover", true)), cluster().build(), LocalStates.replica(),
                    ON, STALE, CONFIRMED), "nofailover");
        }

        @Test
        void failoverPriorityZero() {
            assertNo(evaluate("pg2", Tags.of(Map.of("failover_priority", 0)), cluster().build(),
                    LocalStates.replica(), ON, STALE, CONFIRMED), "failover_priority");
        }

        @Test
        void postgresStopped() {
            assertNo(evaluate(LocalStates.stopped()), "not a running replica");
        }

        @Test
        void postgresRunsAsPrimary() {
            assertNo(evaluate(LocalStates.primary()), "not a running replica");
        }

        @Test
        void anotherSyncStandbyIsFurtherAhead() {
            ClusterView view = Clusters.healthy().synchronousMode().sync("pg1", "pg2", "pg3")
                    .member(Clusters.member("pg3").replica().at("0/6000000")).build();
            assertNo(evaluate(view), "deferring to pg3");
        }

        @Test
        void anotherSyncStandbyEquallyFarAheadDoesNotStopIt() {
            ClusterView view = Clusters.healthy().synchronousMode().sync("pg1", "pg2", "pg3").build();
            assertThat(evaluate(view).outcome()).isEqualTo(Outcome.TAKE_OVER_EARLY);
        }

        @Test
        void anAsynchronousMemberFurtherAheadIsNoReasonToDefer() {
            ClusterView view = cluster().member(Clusters.member("pg3").replica().at("0/6000000")).build();
            assertThat(evaluate(view).outcome()).isEqualTo(Outcome.TAKE_OVER_EARLY);
        }
    }

    @Nested
    class Heartbeats {
        @Test
        void movedWithinTEarly() {
            assertNo(evaluate(new HeartbeatSeen(100, Optional.of("pg1"), 7, MONO - 1900 * MS)), "moved 1900 ms ago");
        }

        @Test
        void neverSeen() {
            assertNo(evaluate(HeartbeatSeen.first(Heartbeat.ABSENT, MONO - 10 * SECOND)), "no heartbeat");
        }

        @Test
        void ofAnotherTerm() {
            assertNo(evaluate(new HeartbeatSeen(100, Optional.of("pg1"), 6, MONO - 4 * SECOND)), "no heartbeat");
        }

        @Test
        void ofAnotherLeader() {
            assertNo(evaluate(new HeartbeatSeen(100, Optional.of("pg3"), 7, MONO - 4 * SECOND)), "no heartbeat");
        }

        @Test
        void failsafePingWithinTtl() {
            LocalState.Builder local = LocalStates.replica()
                    .failsafePing(Optional.of(new FailsafePing("pg1", MONO - 29 * SECOND, Optional.empty())));
            assertNo(evaluate(local), "failsafe ping");
        }

        @Test
        void failsafePingOlderThanTtlDoesNotStopIt() {
            LocalState.Builder local = LocalStates.replica()
                    .failsafePing(Optional.of(new FailsafePing("pg1", MONO - 31 * SECOND, Optional.empty())));
            assertThat(evaluate(local).outcome()).isEqualTo(Outcome.TAKE_OVER_EARLY);
        }

        @Test
        void observationMovesOnlyWithTheRevision() {
            Heartbeat beat = new Heartbeat(100, Optional.of("pg1"), 7);
            HeartbeatSeen seen = HeartbeatSeen.first(beat, 10);

            assertThat(seen.next(beat, 50)).isSameAs(seen);
            assertThat(seen.next(beat, 50).stillFor(60)).isEqualTo(50);
            HeartbeatSeen moved = seen.next(new Heartbeat(101, Optional.of("pg1"), 7), 70);
            assertThat(moved.movedAt()).isEqualTo(70);
            assertThat(moved.revision()).isEqualTo(101);
        }
    }

    @Nested
    class Evidence {
        @Test
        void noneYetProbes() {
            Verdict v = evaluate(DeathEvidence.none("pg1", 7));
            assertThat(v.outcome()).isEqualTo(Outcome.PROBE_LEADER);
            assertThat(v.decision("pg1").orElseThrow().target()).contains("pg1");
        }

        @Test
        void onlyOneProbeOfMine() {
            assertProbing(DeathEvidence.none("pg1", 7)
                    .with(probe("pg3", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 1000 * MS))
                    .with(probe("pg2", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 100 * MS)));
        }

        @Test
        void myTwoProbesCloserThanTheProbeTimeout() {
            assertProbing(DeathEvidence.none("pg1", 7)
                    .with(probe("pg2", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 900 * MS))
                    .with(probe("pg3", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 500 * MS))
                    .with(probe("pg2", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 100 * MS)));
        }

        @Test
        void myLatestProbeAnswered() {
            assertNo(evaluate(CONFIRMED.with(probe("pg2", LeaderProbe.Outcome.ANSWERED, MONO - 50 * MS))),
                    "answered my probe");
        }

        @Test
        void theVoterFoundItAlive() {
            assertProbing(CONFIRMED.with(probe("pg3", LeaderProbe.Outcome.ANSWERED, MONO - 50 * MS)));
        }

        @Test
        void anUnreachableVoterCountsAsAlive() {
            assertProbing(CONFIRMED.with(probe("pg3", LeaderProbe.Outcome.VOTER_UNREACHABLE, MONO - 50 * MS)));
        }

        @Test
        void halfTheVotersIsNoStrictMajority() {
            ClusterView four = cluster().member(Clusters.member("pg4").replica()).build();
            Verdict half = evaluate("pg2", Tags.NONE, four, LocalStates.replica(), ON, STALE, CONFIRMED);
            assertThat(half.outcome()).as(half.reason()).isEqualTo(Outcome.PROBE_LEADER);

            Verdict all = evaluate("pg2", Tags.NONE, four, LocalStates.replica(), ON, STALE,
                    CONFIRMED.with(probe("pg4", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 50 * MS)));
            assertThat(all.outcome()).as(all.reason()).isEqualTo(Outcome.TAKE_OVER_EARLY);
        }

        @Test
        void probesOlderThanTEarlyAreNotFresh() {
            HeartbeatSeen longStale = new HeartbeatSeen(100, Optional.of("pg1"), 7, MONO - 60 * SECOND);
            DeathEvidence old = DeathEvidence.none("pg1", 7)
                    .with(probe("pg2", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 4000 * MS))
                    .with(probe("pg3", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 3000 * MS))
                    .with(probe("pg2", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 2500 * MS));
            assertThat(evaluate("pg2", Tags.NONE, cluster().build(), LocalStates.replica(), ON, longStale, old)
                    .outcome()).isEqualTo(Outcome.PROBE_LEADER);
        }

        @Test
        void probesFromBeforeTheHeartbeatWentStaleDoNotCount() {
            HeartbeatSeen justStale = new HeartbeatSeen(100, Optional.of("pg1"), 7, MONO - 2 * SECOND - 200 * MS);
            assertThat(evaluate(justStale).outcome()).isEqualTo(Outcome.PROBE_LEADER);
        }

        @Test
        void evidenceOfAnotherTerm() {
            assertProbing(new DeathEvidence("pg1", 6, CONFIRMED.probes()));
        }

        @Test
        void theVotersLatestProbeCounts() {
            DeathEvidence revived = DeathEvidence.none("pg1", 7)
                    .with(probe("pg2", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 1500 * MS))
                    .with(probe("pg3", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 1400 * MS))
                    .with(probe("pg3", LeaderProbe.Outcome.ANSWERED, MONO - 1000 * MS))
                    .with(probe("pg2", LeaderProbe.Outcome.NOT_ANSWERING, MONO - 100 * MS));
            assertProbing(revived);
        }
    }

    static void assertNo(Verdict v, String why) {
        assertThat(v.outcome()).as(v.reason()).isEqualTo(Outcome.NO);
        assertThat(v.reason()).startsWith("no early takeover: ").contains(why);
    }

    static void assertProbing(DeathEvidence evidence) {
        Verdict v = evaluate(evidence);
        assertThat(v.outcome()).as(v.reason()).isEqualTo(Outcome.PROBE_LEADER);
    }
}
