package io.hapg.core.decision;

import static io.hapg.core.decision.Action.BOOTSTRAP;
import static io.hapg.core.decision.Action.FOLLOW;
import static io.hapg.core.decision.Action.LEAD_STANDBY;
import static io.hapg.core.decision.Action.NONE;
import static io.hapg.core.decision.Action.PROMOTE;
import static io.hapg.core.decision.Action.RENEW_LEASE;
import static io.hapg.core.decision.Action.WAIT;
import static io.hapg.core.decision.DeciderTest.NOW;
import static io.hapg.core.testing.Clusters.member;
import static io.hapg.core.testing.LocalStates.peer;
import static io.hapg.core.testing.LocalStates.peers;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Role;
import io.hapg.core.model.StandbyCluster;
import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A standby cluster's rules (Patroni {@code standby_cluster}): the key holder follows the remote
 * primary as the standby leader instead of promoting, a fresh cluster clones the remote, the
 * others follow the standby leader, and removing the section promotes the standby leader.
 */
class StandbyClusterDecisionTest {
    static final Map<String, Object> SECTION = Map.of("host", "10.0.0.9", "port", 5433);
    static final String REMOTE = StandbyCluster.REMOTE_MEMBER;

    static Decision decide(String me, ClusterView view, LocalState.Builder local) {
        return Decider.decide(view, local.build(), new Self(me, Clusters.SCOPE, Tags.NONE, DynamicConfig.DEFAULTS),
                NOW);
    }

    /** pg1 holds the key of a standby cluster; pg2 and pg3 cascade from it. */
    static Clusters.View standby() {
        return Clusters.healthy().config("standby_cluster", SECTION).member(member("pg1").replica());
    }

    static LocalState.Builder standbyLeader() {
        return LocalStates.replica().role(Role.STANDBY_LEADER).following(REMOTE);
    }

    @Test
    void aNewStandbyClusterBootstrapsByCloningTheRemoteNotByInitdb() {
        Decision d = Decider.decide(Clusters.uninitialized(), LocalStates.empty().build(), new Self("pg1",
                Clusters.SCOPE, Tags.NONE, DynamicConfig.DEFAULTS.with("standby_cluster", SECTION)), NOW);
        assertThat(d.action()).isEqualTo(BOOTSTRAP);
        assertThat(d.target()).contains(REMOTE);
        assertThat(d.reason()).startsWith("bootstrapping a standby leader: cloning the remote primary 10.0.0.9:5433");
    }

    @Test
    void theKeyHolderFollowsTheRemoteAsStandbyLeaderInsteadOfPromoting() {
        Decision d = decide("pg1", standby().build(), LocalStates.replica().role(Role.REPLICA));
        assertThat(d.action()).isEqualTo(LEAD_STANDBY);
        assertThat(d.target()).contains(REMOTE);
        assertThat(d.reason()).contains("following the remote primary 10.0.0.9:5433 as the standby leader");
    }

    @Test
    void theStandbyLeaderRenewsAndKeepsItsMembersSlotsOnAServerInRecovery() {
        Decision d = decide("pg1", standby().build(), standbyLeader());
        assertThat(d.action()).isEqualTo(RENEW_LEASE);
        assertThat(d.reason()).isEqualTo("no action: I am the standby leader with the lock, following the remote"
                + " primary 10.0.0.9:5433");
        assertThat(d.slots().primary()).isFalse();
        assertThat(d.slots().memberSlots()).isEqualTo(Set.of("pg2", "pg3"));
    }

    @Test
    void aStandbyLeaderWhosePostgresqlStoppedStartsFollowingTheRemote() {
        Decision d = decide("pg1", standby().member(member("pg1").stopped()).build(),
                LocalStates.stopped().role(Role.STANDBY_LEADER));
        assertThat(d.action()).isEqualTo(LEAD_STANDBY);
        assertThat(d.target()).contains(REMOTE);
        assertThat(d.reason()).startsWith("starting as a standby leader because I had the session lock");
    }

    @Test
    void theWinnerOfTheLeaderRaceBecomesTheStandbyLeader() {
        ClusterView view = Clusters.leaderless().config("standby_cluster", SECTION).build();
        Decision d = decide("pg2", view, LocalStates.replica().peers(peers(peer("pg3", "0/5000000"))));
        assertThat(d.action()).isEqualTo(LEAD_STANDBY);
        assertThat(d.target()).contains(REMOTE);
        assertThat(d.reason()).startsWith("becoming the standby leader instead of promoting (standby_cluster): promoting:");
    }

    @Test
    void withoutALeaderAStoppedMemberStartsFollowingTheRemote() {
        Decision d = decide("pg2", Clusters.leaderless().config("standby_cluster", SECTION).build(),
                LocalStates.stopped().role(Role.REPLICA));
        assertThat(d.action()).isEqualTo(Action.START_REPLICA);
        assertThat(d.target()).contains(REMOTE);
        // With a standby leader, it starts as its replica.
        Decision withLeader = decide("pg2", standby().build(), LocalStates.stopped().role(Role.REPLICA));
        assertThat(withLeader.target()).contains("pg1");
    }

    @Test
    void theOtherMembersFollowTheStandbyLeader() {
        Decision d = decide("pg2", standby().build(), LocalStates.replica().following("pg3"));
        assertThat(d.action()).isEqualTo(FOLLOW);
        assertThat(d.target()).contains("pg1");
        assertThat(decide("pg2", standby().build(), LocalStates.replica()).action()).isEqualTo(NONE);
    }

    @Test
    void removingTheSectionPromotesTheStandbyLeader() {
        Decision d = decide("pg1", Clusters.healthy().member(member("pg1").replica()).build(), standbyLeader());
        assertThat(d.action()).isEqualTo(PROMOTE);
    }

    @Test
    void aSwitchoverInsideTheStandbyClusterStepsDownAsInAnyCluster() {
        Decision d = decide("pg1", standby().switchover("pg1", "pg2").build(), standbyLeader());
        assertThat(d.action()).isEqualTo(Action.DEMOTE);
        assertThat(d.demoteMode()).contains(DemoteMode.GRACEFUL);
    }

    @Test
    void aRunningPrimaryIsNotTurnedIntoAStandbyLeaderAndSaysWhy() {
        ClusterView view = Clusters.healthy().config("standby_cluster", SECTION).build();
        Decision d = decide("pg1", view, LocalStates.primary());
        assertThat(d.action()).isEqualTo(RENEW_LEASE);
        assertThat(d.reason()).contains("standby_cluster (10.0.0.9:5433) is ignored: this cluster already runs a"
                + " primary");
        // Nor does a running primary without the key take it in a standby cluster.
        Decision race = decide("pg2", Clusters.leaderless().config("standby_cluster", SECTION).build(),
                LocalStates.primary());
        assertThat(race.action()).isEqualTo(WAIT);
        assertThat(race.target()).isEqualTo(Optional.empty());
    }
}
