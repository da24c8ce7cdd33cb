package io.hapg.core.decision;

import static io.hapg.core.decision.Action.RENEW_LEASE;
import static io.hapg.core.decision.Action.SET_SYNC_STANDBYS;
import static io.hapg.core.decision.Action.WRITE_SYNC_KEY;
import static io.hapg.core.decision.DeciderTest.decide;
import static io.hapg.core.decision.DeciderTest.expect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.PeerStatus;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.Databases;
import io.hapg.core.testing.LocalStates;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The leader's step in quorum commit ({@link QuorumMode}): one step of {@link QuorumSteps}' plan per
 * iteration, the setting ({@code ANY n}) before the key when standbys join, the key before the
 * setting when they leave. pg1 leads, pg2 and pg3 stream; {@code synchronous_node_count} 1.
 */
class QuorumModeTest {
    static final String CHANGE = "0/5000000";
    static final String BEHIND = "0/4000000";

    /** pg1 primary with ANY 1 (pg2, pg3), both quorum standbys flushed up to {@code flushed}. */
    private static Databases.Db anyOneOfTwo(String flushed) {
        return Databases.primary().quorum("pg2", flushed).quorum("pg3", flushed).anyOf(1, "pg2", "pg3")
                .syncChangedAt(CHANGE);
    }

    /** pg1's decision as the leader of {@code view}, its PostgreSQL as {@code db} says. */
    private static Decision asLeader(Clusters.View view, Databases.Db db) {
        return decide("pg1", view.build(), LocalStates.of(db));
    }

    private static Clusters.View quorum() {
        return Clusters.healthy().quorumMode();
    }

    @Test
    void anEmptyKeyIsClaimedWithNoVotersFirst() {
        Databases.Db db = Databases.primary().streaming("pg2", Clusters.POSITION).streaming("pg3", Clusters.POSITION);
        expect(asLeader(quorum(), db))
                .action(WRITE_SYNC_KEY).syncStandbys().syncCount(0).reasonContains("enabling quorum commit");
    }

    @Test
    void streamingStandbysEnterTheSettingBeforeTheKey() {
        Databases.Db db = Databases.primary().streaming("pg2", Clusters.POSITION).streaming("pg3", Clusters.POSITION);
        expect(asLeader(quorum().syncQuorum("pg1", 0), db))
                .action(SET_SYNC_STANDBYS).syncStandbys("pg2", "pg3").syncCount(1)
                .reasonContains("quorum: setting synchronous_standby_names to ANY 1 [pg2, pg3]");
    }

    @Test
    void confirmedStandbysArePublishedAsVotersWithTheQuorumThatOverlapsEveryCommit() {
        // ANY 1 of two: a commit may be on one of them only, so a candidate must see 1 voter besides itself.
        expect(asLeader(quorum().syncQuorum("pg1", 0), anyOneOfTwo(CHANGE)))
                .action(WRITE_SYNC_KEY).syncStandbys("pg2", "pg3").syncCount(1)
                .reasonContains("quorum: writing the sync key {leader pg1, quorum 1 of [pg2, pg3]}");
    }

    @Test
    void standbysBehindTheChangeAreNotPublishedYet() {
        expect(asLeader(quorum().syncQuorum("pg1", 0), anyOneOfTwo(BEHIND))).action(RENEW_LEASE)
                .reasonContains("quorum commit: ANY 1 [pg2, pg3], sync key quorum 0 of []");
    }

    @Test
    void steadyStateRenewsTheLease() {
        expect(asLeader(quorum().syncQuorum("pg1", 1, "pg2", "pg3"), anyOneOfTwo(CHANGE)))
                .action(RENEW_LEASE).reasonContains("sync key quorum 1 of [pg2, pg3]");
    }

    @Test
    void aStandbyThatStoppedLeavesTheSettingThenTheKeyLowersTheQuorum() {
        Databases.Db db = Databases.primary().quorum("pg2", CHANGE).anyOf(1, "pg2", "pg3").syncChangedAt(CHANGE);
        expect(asLeader(quorum().syncQuorum("pg1", 1, "pg2", "pg3"), db))
                .action(SET_SYNC_STANDBYS).syncStandbys("pg2").syncCount(1)
                .reasonContains("then {leader pg1, quorum 0 of [pg2]}");
        Databases.Db after = Databases.primary().quorum("pg2", CHANGE).anyOf(1, "pg2").syncChangedAt(CHANGE);
        expect(asLeader(quorum().syncQuorum("pg1", 1, "pg2", "pg3"), after))
                .action(WRITE_SYNC_KEY).syncStandbys("pg2").syncCount(0);
    }

    @Test
    void aKeyEditedByHandIsMadeSafeBeforeAnythingElse() {
        // Quorum 0 of two with ANY 1: a commit on pg2 alone, a race won by pg3 seeing nobody: lost.
        expect(asLeader(quorum().syncQuorum("pg1", 0, "pg2", "pg3"), anyOneOfTwo(CHANGE)))
                .action(WRITE_SYNC_KEY).syncStandbys("pg2", "pg3").syncCount(1);
    }

    // ---- the leader race (the leader key is gone; pg1 was the primary) ----

    /** {@code me}'s decision at {@code Clusters.POSITION} in a leaderless quorum cluster, with the peers that answered. */
    private static Decision racing(String me, int quorum, List<String> voters, PeerStatus... answered) {
        return decide(me, Clusters.leaderless().quorumMode().syncQuorum("pg1", quorum, voters.toArray(String[]::new))
                .build(), LocalStates.replica(Clusters.POSITION).peers(LocalStates.peers(answered)));
    }

    @Test
    void aVoterWinsWithTheQuorumOfVotersNotAheadOfIt() {
        expect(racing("pg2", 1, List.of("pg2", "pg3"), LocalStates.peer("pg3", BEHIND))).action(Action.PROMOTE);
    }

    @Test
    void aVoterThatSeesTooFewVotersDoesNotRace() {
        // ANY 1 of pg2, pg3: the last commits may be on pg3 alone, which did not answer.
        expect(racing("pg2", 1, List.of("pg2", "pg3"))).action(Action.NONE)
                .reasonContains("quorum commit: 0 of the voters [pg2, pg3] confirmed", "quorum is 1");
    }

    @Test
    void aVoterAheadOfMeWins() {
        expect(racing("pg2", 1, List.of("pg2", "pg3"), LocalStates.peer("pg3", "0/6000000"))).action(Action.NONE)
                .reasonContains("pg3 is ahead of me");
    }

    @Test
    void aNonVoterMayWinWithOneVoteMore() {
        expect(racing("pg3", 0, List.of("pg2"), LocalStates.peer("pg2", BEHIND))).action(Action.PROMOTE);
        expect(racing("pg3", 0, List.of("pg2"))).action(Action.NONE)
                .reasonContains("0 of the voters [pg2]", "and I am no voter myself");
    }

    @Test
    void quorumModeIsReadFromTheConfigAsSynchronousModeToo() {
        DynamicConfig quorum = DynamicConfig.fromMap(Map.of("synchronous_mode", "quorum"));
        assertThat(quorum.quorumCommit()).isTrue();
        assertThat(quorum.synchronousMode()).isTrue();
        assertThat(DynamicConfig.fromMap(Map.of("synchronous_mode", "on")).quorumCommit()).isFalse();
        assertThatThrownBy(() -> DynamicConfig.fromMap(Map.of("synchronous_mode", "sometimes")))
                .hasMessage("synchronous_mode: expected on, off or quorum, got 'sometimes'");
    }
}
