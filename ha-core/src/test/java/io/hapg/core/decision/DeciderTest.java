package io.hapg.core.decision;

import static io.hapg.core.decision.Action.ACQUIRE_LEASE;
import static io.hapg.core.decision.Action.BOOTSTRAP;
import static io.hapg.core.decision.Action.CLEAR_FAILOVER;
import static io.hapg.core.decision.Action.CLONE;
import static io.hapg.core.decision.Action.DEMOTE;
import static io.hapg.core.decision.Action.FOLLOW;
import static io.hapg.core.decision.Action.NONE;
import static io.hapg.core.decision.Action.PROMOTE;
import static io.hapg.core.decision.Action.REINITIALIZE;
import static io.hapg.core.decision.Action.RELEASE_LEASE;
import static io.hapg.core.decision.Action.RENEW_LEASE;
import static io.hapg.core.decision.Action.RESTART_PRIMARY;
import static io.hapg.core.decision.Action.REWIND;
import static io.hapg.core.decision.Action.SET_SYNC_STANDBYS;
import static io.hapg.core.decision.Action.SHUTDOWN;
import static io.hapg.core.decision.Action.START_REPLICA;
import static io.hapg.core.decision.Action.WAIT;
import static io.hapg.core.decision.Action.WRITE_SYNC_KEY;
import static io.hapg.core.testing.Clusters.member;
import static io.hapg.core.testing.LocalStates.peer;
import static io.hapg.core.testing.LocalStates.peers;
import static io.hapg.core.testing.LocalStates.primaryPeer;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DataRemoval;
import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailsafePing;
import io.hapg.core.model.LocalSlots;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.SynchronousStandbyNames;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Tags;
import io.hapg.core.model.RaceBackoff;
import io.hapg.core.model.ReceivedWal;
import io.hapg.core.model.PermanentSlot;
import io.hapg.core.model.Role;
import io.hapg.core.model.SlotPlan;
import io.hapg.core.model.SlotRetention;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.Databases;
import io.hapg.core.testing.LocalStates;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The decision engine's scenario table: one test per behaviour, grouped by the section of
 * {@link Decider} that decides it. Each builds a cluster snapshot and a local state from the
 * {@code io.hapg.core.testing} factories and checks the action, its target and the reason an
 * operator would read. Unless a test says otherwise this node is {@code pg2}.
 */
class DeciderTest {
    static final Map<String, Object> LOGICAL_CDC = Map.of("type", "logical", "database", "app", "plugin", "pgoutput");
    static final Instant WALL = Instant.parse("2025-03-01T12:00:00Z");
    static final long MONO = 5_000_000_000_000L;
    static final long SECOND = 1_000_000_000L;
    static final Now NOW = new Now(MONO, WALL);

    static Decision decide(String me, ClusterView view, LocalState.Builder local) {
        return decide(me, Tags.NONE, view, local);
    }

    static Decision decide(String me, Tags tags, ClusterView view, LocalState.Builder local) {
        return Decider.decide(view, local.build(), self(me, tags, DynamicConfig.DEFAULTS), NOW);
    }

    /** {@code me} with {@code postgresql.remove_data_directory_on_*} as {@code removal} says. */
    static Decision decideRemoving(String me, DataRemoval removal, ClusterView view, LocalState.Builder local) {
        return Decider.decide(view, local.build(),
                new Self(me, Clusters.SCOPE, Tags.NONE, DynamicConfig.DEFAULTS, removal), NOW);
    }

    /** This member of {@link Clusters#SCOPE}, as the engine sees it. */
    static Self self(String me, Tags tags, DynamicConfig bootstrapDcs) {
        return new Self(me, Clusters.SCOPE, tags, bootstrapDcs);
    }

    static Tags tag(String key, Object value) {
        return Tags.NONE.with(key, value);
    }

    static Expect expect(Decision d) {
        return new Expect(d);
    }

    /** Reads like the table row it checks: {@code expect(d).action(PROMOTE).reasonContains("...")}. */
    static final class Expect {
        private final Decision d;

        Expect(Decision d) {
            this.d = d;
        }

        Expect action(Action a) {
            assertThat(d.action()).as("action of %s", d).isEqualTo(a);
            return this;
        }

        Expect target(String t) {
            assertThat(d.target()).as("target of %s", d).contains(t);
            return this;
        }

        Expect noTarget() {
            assertThat(d.target()).as("target of %s", d).isEmpty();
            return this;
        }

        Expect demoteMode(DemoteMode m) {
            assertThat(d.demoteMode()).as("demote mode of %s", d).contains(m);
            return this;
        }

        Expect syncStandbys(String... names) {
            assertThat(d.syncStandbys()).as("sync standbys of %s", d).containsExactly(names);
            return this;
        }

        Expect syncCount(int n) {
            assertThat(d.syncCount()).as("sync count of %s", d).isEqualTo(n);
            return this;
        }

        Expect reason(String r) {
            assertThat(d.reason()).isEqualTo(r);
            return this;
        }

        Expect reasonContains(String... parts) {
            assertThat(d.reason()).contains(parts);
            return this;
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class StoreUnreachable {
        LocalState.Builder cutOffPrimary() {
            return LocalStates.primary().consensusReachable(false).leaseDeadline(MONO + 10 * SECOND);
        }

        @Test
        void primaryHoldingLeaseDemotesOfflineWhenStoreUnreachable() {
            expect(decide("pg1", Clusters.withHealthyLeader(), cutOffPrimary()))
                    .action(DEMOTE).demoteMode(DemoteMode.OFFLINE).noTarget()
                    .reason("demoting: store unreachable, cannot renew the leader lease and failsafe_mode is off");
        }

        @Test
        void runningPrimaryWithExpiredLeaseStillDemotesWhenStoreUnreachable() {
            expect(decide("pg1", Clusters.withHealthyLeader(), cutOffPrimary().leaseDeadline(MONO - 1)))
                    .action(DEMOTE).demoteMode(DemoteMode.OFFLINE);
        }

        @Test
        void leaseHolderWithStoppedPostgresDemotesOfflineToo() {
            LocalState.Builder local = LocalStates.stopped().consensusReachable(false).leaseDeadline(MONO + SECOND);
            expect(decide("pg1", Clusters.withHealthyLeader(), local)).action(DEMOTE).demoteMode(DemoteMode.OFFLINE);
        }

        @Test
        void failsafeAcceptedByAllMembersKeepsPrimaryRunning() {
            ClusterView view = Clusters.healthy().config("failsafe_mode", true).build();
            expect(decide("pg1", view, cutOffPrimary().failsafeAccepted(Optional.of(true))))
                    .action(NONE).reason("store unreachable; all members accepted me as primary (failsafe)");
        }

        @Test
        void failsafeRefusedByAMemberDemotes() {
            ClusterView view = Clusters.healthy().config("failsafe_mode", true).build();
            expect(decide("pg1", view, cutOffPrimary().failsafeAccepted(Optional.of(false))))
                    .action(DEMOTE).demoteMode(DemoteMode.OFFLINE)
                    .reasonContains("not every member accepted me as primary (failsafe)");
        }

        @Test
        void failsafeNotYetCheckedDemotes() {
            ClusterView view = Clusters.healthy().config("failsafe_mode", true).build();
            expect(decide("pg1", view, cutOffPrimary())).action(DEMOTE).reasonContains("failsafe check not done");
        }

        @Test
        void failsafeAcceptanceIgnoredWhenFailsafeModeOff() {
            expect(decide("pg1", Clusters.withHealthyLeader(), cutOffPrimary().failsafeAccepted(Optional.of(true))))
                    .action(DEMOTE).reasonContains("failsafe_mode is off");
        }

        @Test
        void pausedPrimaryKeepsRunningWhenStoreUnreachable() {
            expect(decide("pg1", Clusters.healthy().pause().build(), cutOffPrimary()))
                    .action(NONE).reason("store unreachable; paused: leaving PostgreSQL running as primary");
        }

        @Test
        void replicaDoesNothingWhenStoreUnreachable() {
            expect(decide("pg2", Clusters.withHealthyLeader(), LocalStates.replica().consensusReachable(false)))
                    .action(NONE).reasonContains("store unreachable: staying as I am");
        }

        @Test
        void storeUnreachableOnPrimaryBeatsActionInProgress() {
            LocalState.Builder local = cutOffPrimary().actionInProgress(Optional.of("restart"));
            expect(decide("pg1", Clusters.withHealthyLeader(), local)).action(DEMOTE).demoteMode(DemoteMode.OFFLINE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class ActionInProgress {
        @Test
        void actionInProgressWaitsAndKeepsTheLease() {
            Decision d = decide("pg1", Clusters.withHealthyLeader(),
                    LocalStates.primary().actionInProgress(Optional.of("promote")));
            expect(d).action(WAIT).reason("action in progress: promote");
            assertThat(d.action().keepsLease()).isTrue();
        }

        @Test
        void actionInProgressDelaysShutdown() {
            LocalState.Builder local = LocalStates.replica().actionInProgress(Optional.of("basebackup from pg1"))
                    .shutdownRequested(true);
            expect(decide("pg2", Clusters.withHealthyLeader(), local))
                    .action(WAIT).reason("action in progress: basebackup from pg1");
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class Shutdown {
        LocalState.Builder stoppedLeader(String checkpoint) {
            return LocalStates.of(Databases.stopped().checkpoint(checkpoint)).shutdownRequested(true);
        }

        @Test
        void replicaShutdownStopsPostgres() {
            expect(decide("pg2", Clusters.withHealthyLeader(), LocalStates.replica().shutdownRequested(true)))
                    .action(SHUTDOWN).reason("shutting down: stopping PostgreSQL (not the leader)");
        }

        @Test
        void leaderShutdownStopsPostgresFirstKeepingTheKey() {
            expect(decide("pg1", Clusters.withHealthyLeader(), LocalStates.primary().shutdownRequested(true)))
                    .action(SHUTDOWN).reasonContains("keeping the leader key until a replica has the shutdown checkpoint");
        }

        @Test
        void leaderReleasesKeyOnceAPeerHasTheShutdownCheckpoint() {
            LocalState.Builder local = stoppedLeader("0/6000000").peers(peers(peer("pg2", "0/6000000")));
            expect(decide("pg1", Clusters.withHealthyLeader(), local))
                    .action(RELEASE_LEASE).target("pg2")
                    .reason("shutting down: replica pg2 received the shutdown checkpoint 0/6000000 (at 0/6000000): "
                            + "releasing the leader key");
        }

        @Test
        void leaderFallsBackToPublishedPositionsWhenNoPeerAnswered() {
            ClusterView view = Clusters.healthy().member(member("pg3").replica().at("0/6000100")).build();
            expect(decide("pg1", view, stoppedLeader("0/6000000"))).action(RELEASE_LEASE).target("pg3");
        }

        @Test
        void leaderWaitsWhileNoReplicaHasTheShutdownCheckpoint() {
            expect(decide("pg1", Clusters.withHealthyLeader(), stoppedLeader("0/6000000")))
                    .action(WAIT)
                    .reason("shutting down: waiting for a replica (pg2, pg3) to receive the shutdown checkpoint 0/6000000");
        }

        @Test
        void leaderWithoutReplicasReleasesAtOnce() {
            ClusterView view = Clusters.healthy().without("pg2").without("pg3").build();
            expect(decide("pg1", view, stoppedLeader("0/6000000")))
                    .action(RELEASE_LEASE).noTarget().reasonContains("there are no replicas");
        }

        @Test
        void leaderWithUnknownCheckpointReleases() {
            LocalState.Builder local = LocalStates.of(Databases.stopped().noCheckpoint()).shutdownRequested(true);
            expect(decide("pg1", Clusters.withHealthyLeader(), local))
                    .action(RELEASE_LEASE).reasonContains("shutdown checkpoint unknown");
        }

        @Test
        void pausedShutdownLeavesPostgresRunningAndTheKeyToExpire() {
            expect(decide("pg1", Clusters.healthy().pause().build(), LocalStates.primary().shutdownRequested(true)))
                    .action(NONE)
                    .reason("shutting down in pause: leaving PostgreSQL running and the leader key to expire");
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class Pause {
        @Test
        void pausedLeaderRenewsTheLease() {
            expect(decide("pg1", Clusters.healthy().pause().build(), LocalStates.primary()))
                    .action(RENEW_LEASE).reason("paused: I am the leader with the lock (maintenance mode)");
        }

        @Test
        void pausedLeaderInRecoveryIsNotPromoted() {
            expect(decide("pg1", Clusters.healthy().pause().build(), LocalStates.replica()))
                    .action(RENEW_LEASE).reasonContains("PostgreSQL is in recovery and is not promoted");
        }

        @Test
        void pausedLeaderWithStoppedPostgresDoesNotRestartIt() {
            expect(decide("pg1", Clusters.healthy().pause().build(), LocalStates.stopped()))
                    .action(RENEW_LEASE).reasonContains("PostgreSQL is stopped and is left so");
        }

        @Test
        void pausedRunningPrimaryTakesTheFreeKeyWithoutPromoting() {
            ClusterView view = Clusters.leaderless().pause().build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(ACQUIRE_LEASE).reasonContains("taking the key without promoting");
        }

        @Test
        void pausedPrimaryOfAnotherClusterDoesNotTakeTheFreeKey() {
            ClusterView view = Clusters.leaderless().pause().build();
            expect(decide("pg1", view, LocalStates.of(Databases.primary().sysid("666"))))
                    .action(NONE).reason("paused: leader key free; maintenance mode does not race or promote");
        }

        @Test
        void pausedReplicaDoesNotRaceForTheFreeKey() {
            expect(decide("pg2", Clusters.leaderless().pause().build(), LocalStates.replica()))
                    .action(NONE).reason("paused: leader key free; maintenance mode does not race or promote");
        }

        @Test
        void pausedPrimaryWithoutTheKeyIsNotDemoted() {
            expect(decide("pg2", Clusters.healthy().pause().build(), LocalStates.primary()))
                    .action(NONE).reasonContains("pg1 holds the leader key", "does not demote");
        }

        @Test
        void pausedStoppedReplicaIsNotStarted() {
            expect(decide("pg2", Clusters.healthy().pause().build(), LocalStates.stopped()))
                    .action(NONE).reason("paused: PostgreSQL is stopped; maintenance mode leaves it");
        }

        @Test
        void pausedEmptyNodeDoesNotClone() {
            expect(decide("pg4", Clusters.healthy().pause().build(), LocalStates.empty()))
                    .action(NONE).reason("paused: data directory empty; maintenance mode does not bootstrap or clone");
        }

        @Test
        void pausedReplicaFollowingTheLeaderDoesNothing() {
            expect(decide("pg2", Clusters.healthy().pause().build(), LocalStates.replica()))
                    .action(NONE).reason("paused: no action (maintenance mode); leader is pg1");
        }

        @Test
        void pausedReplicaDoesNotFollowAManualFailover() {
            ClusterView view = Clusters.leaderless().pause().failoverTo("pg2").build();
            expect(decide("pg2", view, LocalStates.replica())).action(NONE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class EmptyDataDirectory {
        @Test
        void emptyNodeBootstrapsAnUninitializedCluster() {
            expect(decide("pg1", Clusters.uninitialized(), LocalStates.empty()))
                    .action(BOOTSTRAP)
                    .reason("bootstrapping: no initialize key and no leader: racing to initialize cluster demo");
        }

        @Test
        void nofailoverNodeDoesNotBootstrap() {
            expect(decide("pg1", tag("nofailover", true), Clusters.uninitialized(), LocalStates.empty()))
                    .action(WAIT).reasonContains("not bootstrapping: nofailover tag set");
        }

        @Test
        void zeroPriorityNodeDoesNotBootstrap() {
            expect(decide("pg1", tag("failover_priority", 0), Clusters.uninitialized(), LocalStates.empty()))
                    .action(WAIT).reasonContains("not bootstrapping: failover_priority is 0");
        }

        @Test
        void emptyNodeWaitsWhileAnotherRunsInitdb() {
            ClusterView view = Clusters.view().initialize("").build();
            expect(decide("pg2", view, LocalStates.empty()))
                    .action(WAIT).reason("data directory empty; another member is running initdb (initialize key claimed)");
        }

        @Test
        void emptyNodeClonesFromTheLeader() {
            expect(decide("pg4", Clusters.withHealthyLeader(), LocalStates.empty()))
                    .action(CLONE).target("pg1").reason("cloning from leader pg1: data directory empty");
        }

        @Test
        void emptyNodeClonesFromItsRunningReplicatefromMember() {
            expect(decide("pg4", tag("replicatefrom", "pg3"), Clusters.withHealthyLeader(), LocalStates.empty()))
                    .action(CLONE).target("pg3")
                    .reason("cloning from pg3 (replicatefrom; leader is pg1): data directory empty");
        }

        @Test
        void emptyNodeClonesFromTheLeaderWhenReplicatefromMemberIsDown() {
            ClusterView view = Clusters.healthy().member(member("pg3").stopped()).build();
            expect(decide("pg4", tag("replicatefrom", "pg3"), view, LocalStates.empty())).action(CLONE).target("pg1");
        }

        /** Patroni's get_clone_member: a running member tagged clonefrom is the source, not the leader. */
        @Test
        void emptyNodeClonesFromARunningClonefromMember() {
            ClusterView view = Clusters.healthy().member(member("pg3").replica().tag("clonefrom", true)).build();
            expect(decide("pg4", view, LocalStates.empty()))
                    .action(CLONE).target("pg3").reason("cloning from pg3 (clonefrom; leader is pg1): data directory empty");
        }

        @Test
        void emptyNodeClonesFromTheLeaderWhenNoClonefromMemberRuns() {
            ClusterView stopped = Clusters.healthy().member(member("pg3").stopped().tag("clonefrom", true)).build();
            expect(decide("pg4", stopped, LocalStates.empty())).action(CLONE).target("pg1");
            ClusterView starting = Clusters.healthy().member(member("pg3").state("starting").tag("clonefrom", true))
                    .build();
            expect(decide("pg4", starting, LocalStates.empty())).action(CLONE).target("pg1");
            ClusterView untagged = Clusters.healthy().member(member("pg3").replica().tag("clonefrom", false)).build();
            expect(decide("pg4", untagged, LocalStates.empty())).action(CLONE).target("pg1");
        }

        @Test
        void aClonefromTagOnTheLeaderOrOnMeIsNoCandidate() {
            ClusterView view = Clusters.initialized().leader("pg1").optime(Clusters.POSITION)
                    .member(member("pg1").primary().tag("clonefrom", true))
                    .member(member("pg4").stopped().tag("clonefrom", true)).build();
            expect(decide("pg4", view, LocalStates.empty()))
                    .action(CLONE).target("pg1").reason("cloning from leader pg1: data directory empty");
            assertThat(CloneSource.choose(view, "pg4")).contains("pg1");
            ClusterView running = Clusters.healthy().member(member("pg3").replica().tag("clonefrom", true)).build();
            assertThat(CloneSource.choose(running, "pg3")).as("never myself").contains("pg1");
            assertThat(CloneSource.choose(Clusters.leaderless().member(member("pg3").replica().tag("clonefrom", true))
                    .build(), "pg4")).as("no leader, no clone source").isEmpty();
        }

        /** Patroni picks at random; hapg by a hash of my name: repeatable, and spread over the candidates. */
        @Test
        void ofSeveralClonefromMembersTheChoiceIsRepeatableAndSpread() {
            ClusterView view = Clusters.healthy().member(member("pg2").replica().tag("clonefrom", true))
                    .member(member("pg3").replica().tag("clonefrom", true)).build();
            java.util.Set<String> chosen = new java.util.TreeSet<>();
            for (int i = 4; i < 20; i++) {
                String me = "pg" + i;
                assertThat(CloneSource.choose(view, me)).isEqualTo(CloneSource.choose(view, me));
                chosen.add(CloneSource.choose(view, me).orElseThrow());
            }
            assertThat(chosen).containsExactly("pg2", "pg3");
        }

        @Test
        void replicatefromStillWinsOverClonefrom() {
            ClusterView view = Clusters.healthy().member(member("pg2").replica().tag("clonefrom", true)).build();
            expect(decide("pg4", tag("replicatefrom", "pg3"), view, LocalStates.empty())).action(CLONE).target("pg3");
        }

        @Test
        void aReinitializeRequestClonesFromAClonefromMemberUnlessFromLeader() {
            ClusterView view = Clusters.healthy().member(member("pg3").replica().tag("clonefrom", true)).build();
            expect(Decision.reinitializeOnRequest(view, "pg2", false)).action(REINITIALIZE).target("pg3")
                    .reason("reinitialize requested: cloning from pg3 (clonefrom; leader is pg1)");
            expect(Decision.reinitializeOnRequest(view, "pg2", true)).action(REINITIALIZE).target("pg1")
                    .reason("reinitialize requested: cloning from leader pg1");
        }

        @Test
        void emptyNodeWaitsForTheLeaderMemberRecord() {
            ClusterView view = Clusters.healthy().without("pg1").build();
            expect(decide("pg4", view, LocalStates.empty()))
                    .action(WAIT).reason("data directory empty; leader pg1 has no member record to clone from");
        }

        @Test
        void emptyNodeWaitsWhenTheInitializedClusterHasNoLeader() {
            expect(decide("pg4", Clusters.leaderless().build(), LocalStates.empty()))
                    .action(WAIT).reasonContains("is initialized", Clusters.SYSID, "no leader to clone from");
        }

        @Test
        void leaderWithAnEmptyDataDirectoryReleasesTheKey() {
            expect(decide("pg1", Clusters.withHealthyLeader(), LocalStates.empty()))
                    .action(RELEASE_LEASE).reasonContains("data directory empty while I hold the leader key");
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class ForeignDataDirectory {
        @Test
        void dataDirectoryOfAnotherClusterIsNeverStarted() {
            expect(decide("pg2", Clusters.withHealthyLeader(), LocalStates.of(Databases.stopped().sysid("666"))))
                    .action(WAIT)
                    .reason("data directory belongs to another cluster: its system identifier is 666, cluster demo has "
                            + Clusters.SYSID + "; not starting or promoting it");
        }

        @Test
        void dataDirectoryOfAnotherClusterNeverPromotes() {
            expect(decide("pg2", Clusters.leaderless().build(), LocalStates.of(Databases.replica().sysid("666"))))
                    .action(WAIT).reasonContains("belongs to another cluster");
        }

        /** Garbage in the initialize key names no cluster: nothing is foreign (issue #12, GarbageKeysIT). */
        @Test
        void garbageInTheInitializeKeyMakesNoDataDirectoryForeign() {
            for (String garbage : new String[] {"\u00ff\u0000{", "{\"ttl\": \"long\"}", "12345", "x".repeat(4096)}) {
                ClusterView following = Clusters.healthy().initialize(garbage).build();
                expect(decide("pg2", following, LocalStates.replica())).action(NONE);
                ClusterView leaderless = Clusters.leaderless().initialize(garbage).build();
                expect(decide("pg1", leaderless, LocalStates.of(Databases.primary()))).action(ACQUIRE_LEASE);
            }
        }

        /** ... and, being present, it still counts as initialized: an empty node never bootstraps over it. */
        @Test
        void garbageInTheInitializeKeyNeverLetsAnEmptyNodeBootstrap() {
            ClusterView view = Clusters.leaderless().initialize("{\"garbage\"").build();
            expect(decide("pg4", view, LocalStates.empty())).action(WAIT).reasonContains("is initialized");
        }

        @Test
        void systemIdentifierIsNotCheckedWithoutAnInitializeKey() {
            ClusterView view = Clusters.leaderless().noInitialize().build();
            expect(decide("pg1", view, LocalStates.of(Databases.primary().sysid("666")))).action(ACQUIRE_LEASE);
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class PrimaryDatabaseDown {
        LocalState.Builder downFor(long seconds, Databases.Db db) {
            return LocalStates.of(db).primaryDownSince(OptionalLong.of(MONO - seconds * SECOND));
        }

        @Test
        void crashedPrimaryRestartsInPlace() {
            expect(decide("pg1", Clusters.withHealthyLeader(), downFor(10, Databases.stopped())))
                    .action(RESTART_PRIMARY)
                    .reason("restarting PostgreSQL as primary in place: it is stopped and I hold the lock "
                            + "(down 10 s of primary_start_timeout 300 s)");
        }

        @Test
        void primaryInCrashRecoveryWaitsKeepingTheLease() {
            Decision d = decide("pg1", Clusters.withHealthyLeader(), downFor(10, Databases.starting()));
            expect(d).action(WAIT).reasonContains("PostgreSQL on the primary is starting, keeping the leader lock");
            assertThat(d.action().keepsLease()).isTrue();
        }

        @Test
        void unresponsivePrimaryWaitsKeepingTheLease() {
            Databases.Db db = Databases.starting().process(ProcessState.UNRESPONSIVE);
            expect(decide("pg1", Clusters.withHealthyLeader(), downFor(10, db)))
                    .action(WAIT).reasonContains("is not responding");
        }

        @Test
        void primaryDownLongerThanPrimaryStartTimeoutHandsOver() {
            expect(decide("pg1", Clusters.withHealthyLeader(), downFor(301, Databases.starting())))
                    .action(DEMOTE).demoteMode(DemoteMode.HANDOVER).noTarget()
                    .reason("handing over: PostgreSQL on the primary is starting for 301 s (primary_start_timeout 300 s)"
                            + " and a failover is possible (pg2, pg3): releasing the leader key");
        }

        @Test
        void primaryDownLongerThanTimeoutKeepsRestartingWhenNobodyCanTakeOver() {
            ClusterView view = Clusters.healthy().member(member("pg2").stopped()).member(member("pg3").nofailover())
                    .build();
            expect(decide("pg1", view, downFor(301, Databases.stopped())))
                    .action(RESTART_PRIMARY).reasonContains("no other member could take over");
        }

        @Test
        void zeroPrimaryStartTimeoutHandsOverAtOnce() {
            ClusterView view = Clusters.healthy().config("primary_start_timeout", 0).build();
            expect(decide("pg1", view, downFor(0, Databases.stopped())))
                    .action(DEMOTE).demoteMode(DemoteMode.HANDOVER).reasonContains("primary_start_timeout is 0");
        }

        @Test
        void synchronousModeHandsOverAtOnceToAHealthySyncStandby() {
            ClusterView view = Clusters.healthy().synchronousMode().sync("pg1", "pg2").build();
            expect(decide("pg1", view, downFor(1, Databases.stopped())))
                    .action(DEMOTE).demoteMode(DemoteMode.HANDOVER)
                    .reasonContains("synchronous standby pg2 is streaming", "no acknowledged commit can be lost");
        }

        /** Found by the soak: one probe answered late on a loaded machine gave a needless failover. */
        @Test
        void synchronousModeWaitsOutAProbeAnsweredLate() {
            ClusterView view = Clusters.healthy().synchronousMode().sync("pg1", "pg2").build();
            Databases.Db db = Databases.starting().process(ProcessState.UNRESPONSIVE);
            Decision d = decide("pg1", view, downFor(1, db));
            expect(d).action(WAIT).reasonContains("not responding", "retry_timeout 10 s");
            assertThat(d.action().keepsLease()).isTrue();
        }

        @Test
        void synchronousModeHandsOverAPrimaryUnresponsiveForRetryTimeout() {
            ClusterView view = Clusters.healthy().synchronousMode().sync("pg1", "pg2").build();
            Databases.Db db = Databases.starting().process(ProcessState.UNRESPONSIVE);
            expect(decide("pg1", view, downFor(11, db)))
                    .action(DEMOTE).demoteMode(DemoteMode.HANDOVER)
                    .reasonContains("not responding for 11 s", "synchronous standby pg2 is streaming");
        }

        @Test
        void syncStandbyThatIsNotStreamingDoesNotTriggerHandover() {
            ClusterView view = Clusters.healthy().synchronousMode().sync("pg1", "pg2")
                    .member(member("pg2").notStreaming()).build();
            expect(decide("pg1", view, downFor(1, Databases.stopped()))).action(RESTART_PRIMARY);
        }

        /** The probe's words end every decision about an unresponsive primary, exactly once. */
        @Test
        void everyDecisionAboutAnUnresponsivePrimaryEndsWithTheProbesWordsOnce() {
            Databases.Db db = Databases.starting().process(ProcessState.UNRESPONSIVE);
            String probe = " [probe: unresponsive]";
            expect(decide("pg1", Clusters.withHealthyLeader(), downFor(10, db))).action(WAIT)
                    .reason("waiting: PostgreSQL on the primary is not responding, keeping the leader lock (down 10 s "
                            + "of primary_start_timeout 300 s)" + probe);
            ClusterView sync = Clusters.healthy().synchronousMode().sync("pg1", "pg2").build();
            expect(decide("pg1", sync, downFor(1, db))).action(WAIT)
                    .reason("waiting: PostgreSQL on the primary is not responding for 1 s, keeping the leader lock: "
                            + "synchronous standby pg2 takes over if it lasts retry_timeout 10 s" + probe);
            expect(decide("pg1", sync, downFor(11, db))).action(DEMOTE)
                    .reason("handing over: PostgreSQL on the primary is not responding for 11 s and synchronous "
                            + "standby pg2 is streaming: releasing the leader key (no acknowledged commit can be lost)"
                            + probe);
            expect(decide("pg1", Clusters.healthy().config("primary_start_timeout", 0).build(), downFor(0, db)))
                    .action(DEMOTE).reason("handing over: PostgreSQL on the primary is not responding, "
                            + "primary_start_timeout is 0 and a failover is possible (pg2, pg3): releasing the leader key"
                            + probe);
            expect(decide("pg1", Clusters.withHealthyLeader(), downFor(301, db))).action(DEMOTE)
                    .reason("handing over: PostgreSQL on the primary is not responding for 301 s "
                            + "(primary_start_timeout 300 s) and a failover is possible (pg2, pg3): releasing the leader "
                            + "key" + probe);
            expect(decide("pg1", Clusters.withHealthyLeader(), downFor(10, Databases.stopped())))
                    .reason("restarting PostgreSQL as primary in place: it is stopped and I hold the lock "
                            + "(down 10 s of primary_start_timeout 300 s)");
        }

        @Test
        void syncKeyOfAPreviousLeaderDoesNotTriggerHandover() {
            ClusterView view = Clusters.healthy().synchronousMode().sync("pg3", "pg2").build();
            expect(decide("pg1", view, downFor(1, Databases.stopped()))).action(RESTART_PRIMARY);
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class DatabaseDown {
        /** pg1 was primary on timeline 1; pg2 promoted at 0/3000000 and leads on timeline 2. */
        ClusterView afterFailover() {
            return Clusters.initialized().leader("pg2").member(member("pg2").primary()).member(member("pg3").replica())
                    .member(member("pg1").stopped().timeline(1)).build();
        }

        ClusterView withoutPgRewind() {
            return Clusters.initialized().leader("pg2").member(member("pg2").primary())
                    .config("postgresql", Map.of("use_pg_rewind", false)).build();
        }

        @Test
        void stoppedReplicaStartsFollowingTheLeader() {
            expect(decide("pg2", Clusters.withHealthyLeader(), LocalStates.stopped()))
                    .action(START_REPLICA).target("pg1").reason("starting PostgreSQL as a replica of leader pg1");
        }

        @Test
        void stoppedReplicaStartsFromItsReplicatefromMember() {
            expect(decide("pg2", tag("replicatefrom", "pg3"), Clusters.withHealthyLeader(), LocalStates.stopped()))
                    .action(START_REPLICA).target("pg3");
        }

        /** Patroni's _get_node_to_follow returns None for a nostream member: no primary_conninfo. */
        @Test
        void stoppedNostreamReplicaStartsWithoutUpstream() {
            expect(decide("pg2", tag("nostream", true), Clusters.withHealthyLeader(), LocalStates.stopped()))
                    .action(START_REPLICA).noTarget()
                    .reason("starting PostgreSQL as a replica that does not stream (nostream tag): replaying WAL"
                            + " from the archive (restore_command); leader is pg1");
        }

        @Test
        void stoppedNodeWithoutLeaderStartsReadOnly() {
            expect(decide("pg2", Clusters.leaderless().build(), LocalStates.stopped()))
                    .action(START_REPLICA).noTarget()
                    .reason("starting PostgreSQL read-only: no leader (I will race once it runs)");
        }

        @Test
        void startingReplicaWaits() {
            expect(decide("pg2", Clusters.withHealthyLeader(), LocalStates.of(Databases.starting())))
                    .action(WAIT).reason("waiting: PostgreSQL is starting");
        }

        @Test
        void stoppedReplicaWaitsForTheLeaderMemberRecord() {
            expect(decide("pg2", Clusters.healthy().without("pg1").build(), LocalStates.stopped()))
                    .action(WAIT).reason("waiting: leader pg1 has no member record yet");
        }

        @Test
        void divergedFormerPrimaryRewinds() {
            LocalState.Builder local = LocalStates.of(Databases.stopped().timeline(1).checkpoint("0/3000100"));
            expect(decide("pg1", afterFailover(), local))
                    .action(REWIND).target("pg2")
                    .reason("rewinding from pg2: diverged (my timeline 1 is behind leader pg2's timeline 2 and my WAL "
                            + "(0/3000100) goes past where timeline 1 ended (0/3000000))");
        }

        @Test
        void divergedFormerPrimaryReinitializesWithoutPgRewindWhenDataRemovalIsOn() {
            LocalState.Builder local = LocalStates.of(Databases.stopped().timeline(1).checkpoint("0/3000100"));
            expect(decideRemoving("pg1", new DataRemoval(false, true), withoutPgRewind(), local))
                    .action(REINITIALIZE).target("pg2").reasonContains("use_pg_rewind is off");
        }

        /** Patroni's _do_reinitialize copies from get_clone_member too. */
        @Test
        void divergedFormerPrimaryReinitializesFromAClonefromMember() {
            LocalState.Builder local = LocalStates.of(Databases.stopped().timeline(1).checkpoint("0/3000100"));
            ClusterView view = Clusters.initialized().leader("pg2").member(member("pg2").primary())
                    .member(member("pg3").replica().tag("clonefrom", true))
                    .config("postgresql", Map.of("use_pg_rewind", false)).build();
            expect(decideRemoving("pg1", new DataRemoval(false, true), view, local))
                    .action(REINITIALIZE).target("pg3")
                    .reasonContains("re-cloning from pg3 (clonefrom; leader is pg2): diverged");
        }

        /** Patroni's default (remove_data_directory_on_diverged_timelines false): keep the data, start anyway. */
        @Test
        void divergedFormerPrimaryWithoutPgRewindKeepsItsDataByDefault() {
            LocalState.Builder local = LocalStates.of(Databases.stopped().timeline(1).checkpoint("0/3000100"));
            expect(decide("pg1", withoutPgRewind(), local)).action(START_REPLICA).target("pg2")
                    .reason("starting PostgreSQL as a replica of leader pg2 (diverged: my timeline 1 is behind leader pg2's"
                            + " timeline 2 and my WAL (0/3000100) goes past where timeline 1 ended (0/3000000);"
                            + " use_pg_rewind is off and remove_data_directory_on_diverged_timelines is false:"
                            + " keeping the data directory, this replica cannot stream until reinitialized:"
                            + " hactl reinit or POST /reinitialize)");
            // remove_data_directory_on_rewind_failure alone is about failed rewinds only (Patroni's rule)
            expect(decideRemoving("pg1", new DataRemoval(true, false), withoutPgRewind(), local))
                    .action(START_REPLICA).target("pg2");
        }

        @Test
        void divergedFormerPrimaryReinitializesAfterAFailedRewindWhenDataRemovalIsOn() {
            LocalState.Builder local = LocalStates.of(Databases.stopped().timeline(1).checkpoint("0/3000100"))
                    .rewindFailed(true);
            // Either key re-clones after a failed pg_rewind (Patroni's rewind.py checks both).
            for (DataRemoval removal : List.of(new DataRemoval(true, false), new DataRemoval(false, true))) {
                expect(decideRemoving("pg1", removal, afterFailover(), local))
                        .action(REINITIALIZE).target("pg2").reasonContains("the last pg_rewind failed");
            }
        }

        /**
         * Patroni's default after a failed pg_rewind: no wipe, no second pg_rewind; PostgreSQL is
         * started as a replica (it cannot stream) until an operator reinitializes it.
         */
        @Test
        void divergedFormerPrimaryKeepsItsDataAfterAFailedRewindByDefault() {
            LocalState.Builder local = LocalStates.of(Databases.stopped().timeline(1).checkpoint("0/3000100"))
                    .rewindFailed(true);
            expect(decide("pg1", afterFailover(), local)).action(START_REPLICA).target("pg2")
                    .reasonContains("the last pg_rewind failed and remove_data_directory_on_rewind_failure is false:"
                            + " keeping the data directory");
        }

        @Test
        void runningDivergedReplicaKeepsFollowingAfterAFailedRewindByDefault() {
            LocalState.Builder local = LocalStates.of(Databases.replica("0/3000100").timeline(1))
                    .role(Role.REPLICA).following("pg2").rewindFailed(true);
            expect(decide("pg1", afterFailover(), local)).action(NONE)
                    .reason("no action: following leader pg2 (diverged: my timeline 1 is behind leader pg2's timeline 2 and"
                            + " my WAL (0/3000100) goes past where timeline 1 ended (0/3000000); the last pg_rewind"
                            + " failed and remove_data_directory_on_rewind_failure is false: keeping the data"
                            + " directory, this replica cannot stream until reinitialized: hactl reinit or POST"
                            + " /reinitialize)");
            expect(decideRemoving("pg1", DataRemoval.ALWAYS, afterFailover(), local)).action(REINITIALIZE);
        }

        @Test
        void formerPrimaryThatStoppedBeforeTheForkStartsWithoutRewind() {
            LocalState.Builder local = LocalStates.of(Databases.stopped().timeline(1).checkpoint("0/2FFFF28"));
            expect(decide("pg1", afterFailover(), local)).action(START_REPLICA).target("pg2");
        }

        @Test
        void crashedFormerPrimaryOnAnOldTimelineLetsPgRewindDecide() {
            LocalState.Builder local = LocalStates.of(Databases.stopped().timeline(1).checkpoint("0/2000000")
                    .clean(false));
            expect(decide("pg1", afterFailover(), local))
                    .action(REWIND).target("pg2").reasonContains("not shut down cleanly");
        }

        /**
         * Found by the soak: a replica killed with kill -9 went through crash recovery and pg_rewind
         * (13 s) on every restart. It wrote no WAL of its own; as Patroni does, its minimum recovery
         * point says where it is, and PostgreSQL starts it as a replica.
         */
        @Test
        void crashedReplicaBeforeTheForkStartsWithoutRewind() {
            LocalState.Builder local = LocalStates.of(Databases.stopped().timeline(1).checkpoint("0/2000000")
                    .clean(false).crashedInRecovery("0/2FFFF28"));
            expect(decide("pg3", afterFailover(), local)).action(START_REPLICA).target("pg2");
        }

        @Test
        void crashedReplicaThatReplayedPastTheForkRewinds() {
            LocalState.Builder local = LocalStates.of(Databases.stopped().timeline(1).checkpoint("0/2000000")
                    .clean(false).crashedInRecovery("0/3000100"));
            expect(decide("pg3", afterFailover(), local))
                    .action(REWIND).target("pg2").reasonContains("my WAL (0/3000100) goes past where timeline 1 ended");
        }

        @Test
        void crashedFormerPrimaryIsNotWipedOnAGuessWithoutPgRewind() {
            ClusterView view = Clusters.initialized().leader("pg2").member(member("pg2").primary())
                    .config("postgresql", Map.of("use_pg_rewind", false)).build();
            LocalState.Builder local = LocalStates.of(Databases.stopped().timeline(1).checkpoint("0/2000000")
                    .clean(false));
            expect(decide("pg1", view, local)).action(START_REPLICA);
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class LeaderRace {
        @Test
        void healthiestReplicaPromotesWhenTheLeaderKeyIsAbsent() {
            LocalState.Builder local = LocalStates.replica().peers(peers(peer("pg3", "0/5000000")));
            expect(decide("pg2", Clusters.leaderless().build(), local))
                    .action(PROMOTE).reason("promoting: leader key absent and I am the healthiest candidate (0/5000060)");
        }

        @Test
        void runningPrimaryTakesTheFreeKeyWithoutPromoting() {
            expect(decide("pg1", Clusters.leaderless().build(), LocalStates.primary()))
                    .action(ACQUIRE_LEASE)
                    .reason("taking the free leader key: PostgreSQL already runs as primary here (timeline 2, 0/5000060)");
        }

        @Test
        void stalePrimaryOnAnOldTimelineDemotesInsteadOfTakingTheKey() {
            expect(decide("pg1", Clusters.leaderless().build(), LocalStates.of(Databases.primary().timeline(1))))
                    .action(DEMOTE).demoteMode(DemoteMode.IMMEDIATE)
                    .reason("demoting: PostgreSQL runs as primary on timeline 1 but the cluster is on timeline 2 "
                            + "(stale primary)");
        }

        @Test
        void replicaLaggingMoreThanMaxLagDoesNotRace() {
            ClusterView view = Clusters.leaderless().optime("0/9000000").build();
            expect(decide("pg2", view, LocalStates.replica("0/5000000")))
                    .action(NONE).reason("not racing: my WAL position 0/5000000 lags the last leader optime 0/9000000 "
                            + "by 67108864 bytes (maximum_lag_on_failover 1048576)");
        }

        @Test
        void replicaWithinMaxLagRaces() {
            ClusterView view = Clusters.leaderless().optime("0/5000400").build();
            expect(decide("pg2", view, LocalStates.replica("0/5000000"))).action(PROMOTE);
        }

        @Test
        void replicaAheadOfTheFrozenOptimeStillRaces() {
            // The primary died under write load: its last published optime is older than what replicas have.
            ClusterView view = Clusters.leaderless().optime("0/5000000").build();
            LocalState.Builder local = LocalStates.replica("0/7000000").peers(peers(peer("pg3", "0/6000000")));
            expect(decide("pg2", view, local))
                    .action(PROMOTE).reasonContains("healthiest candidate (0/7000000)");
        }

        @Test
        void withAFrozenOptimeTheReplicaBehindItsPeerStillLosesToIt() {
            ClusterView view = Clusters.leaderless().optime("0/5000000").build();
            LocalState.Builder local = LocalStates.replica("0/6000000").peers(peers(peer("pg2", "0/7000000")));
            expect(decide("pg3", view, local))
                    .action(NONE).reason("not racing: pg2 is ahead of me (0/7000000 > 0/6000000)");
        }

        @Test
        void lagGateIgnoresPositionsMembersPublished() {
            // pg2's own member key is stale (0/1000000); only the probe of its database counts.
            ClusterView view = Clusters.leaderless().member(member("pg2").replica().at("0/1000000")).build();
            expect(decide("pg2", view, LocalStates.replica())).action(PROMOTE);
        }

        @Test
        void replicaWithAnUnknownWalPositionDoesNotRace() {
            LocalState.Builder local = LocalStates.of(Databases.starting().process(ProcessState.RUNNING).inRecovery());
            expect(decide("pg2", Clusters.leaderless().build(), local))
                    .action(NONE).reason("not racing: my WAL position is unknown");
        }

        @Test
        void withoutAPublishedOptimeThereIsNoLagGate() {
            expect(decide("pg2", Clusters.leaderless().noOptime().build(), LocalStates.replica("0/1000000")))
                    .action(PROMOTE);
        }

        @Test
        void nofailoverReplicaDoesNotRace() {
            expect(decide("pg2", tag("nofailover", true), Clusters.leaderless().build(), LocalStates.replica()))
                    .action(NONE).reason("not racing: nofailover tag set");
        }

        @Test
        void zeroFailoverPriorityReplicaDoesNotRace() {
            expect(decide("pg2", tag("failover_priority", 0), Clusters.leaderless().build(), LocalStates.replica()))
                    .action(NONE).reason("not racing: failover_priority is 0");
        }

        @Test
        void prePromoteVetoBacksOffTheRace() {
            LocalState.Builder local = LocalStates.replica().raceBackoff(Optional.of(new RaceBackoff(MONO + 20 * SECOND, "pre_promote vetoed my last promotion", 2)));
            expect(decide("pg2", Clusters.leaderless().build(), local))
                    .action(NONE).reason("not racing: pre_promote vetoed my last promotion; backing off for 20 s more");
        }

        /**
         * A node backing off after it handed the key over is still promoted when a switchover names
         * it (bench: the leader key stayed empty for the rest of the ttl after an accepted switchover).
         */
        @Test
        void aSwitchoverNamingABackingOffNodePromotesItAndOnlyIt() {
            LocalState.Builder local = LocalStates.replica().raceBackoff(Optional.of(new RaceBackoff(MONO + 8 * SECOND,
                    "I handed the leader key over because my PostgreSQL failed", 2)));
            ClusterView view = Clusters.leaderless().switchover("pg1", "pg2").build();
            expect(decide("pg2", view, local)).action(PROMOTE).reasonContains("switchover names me as the candidate");
            expect(decide("pg3", view, local)).action(NONE).reasonContains("backing off for 8 s more");
        }

        /**
         * Bench, sync mode: n0 handed over to n1, which made n0 its sync standby and then failed in
         * turn; n0, the only member the sync key allows, sat out its back-off for 4 s more.
         */
        @Test
        void aBackoffEndsOnceAnotherMemberHasPromotedSince() {
            LocalState.Builder local = LocalStates.replica().raceBackoff(Optional.of(new RaceBackoff(MONO + 8 * SECOND,
                    "I handed the leader key over because my PostgreSQL failed", 2)));
            expect(decide("pg2", Clusters.leaderless().build(), local)).action(NONE).reasonContains("backing off");
            ClusterView promotedSince = Clusters.leaderless().history(2, "0/3100000").build();
            expect(decide("pg2", promotedSince, local)).action(PROMOTE);
        }

        @Test
        void expiredPrePromoteBackoffAllowsTheRace() {
            LocalState.Builder local = LocalStates.replica().raceBackoff(Optional.of(new RaceBackoff(MONO - 1, "pre_promote vetoed my last promotion", 2)));
            expect(decide("pg2", Clusters.leaderless().build(), local)).action(PROMOTE);
        }

        @Test
        void failsafeKeyWithoutMeBlocksTheRace() {
            ClusterView view = Clusters.leaderless().config("failsafe_mode", true).failsafe("pg1", "pg3").build();
            expect(decide("pg2", view, LocalStates.replica()))
                    .action(NONE).reason("not racing: the failsafe key lists pg1, pg3 but not me");
        }

        @Test
        void failsafeKeyNamingMeAllowsTheRace() {
            ClusterView view = Clusters.leaderless().config("failsafe_mode", true).failsafe("pg1", "pg2", "pg3").build();
            expect(decide("pg2", view, LocalStates.replica())).action(PROMOTE);
        }

        @Test
        void noRaceWithinTtlOfAFailsafePingFromTheLastLeader() {
            ClusterView view = Clusters.leaderless().config("failsafe_mode", true).config("ttl", 30)
                    .failsafe("pg1", "pg2", "pg3").build();
            LocalState.Builder pinged = LocalStates.replica().failsafePing(Optional.of(
                    new FailsafePing("pg1", MONO - 29 * SECOND, Optional.of(Lsn.parse("0/5000060")))));
            expect(decide("pg2", view, pinged)).action(NONE).reason("not racing: failsafe: pg1 confirmed it still "
                    + "runs as the primary by POST /failsafe 29 s ago (ttl 30 s)");
        }

        @Test
        void raceResumesOnceTtlHasPassedSinceTheLastFailsafePing() {
            ClusterView view = Clusters.leaderless().config("failsafe_mode", true).config("ttl", 30)
                    .failsafe("pg1", "pg2", "pg3").build();
            LocalState.Builder pinged = LocalStates.replica().failsafePing(Optional.of(
                    new FailsafePing("pg1", MONO - 30 * SECOND, Optional.empty())));
            expect(decide("pg2", view, pinged)).action(PROMOTE);
        }

        @Test
        void failsafePingIsIgnoredWhenFailsafeModeIsOff() {
            LocalState.Builder pinged = LocalStates.replica().failsafePing(Optional.of(
                    new FailsafePing("pg1", MONO - SECOND, Optional.empty())));
            expect(decide("pg2", Clusters.leaderless().build(), pinged)).action(PROMOTE);
        }

        @Test
        void failsafeKeyIsIgnoredWhenFailsafeModeIsOff() {
            ClusterView view = Clusters.leaderless().failsafe("pg1", "pg3").build();
            expect(decide("pg2", view, LocalStates.replica())).action(PROMOTE);
        }

        @Test
        void replicaNotInTheSyncKeyDoesNotRaceInSynchronousMode() {
            ClusterView view = Clusters.leaderless().synchronousMode().sync("pg1", "pg3").build();
            expect(decide("pg2", view, LocalStates.replica()))
                    .action(NONE).reason("not racing: synchronous mode and the sync key (leader pg1, standbys [pg3]) "
                            + "does not name me");
        }

        @Test
        void syncStandbyRacesInSynchronousMode() {
            ClusterView view = Clusters.leaderless().synchronousMode().sync("pg1", "pg2").build();
            LocalState.Builder local = LocalStates.replica().peers(peers(peer("pg3", "0/6000000")));
            // pg3 is ahead but asynchronous: it may not promote, so it does not count.
            expect(decide("pg2", view, local)).action(PROMOTE);
        }

        @Test
        void anyoneRacesWhileTheSyncKeyWasNeverWritten() {
            ClusterView view = Clusters.leaderless().synchronousMode().build();
            expect(decide("pg2", view, LocalStates.replica())).action(PROMOTE);
        }

        @Test
        void formerLeaderAheadOfMeIsIgnoredInSynchronousMode() {
            ClusterView view = Clusters.leaderless().synchronousMode().sync("pg1", "pg2").build();
            LocalState.Builder local = LocalStates.replica().peers(peers(peer("pg1", "0/7000000")));
            expect(decide("pg2", view, local)).action(PROMOTE);
        }

        @Test
        void checkTimelineKeepsAReplicaOnAnOldTimelineOutOfTheRace() {
            ClusterView view = Clusters.leaderless().config("check_timeline", true).build();
            expect(decide("pg2", view, LocalStates.of(Databases.replica().timeline(1))))
                    .action(NONE).reason("not racing: my timeline 1 is behind the cluster timeline 2 (check_timeline)");
        }

        @Test
        void replicaOnAnOldTimelineRacesWithoutCheckTimeline() {
            expect(decide("pg2", Clusters.leaderless().build(), LocalStates.of(Databases.replica().timeline(1))))
                    .action(PROMOTE);
        }

        @Test
        void peerRunningAsPrimaryWins() {
            LocalState.Builder local = LocalStates.replica().peers(peers(primaryPeer("pg3")));
            expect(decide("pg2", Clusters.leaderless().build(), local))
                    .action(NONE).reason("not racing: pg3 reports it runs as primary");
        }

        @Test
        void peerFurtherAheadWins() {
            LocalState.Builder local = LocalStates.replica().peers(peers(peer("pg3", "0/5000100")));
            expect(decide("pg2", Clusters.leaderless().build(), local))
                    .action(NONE).reason("not racing: pg3 is ahead of me (0/5000100 > 0/5000060)");
        }

        @Test
        void equalPositionAndHigherPriorityPeerWins() {
            LocalState.Builder local = LocalStates.replica().peers(peers(peer("pg3", Clusters.POSITION, 5)));
            expect(decide("pg2", Clusters.leaderless().build(), local))
                    .action(NONE).reason("not racing: pg3 has the same WAL position 0/5000060 and a higher "
                            + "failover_priority (5 > 1)");
        }

        @Test
        void equalPositionAndLowerPriorityPeerLoses() {
            LocalState.Builder local = LocalStates.replica().peers(peers(peer("pg3", Clusters.POSITION, 1)));
            expect(decide("pg2", tag("failover_priority", 3), Clusters.leaderless().build(), local)).action(PROMOTE);
        }

        @Test
        void equalPositionAndEqualPriorityBothRace() {
            LocalState.Builder local = LocalStates.replica().peers(peers(peer("pg3", Clusters.POSITION)));
            expect(decide("pg2", Clusters.leaderless().build(), local)).action(PROMOTE);
        }

        @Test
        void peersThatDidNotAnswerAreIgnored() {
            // pg3's published key says it is ahead, but it did not answer /patroni: it is not compared.
            ClusterView view = Clusters.leaderless().member(member("pg3").replica().at("0/9000000")).build();
            expect(decide("pg2", view, LocalStates.replica().peers(Map.of()))).action(PROMOTE);
        }

        @Test
        void nofailoverPeerAheadOfMeIsIgnored() {
            LocalState.Builder local = LocalStates.replica().peers(peers(peer("pg3", "0/9000000", 0)));
            expect(decide("pg2", Clusters.leaderless().build(), local)).action(PROMOTE);
        }

        @Test
        void manualFailoverToMeSkipsLagAndPeerChecks() {
            ClusterView view = Clusters.leaderless().optime("0/9000000").failoverTo("pg2").build();
            LocalState.Builder local = LocalStates.replica("0/5000000").peers(peers(peer("pg3", "0/8000000")));
            expect(decide("pg2", view, local))
                    .action(PROMOTE).reasonContains("manual failover names me as the candidate",
                            "commits not received here may be lost");
        }

        @Test
        void manualFailoverToAnotherRunningMemberMakesMeWait() {
            ClusterView view = Clusters.leaderless().failoverTo("pg3").build();
            expect(decide("pg2", view, LocalStates.replica()))
                    .action(NONE).reason("not racing: manual failover names pg3, which is running: waiting for it");
        }

        @Test
        void manualFailoverToAMissingMemberLetsTheOthersRace() {
            ClusterView view = Clusters.leaderless().failoverTo("pg9").build();
            expect(decide("pg2", view, LocalStates.replica()))
                    .action(PROMOTE).reasonContains("manual failover candidate not available");
        }

        @Test
        void manualFailoverDoesNotOverrideNofailover() {
            ClusterView view = Clusters.leaderless().failoverTo("pg2").build();
            expect(decide("pg2", tag("nofailover", true), view, LocalStates.replica()))
                    .action(NONE).reason("not racing: nofailover tag set");
        }

        @Test
        void switchoverCandidatePromotesOnceTheLeaderStepsDown() {
            ClusterView view = Clusters.leaderless().switchover("pg1", "pg2").build();
            expect(decide("pg2", view, LocalStates.replica()))
                    .action(PROMOTE).reasonContains("switchover names me as the candidate");
        }

        /** The candidate of a switchover promotes without comparing positions: no peer calls first. */
        @Test
        void onlyTheSwitchoverCandidateSkipsThePeerCalls() {
            ClusterView view = Clusters.leaderless().switchover("pg1", "pg2").build();
            assertThat(Decider.racePeersMatter(view, "pg2", NOW)).isFalse();
            assertThat(Decider.racePeersMatter(view, "pg3", NOW)).isTrue();
            assertThat(Decider.racePeersMatter(Clusters.leaderless().build(), "pg2", NOW)).isTrue();
        }

        @Test
        void switchoverInSynchronousModeKeepsAsyncReplicasOutOfTheRace() {
            ClusterView view = Clusters.leaderless().synchronousMode().sync("pg1", "pg3").switchover("pg1", "pg2")
                    .build();
            expect(decide("pg2", view, LocalStates.replica()))
                    .action(NONE).reasonContains("switchover in synchronous mode", "does not name me");
        }

        @Test
        void formerLeaderOfASwitchoverStaysOutWhileAnotherMemberCanTakeOver() {
            ClusterView view = Clusters.leaderless(member("pg1").replica(), member("pg2").replica(),
                    member("pg3").stopped()).switchover("pg2", "pg3").build();
            expect(decide("pg2", view, LocalStates.replica()))
                    .action(NONE).reason("not racing: I stepped down for a switchover; pg1 can take over");
        }

        @Test
        void formerLeaderOfASwitchoverTakesTheKeyBackWhenNobodyElseCan() {
            ClusterView view = Clusters.leaderless(member("pg1").stopped(), member("pg2").replica(),
                    member("pg3").stopped()).switchover("pg2", "pg3").build();
            expect(decide("pg2", view, LocalStates.replica()))
                    .action(PROMOTE).reasonContains("I stepped down for a switchover but no other member is healthy");
        }

        @Test
        void switchoverScheduledInTheFutureDoesNotChangeTheRace() {
            ClusterView view = Clusters.leaderless().switchover("pg1", "pg3").scheduledAt(WALL.plusSeconds(3600))
                    .build();
            expect(decide("pg2", view, LocalStates.replica()))
                    .action(PROMOTE).reason("promoting: leader key absent and I am the healthiest candidate (0/5000060)");
        }
    }

    // ---------------------------------------------------------------------------------------------
    /** Patroni's primary_race_backoff: process_unhealthy_cluster, _prev_wal_lsn, load_cluster_from_dcs. */
    @Nested
    class PrimaryRaceBackoffRule {
        ClusterView leaderless(int backoff) {
            return Clusters.leaderless().config("primary_race_backoff", backoff).build();
        }

        /**
         * A replica at 0/5000060 whose received position last moved {@code movedMillisAgo} ago,
         * held back since {@code secondsAgo}; loop_wait is 10 s.
         */
        LocalState.Builder replica(long movedMillisAgo, long secondsAgo) {
            return LocalStates.replica().peers(peers(peer("pg3", "0/5000000")))
                    .received(Optional.of(new ReceivedWal(Lsn.parse("0/5000060"), MONO - movedMillisAgo * 1_000_000)))
                    .primaryRaceBackoffSince(OptionalLong.of(MONO - secondsAgo * SECOND));
        }

        @Test
        void waitsWhileTheWalStillMoves() {
            expect(decide("pg2", leaderless(30), replica(2000, 12)))
                    .action(NONE).reason("not racing: my (pg2) WAL position moved since the last heart beat loop"
                            + " (received up to 0/5000060 2000 ms ago, less than loop_wait 10 s): the primary may"
                            + " still run; 18 s until the leader race (primary_race_backoff 30 s)");
        }

        @Test
        void racesOnceTheBackoffHasElapsedThoughTheWalStillMoves() {
            expect(decide("pg2", leaderless(30), replica(0, 30))).action(PROMOTE);
        }

        @Test
        void racesOnceTheWalHasStoodStillForALoopWait() {
            expect(decide("pg2", leaderless(30), replica(10_000, 12))).action(PROMOTE);
        }

        /**
         * CI failure (stop 28): an iteration woken 17 ms after one that saw new WAL found none (the
         * old primary commits every 100 ms) and raced 2 s before the back-off was over. What counts
         * is how long the position has stood still, not what the previous iteration saw.
         */
        @Test
        void anIterationRightAfterOneThatSawNewWalStillWaits() {
            Optional<ReceivedWal> moved = ReceivedWal.next(Optional.of(new ReceivedWal(Lsn.parse("0/5000000"),
                    MONO - 2 * SECOND)), Optional.of(Lsn.parse("0/5000060")), MONO - 17_000_000);
            Optional<ReceivedWal> same = ReceivedWal.next(moved, Optional.of(Lsn.parse("0/5000060")), MONO);
            assertThat(same).as("unchanged since the probe that saw it move").isEqualTo(moved);
            expect(decide("pg2", leaderless(30), replica(0, 12).received(same)))
                    .action(NONE).reasonContains("WAL position moved", "17 ms ago", "18 s until the leader race");
        }

        @Test
        void theReceivedPositionRestartsItsClockWhenItMovesAndIsForgottenWhenUnknown() {
            Optional<ReceivedWal> at = Optional.of(new ReceivedWal(Lsn.parse("0/5000000"), MONO - 5 * SECOND));
            assertThat(ReceivedWal.next(at, Optional.of(Lsn.parse("0/5000000")), MONO)).isEqualTo(at);
            assertThat(ReceivedWal.next(at, Optional.of(Lsn.parse("0/5000060")), MONO))
                    .contains(new ReceivedWal(Lsn.parse("0/5000060"), MONO));
            assertThat(ReceivedWal.next(at, Optional.of(Lsn.parse("0/4000000")), MONO)).as("moved back: a re-clone")
                    .contains(new ReceivedWal(Lsn.parse("0/4000000"), MONO));
            assertThat(ReceivedWal.next(at, Optional.empty(), MONO)).isEmpty();
            assertThat(ReceivedWal.next(Optional.empty(), Optional.of(Lsn.parse("0/5000000")), MONO))
                    .contains(new ReceivedWal(Lsn.parse("0/5000000"), MONO));
        }

        @Test
        void waitsOneLoopWaitEvenWhenTheWalDoesNotMove() {
            // The key may have expired just after the previous probe (Patroni: time_left > backoff - loop_wait).
            expect(decide("pg2", leaderless(30), replica(60_000, 3)))
                    .action(NONE).reason("not racing: the leader key went away 3 s ago, less than loop_wait (10 s):"
                            + " waiting a loop to see whether my WAL position still moves (primary_race_backoff 30 s)");
        }

        @Test
        void offAtZero() {
            expect(decide("pg2", leaderless(0), replica(0, 0))).action(PROMOTE);
            expect(decide("pg2", Clusters.leaderless().build(), replica(0, 0))).action(PROMOTE);
        }

        @Test
        void aFailoverRequestNamingACandidateIsNotHeldBack() {
            ClusterView view = Clusters.leaderless().config("primary_race_backoff", 30).failoverTo("pg2").build();
            expect(decide("pg2", view, replica(0, 0))).action(PROMOTE);
        }

        @Test
        void theBackoffStartsWhenTheKeyIsGoneAndResetsWhenALeaderIsBack() {
            DynamicConfig dcs = DynamicConfig.DEFAULTS.with("primary_race_backoff", 30);
            LocalState fresh = LocalStates.replica()
                    .received(Optional.of(new ReceivedWal(Lsn.parse("0/5000060"), MONO - SECOND))).build();
            LocalState held = fresh.toBuilder().primaryRaceBackoffSince(OptionalLong.of(MONO - 5 * SECOND)).build();
            ClusterView leaderless = leaderless(30);
            assertThat(PrimaryRaceBackoff.since(leaderless, dcs, fresh, MONO)).hasValue(MONO);
            assertThat(PrimaryRaceBackoff.since(leaderless, dcs, held, MONO)).as("kept while the key stays away")
                    .hasValue(MONO - 5 * SECOND);
            assertThat(PrimaryRaceBackoff.since(Clusters.withHealthyLeader(), dcs, held, MONO)).isEmpty();
            assertThat(PrimaryRaceBackoff.since(leaderless, DynamicConfig.DEFAULTS, fresh, MONO)).as("off at 0")
                    .isEmpty();
            assertThat(PrimaryRaceBackoff.since(leaderless, dcs, fresh.toBuilder()
                    .received(Optional.empty()).build(), MONO)).as("no received position").isEmpty();
            assertThat(PrimaryRaceBackoff.since(Clusters.leaderless().config("primary_race_backoff", 30).pause()
                    .build(), dcs.with("pause", true), fresh, MONO)).as("paused").isEmpty();
        }

        @Test
        void theLoopSleepsNoLongerThanTheBackoffHasLeft() {
            DynamicConfig dcs = DynamicConfig.DEFAULTS.with("primary_race_backoff", 30);
            LocalState held = replica(0, 25).build();
            assertThat(PrimaryRaceBackoff.nanosLeft(held, dcs, MONO)).hasValue(5 * SECOND);
            assertThat(PrimaryRaceBackoff.nanosLeft(held, dcs, MONO + 5 * SECOND)).isEmpty();
            assertThat(PrimaryRaceBackoff.nanosLeft(LocalStates.replica().build(), dcs, MONO)).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------
    /** Patroni 4's member_slots_ttl: _build_retain_slots, acquire_leader_lock and retain_slots in _get_members_slots. */
    @Nested
    class MemberSlotsTtl {
        private SlotRetention next(SlotRetention previous, ClusterView view, String me, long at) {
            return RetainedSlots.next(previous, view, me, view.effectiveConfig(DynamicConfig.DEFAULTS), at);
        }

        private SlotPlan plan(String me, ClusterView view, SlotRetention retention) {
            return decide(me, view, LocalStates.primary().retention(retention)).slots();
        }

        @Test
        void anAbsentMembersSlotIsKeptWhileSeenWithinTheTtlAndDroppedAfter() {
            ClusterView all = Clusters.healthy().config("member_slots_ttl", "1min").build();
            ClusterView pg3Gone = Clusters.healthy().config("member_slots_ttl", "1min").without("pg3").build();
            SlotRetention seen = next(SlotRetention.NONE, all, "pg1", MONO);
            SlotRetention within = next(seen, pg3Gone, "pg1", MONO + 59 * SECOND);
            assertThat(within.names()).containsExactly("pg1", "pg2", "pg3");
            assertThat(plan("pg1", pg3Gone, within).memberSlots()).as("pg1 is mine: no slot for it")
                    .containsExactlyInAnyOrder("pg2", "pg3");
            SlotRetention after = next(within, pg3Gone, "pg1", MONO + 60 * SECOND);
            assertThat(after.names()).containsExactly("pg1", "pg2");
            assertThat(plan("pg1", pg3Gone, after).memberSlots()).containsExactly("pg2");
        }

        @Test
        void theDefaultIsThirtyMinutes() {
            ClusterView all = Clusters.withHealthyLeader();
            ClusterView pg3Gone = Clusters.healthy().without("pg3").build();
            SlotRetention seen = next(SlotRetention.NONE, all, "pg1", MONO);
            assertThat(next(seen, pg3Gone, "pg1", MONO + 1799 * SECOND).names()).contains("pg3");
            assertThat(next(seen, pg3Gone, "pg1", MONO + 1800 * SECOND).names()).doesNotContain("pg3");
        }

        @Test
        void zeroDropsAnAbsentMembersSlotAtOnceAndPublishesNothing() {
            ClusterView pg3Gone = Clusters.healthy().config("member_slots_ttl", 0).without("pg3").build();
            SlotRetention seen = next(SlotRetention.NONE, Clusters.healthy().config("member_slots_ttl", 0).build(),
                    "pg1", MONO);
            assertThat(seen.names()).isEmpty();
            SlotRetention later = next(seen, pg3Gone, "pg1", MONO + SECOND);
            assertThat(plan("pg1", pg3Gone, later).memberSlots()).containsExactly("pg2");
        }

        @Test
        void onlyTheLeaderRemembersAndNothingWithoutUseSlots() {
            ClusterView view = Clusters.withHealthyLeader();
            assertThat(next(SlotRetention.NONE, view, "pg2", MONO)).isEqualTo(SlotRetention.NONE);
            ClusterView noSlots = Clusters.healthy().config("postgresql", Map.of("use_slots", false)).build();
            assertThat(next(SlotRetention.NONE, noSlots, "pg1", MONO)).isEqualTo(SlotRetention.NONE);
        }

        @Test
        void permanentPhysicalSlotsAndNostreamMembersAreNotListed() {
            ClusterView view = Clusters.healthy().config("slots", Map.of("pg2", Map.of("type", "physical")))
                    .member(member("pg3").replica().tag("nostream", true)).build();
            assertThat(next(SlotRetention.NONE, view, "pg1", MONO).names()).containsExactly("pg1");
        }

        /** A member that turns nostream is still there: its slot is dropped now, not kept for the ttl. */
        @Test
        void aMemberThatTurnsNostreamLosesItsSlotAtOnce() {
            SlotRetention seen = next(SlotRetention.NONE, Clusters.withHealthyLeader(), "pg1", MONO);
            assertThat(seen.names()).contains("pg3");
            ClusterView nostream = Clusters.healthy().member(member("pg3").replica().tag("nostream", true)).build();
            SlotRetention later = next(seen, nostream, "pg1", MONO + SECOND);
            assertThat(later.names()).containsExactly("pg1", "pg2");
            assertThat(plan("pg1", nostream, later).memberSlots()).containsExactly("pg2");
        }

        @Test
        void aNewLeaderKeepsTheSlotsThePreviousLeaderRetainedForAFullTtl() {
            // pg1 (the old leader, Patroni 4 or hapg) published pg1, pg3 and pg4; pg1 and pg4 are gone now.
            ClusterView view = Clusters.initialized().leader("pg2", 9).member(member("pg2").primary())
                    .member(member("pg3").replica()).optime(Clusters.POSITION).retainSlots("pg1", "pg3", "pg4")
                    .build();
            SlotRetention stale = new SlotRetention(OptionalLong.of(7), Map.of("pg5", MONO - 3600 * SECOND));
            SlotRetention seeded = next(stale, view, "pg2", MONO);
            assertThat(seeded.term()).isEqualTo(OptionalLong.of(9));
            assertThat(seeded.names()).as("an older term's memory is not this term's").containsExactly("pg1", "pg2",
                    "pg3", "pg4");
            assertThat(plan("pg2", view, seeded).memberSlots()).containsExactlyInAnyOrder("pg1", "pg3", "pg4");
            SlotRetention later = next(seeded, view, "pg2", MONO + 1800 * SECOND);
            assertThat(later.names()).containsExactly("pg2", "pg3");
            assertThat(plan("pg2", view, later).memberSlots()).containsExactly("pg3");
        }

        @Test
        void aNofailoverLeaderKeepsNoRetainedSlot() {
            ClusterView pg3Gone = Clusters.healthy().without("pg3").build();
            SlotRetention retention = new SlotRetention(OptionalLong.of(7), Map.of("pg3", MONO));
            assertThat(decide("pg1", Tags.NONE.with("nofailover", true), pg3Gone,
                    LocalStates.primary().retention(retention)).slots().memberSlots()).containsExactly("pg2");
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class Leading {
        @Test
        void healthyLeaderRenewsWithASlotPerOtherMember() {
            Decision d = decide("pg1", Clusters.withHealthyLeader(), LocalStates.primary());
            expect(d).action(RENEW_LEASE).reason("no action: I am the leader with the lock");
            assertThat(d.slots().memberSlots()).containsExactlyInAnyOrder("pg2", "pg3");
        }

        @Test
        void leaderKeepsThePermanentSlotsExceptOneNamedLikeItselfOrALogicalOneNamedLikeAMember() {
            Map<String, Object> slots = new java.util.LinkedHashMap<>();
            slots.put("consumer", Map.of("type", "physical"));
            slots.put("pg1", Map.of("type", "physical"));
            slots.put("pg2", Map.of("type", "physical"));
            slots.put("pg3", Map.of("type", "logical", "database", "app", "plugin", "pgoutput"));
            slots.put("cdc", Map.of("type", "logical", "database", "app", "plugin", "pgoutput"));
            ClusterView view = Clusters.healthy().config("slots", slots)
                    .config("ignore_slots", List.of(Map.of("name", "barman"))).build();
            SlotPlan plan = decide("pg1", view, LocalStates.primary()).slots();
            assertThat(plan.primary()).isTrue();
            assertThat(plan.memberSlots()).containsExactlyInAnyOrder("pg2", "pg3");
            assertThat(plan.permanent()).containsOnlyKeys("consumer", "pg2", "cdc");
            assertThat(plan.ignore()).hasSize(1);
        }

        /** Patroni's _get_members_slots: a nostream member never streams, a slot for it would keep WAL forever. */
        @Test
        void leaderKeepsNoSlotForANostreamMember() {
            ClusterView view = Clusters.healthy().member(member("pg3").replica().tag("nostream", true)).build();
            assertThat(decide("pg1", view, LocalStates.primary()).slots().memberSlots()).containsExactly("pg2");
            ClusterView cascade = Clusters.healthy().member(member("pg3").replica().tag("replicatefrom", "pg2")
                    .tag("nostream", true)).build();
            assertThat(decide("pg2", cascade, LocalStates.replica()).slots().memberSlots()).isEmpty();
        }

        @Test
        void leaderKeepsNoSlotsWithoutUseSlots() {
            ClusterView view = Clusters.healthy().config("postgresql", Map.of("use_slots", false)).build();
            assertThat(decide("pg1", view, LocalStates.primary()).slots().memberSlots()).isEmpty();
        }

        @Test
        void lockHolderInRecoveryPromotes() {
            expect(decide("pg1", Clusters.withHealthyLeader(), LocalStates.replica()))
                    .action(PROMOTE).reason("promoting: I hold the lock but PostgreSQL is in recovery");
        }

        @Test
        void switchoverToAHealthyCandidateDemotesGracefully() {
            ClusterView view = Clusters.healthy().switchover("pg1", "pg2").build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(DEMOTE).demoteMode(DemoteMode.GRACEFUL).target("pg2")
                    .reason("switchover: demoting gracefully to hand over to pg2");
        }

        @Test
        void switchoverWithoutCandidateDemotesWhenAReplicaIsHealthy() {
            ClusterView view = Clusters.healthy().switchover("pg1", null).build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(DEMOTE).demoteMode(DemoteMode.GRACEFUL).noTarget()
                    .reason("switchover: demoting gracefully; the healthiest of pg2, pg3 takes over");
        }

        @Test
        void switchoverToAStoppedCandidateIsCleared() {
            ClusterView view = Clusters.healthy().member(member("pg2").stopped()).switchover("pg1", "pg2").build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(CLEAR_FAILOVER)
                    .reason("clearing switchover request: candidate pg2 is not healthy (PostgreSQL state stopped)");
        }

        @Test
        void switchoverToAnUnknownMemberIsCleared() {
            ClusterView view = Clusters.healthy().switchover("pg1", "pg9").build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(CLEAR_FAILOVER).reasonContains("candidate pg9 is not healthy (no such member)");
        }

        @Test
        void switchoverToANofailoverCandidateIsCleared() {
            ClusterView view = Clusters.healthy().member(member("pg2").nofailover()).switchover("pg1", "pg2").build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(CLEAR_FAILOVER).reasonContains("candidate pg2 is not healthy (nofailover");
        }

        @Test
        void switchoverWithNoHealthyReplicaIsCleared() {
            ClusterView view = Clusters.healthy().member(member("pg2").stopped()).member(member("pg3").stopped())
                    .switchover("pg1", null).build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(CLEAR_FAILOVER).reason("clearing switchover request: no healthy candidate to hand over to");
        }

        @Test
        void switchoverNamingAnotherLeaderIsCleared() {
            ClusterView view = Clusters.healthy().switchover("pg3", "pg2").build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(CLEAR_FAILOVER)
                    .reason("clearing switchover request: it names pg3 as leader but I (pg1) am the leader");
        }

        @Test
        void failoverToTheCurrentLeaderIsCleared() {
            ClusterView view = Clusters.healthy().failoverTo("pg1").build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(CLEAR_FAILOVER).reasonContains("I am already the requested candidate");
        }

        @Test
        void manualFailoverToAnotherMemberDemotesTheLeaderGracefully() {
            ClusterView view = Clusters.healthy().failoverTo("pg3").build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(DEMOTE).demoteMode(DemoteMode.GRACEFUL).target("pg3")
                    .reason("manual failover: demoting gracefully to hand over to pg3");
        }

        @Test
        void switchoverScheduledInTheFutureKeepsLeading() {
            ClusterView view = Clusters.healthy().switchover("pg1", "pg2").scheduledAt(WALL.plusSeconds(600)).build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(RENEW_LEASE)
                    .reason("no action: I am the leader with the lock; switchover scheduled at 2025-03-01T12:10:00Z "
                            + "(in 600 s)");
        }

        @Test
        void switchoverScheduledInTheFutureStillManagesSynchronousStandbys() {
            ClusterView view = Clusters.healthy().synchronousMode().switchover("pg1", "pg2")
                    .scheduledAt(WALL.plusSeconds(600)).build();
            expect(decide("pg1", view, LocalStates.of(Databases.primary().streaming("pg2", Clusters.POSITION))))
                    .action(SET_SYNC_STANDBYS).syncStandbys("pg2");
        }

        @Test
        void switchoverScheduledJustNowIsCarriedOut() {
            ClusterView view = Clusters.healthy().switchover("pg1", "pg2").scheduledAt(WALL.minusSeconds(5)).build();
            expect(decide("pg1", view, LocalStates.primary())).action(DEMOTE).target("pg2");
        }

        @Test
        void staleScheduledSwitchoverIsCleared() {
            ClusterView view = Clusters.healthy().switchover("pg1", "pg2").scheduledAt(WALL.minus(Duration.ofHours(1)))
                    .build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(CLEAR_FAILOVER)
                    .reason("clearing stale switchover: it was scheduled at 2025-03-01T11:00:00Z, 3600 s ago");
        }

        @Test
        void switchoverToAnAsyncStandbyIsClearedInSynchronousMode() {
            ClusterView view = Clusters.healthy().synchronousMode().sync("pg1", "pg3").switchover("pg1", "pg2").build();
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg3", Clusters.POSITION)
                    .syncStandbys("pg3"));
            expect(decide("pg1", view, local))
                    .action(CLEAR_FAILOVER).reasonContains("candidate pg2 is not healthy (not a synchronous standby");
        }

        @Test
        void manualFailoverToAnAsyncStandbyIsAllowedInSynchronousMode() {
            ClusterView view = Clusters.healthy().synchronousMode().sync("pg1", "pg3").failoverTo("pg2").build();
            expect(decide("pg1", view, LocalStates.primary())).action(DEMOTE).target("pg2");
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class SynchronousReplication {
        ClusterView sync(String keyLeader, String... keyStandbys) {
            return Clusters.healthy().synchronousMode().sync(keyLeader, keyStandbys).build();
        }

        ClusterView syncNoKey() {
            return Clusters.healthy().synchronousMode().build();
        }

        @Test
        void newSyncStandbyEntersTheSettingBeforeTheKey() {
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg2", Clusters.POSITION));
            expect(decide("pg1", syncNoKey(), local))
                    .action(SET_SYNC_STANDBYS).syncStandbys("pg2")
                    .reason("sync: setting synchronous_standby_names to [pg2] (was [])");
        }

        @Test
        void syncStandbyIsPublishedInTheKeyOnceItIsInTheSetting() {
            LocalState.Builder local = LocalStates.of(Databases.primary().synchronous("pg2", Clusters.POSITION)
                    .syncStandbys("pg2").syncChangedAt(Clusters.POSITION));
            expect(decide("pg1", syncNoKey(), local))
                    .action(WRITE_SYNC_KEY).syncStandbys("pg2")
                    .reason("sync: publishing [pg2] in the sync key (was (leader none, standbys []))");
        }

        @Test
        void steadySynchronousReplicationRenews() {
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg2", Clusters.POSITION)
                    .syncStandbys("pg2"));
            expect(decide("pg1", sync("pg1", "pg2"), local))
                    .action(RENEW_LEASE).reason("no action: I am the leader with the lock");
        }

        @Test
        void departedSyncStandbyLeavesTheKeyBeforeTheSetting() {
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg3", Clusters.POSITION)
                    .syncStandbys("pg2"));
            expect(decide("pg1", sync("pg1", "pg2"), local))
                    .action(WRITE_SYNC_KEY).syncStandbys()
                    .reason("sync: removing pg2 from the sync key before dropping it from synchronous_standby_names");
        }

        @Test
        void departedSyncStandbyIsReplacedInTheSettingOnceOutOfTheKey() {
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg3", Clusters.POSITION)
                    .syncStandbys("pg2"));
            expect(decide("pg1", sync("pg1"), local)).action(SET_SYNC_STANDBYS).syncStandbys("pg3");
        }

        @Test
        void currentSyncStandbyIsPreferredOverAMoreAdvancedOne() {
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg3", "0/5000060")
                    .streaming("pg2", "0/5000000").syncStandbys("pg2"));
            expect(decide("pg1", sync("pg1", "pg2"), local)).action(RENEW_LEASE);
        }

        @Test
        void mostAdvancedStandbyIsChosenWhenNoneIsCurrent() {
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg2", "0/5000000")
                    .streaming("pg3", "0/5000060"));
            expect(decide("pg1", syncNoKey(), local)).action(SET_SYNC_STANDBYS).syncStandbys("pg3");
        }

        @Test
        void nameBreaksTheTieBetweenEquallyAdvancedStandbys() {
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg3", Clusters.POSITION)
                    .streaming("pg2", Clusters.POSITION));
            expect(decide("pg1", syncNoKey(), local)).action(SET_SYNC_STANDBYS).syncStandbys("pg2");
        }

        @Test
        void nosyncMemberIsNeverChosen() {
            ClusterView view = Clusters.healthy().synchronousMode().member(member("pg2").replica().tag("nosync", true))
                    .build();
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg2", "0/5000060")
                    .streaming("pg3", "0/5000000"));
            expect(decide("pg1", view, local)).action(SET_SYNC_STANDBYS).syncStandbys("pg3");
        }

        @Test
        void standbyStillCatchingUpIsNotChosen() {
            LocalState.Builder local = LocalStates.of(Databases.primary().catchingUp("pg2", "0/5000060")
                    .streaming("pg3", "0/5000000"));
            expect(decide("pg1", syncNoKey(), local)).action(SET_SYNC_STANDBYS).syncStandbys("pg3");
        }

        @Test
        void connectionThatIsNotAMemberIsNotChosen() {
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg_basebackup", Clusters.POSITION));
            expect(decide("pg1", sync("pg1"), local)).action(RENEW_LEASE);
        }

        @Test
        void leaderClaimsTheSyncKeyEvenWithoutStandbys() {
            // Only I may promote then: no replica has my acknowledged commits (Patroni writes the same key).
            expect(decide("pg1", syncNoKey(), LocalStates.primary()))
                    .action(WRITE_SYNC_KEY).syncStandbys().reasonContains("publishing [] in the sync key");
        }

        @Test
        void synchronousNodeCountChoosesThatManyStandbys() {
            ClusterView view = Clusters.healthy().synchronousMode().config("synchronous_node_count", 2).build();
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg3", Clusters.POSITION)
                    .streaming("pg2", Clusters.POSITION));
            expect(decide("pg1", view, local)).action(SET_SYNC_STANDBYS).syncStandbys("pg2", "pg3");
        }

        @Test
        void strictModeKeepsKeyAndSettingWhenNoStandbyStreams() {
            ClusterView view = Clusters.healthy().synchronousMode().config("synchronous_mode_strict", true)
                    .sync("pg1", "pg2").build();
            LocalState.Builder local = LocalStates.of(Databases.primary().syncStandbys("pg2"));
            expect(decide("pg1", view, local))
                    .action(RENEW_LEASE)
                    .reason("no action: I am the leader with the lock; synchronous_mode_strict and no synchronous "
                            + "standby is streaming: commits wait");
        }

        @Test
        void strictModeNewLeaderClaimsTheKeyWithNoStandbys() {
            ClusterView view = Clusters.healthy().synchronousMode().config("synchronous_mode_strict", true)
                    .sync("pg3", "pg1").build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(WRITE_SYNC_KEY).syncStandbys().reasonContains("claiming the sync key");
        }

        @Test
        void strictModeWithNoStandbyAndAnEmptySettingMakesCommitsWait() {
            // Strict switched on while running alone (or a promotion with an empty setting): an empty
            // synchronous_standby_names lets commits through unreplicated; Patroni writes its placeholder.
            ClusterView view = Clusters.healthy().synchronousMode().config("synchronous_mode_strict", true)
                    .sync("pg1").build();
            expect(decide("pg1", view, LocalStates.primary()))
                    .action(SET_SYNC_STANDBYS).syncStandbys()
                    .reason("sync: setting synchronous_standby_names to the strict placeholder (was ''): "
                            + "synchronous_mode_strict and no standby streaming, commits wait");
        }

        @Test
        void strictModeKeepsThePlaceholderWhenNoStandbyStreams() {
            ClusterView view = Clusters.healthy().synchronousMode().config("synchronous_mode_strict", true)
                    .sync("pg1").build();
            LocalState.Builder local = LocalStates.of(Databases.primary().syncSetting(new SynchronousStandbyNames(
                    SynchronousStandbyNames.Method.FIRST, 1, List.of("__patroni_strict_sync_replica_placeholder__"))));
            expect(decide("pg1", view, local)).action(RENEW_LEASE).reasonContains("commits wait");
        }

        @Test
        void nonStrictModeDropsTheKeyFirstWhenNoStandbyStreams() {
            LocalState.Builder local = LocalStates.of(Databases.primary().syncStandbys("pg2"));
            expect(decide("pg1", sync("pg1", "pg2"), local)).action(WRITE_SYNC_KEY).syncStandbys();
        }

        @Test
        void nonStrictModeThenRunsStandalone() {
            LocalState.Builder local = LocalStates.of(Databases.primary().syncStandbys("pg2"));
            expect(decide("pg1", sync("pg1"), local))
                    .action(SET_SYNC_STANDBYS).syncStandbys()
                    .reason("sync: setting synchronous_standby_names to [] (was [pg2]): no standby streaming, "
                            + "running standalone");
        }

        @Test
        void newLeaderRemovesItselfFromThePreviousLeadersKey() {
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg2", Clusters.POSITION));
            expect(decide("pg1", sync("pg3", "pg1"), local))
                    .action(WRITE_SYNC_KEY).syncStandbys().reasonContains("removing pg1 from the sync key");
        }

        @Test
        void newLeaderDoesNotKeepAStandbyItsCommitsDoNotWaitFor() {
            // pg2 is in the old leader's key but not yet in my setting: it leaves the key first.
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg2", Clusters.POSITION));
            expect(decide("pg1", sync("pg3", "pg2"), local)).action(WRITE_SYNC_KEY).syncStandbys();
        }

        @Test
        void newLeaderRewritesThePreviousLeadersKeyOnceTheSettingMatches() {
            LocalState.Builder local = LocalStates.of(Databases.primary().synchronous("pg2", Clusters.POSITION)
                    .syncStandbys("pg2").syncChangedAt(Clusters.POSITION));
            expect(decide("pg1", sync("pg3", "pg2"), local))
                    .action(WRITE_SYNC_KEY).syncStandbys("pg2").reasonContains("(was (leader pg3, standbys [pg2]))");
        }

        @Test
        void synchronousModeOffCleansTheKeyFirst() {
            ClusterView view = Clusters.healthy().sync("pg1", "pg2").build();
            LocalState.Builder local = LocalStates.of(Databases.primary().syncStandbys("pg2"));
            expect(decide("pg1", view, local))
                    .action(WRITE_SYNC_KEY).syncStandbys()
                    .reason("sync: synchronous_mode is off: removing pg2 from the sync key");
        }

        @Test
        void synchronousModeOffThenClearsTheSetting() {
            ClusterView view = Clusters.healthy().sync("pg1").build();
            LocalState.Builder local = LocalStates.of(Databases.primary().syncStandbys("pg2"));
            expect(decide("pg1", view, local))
                    .action(SET_SYNC_STANDBYS).syncStandbys()
                    .reason("sync: synchronous_mode is off: clearing synchronous_standby_names [pg2]");
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class Following {
        @Test
        void replicaStreamingFromTheLeaderDoesNothing() {
            expect(decide("pg2", Clusters.withHealthyLeader(), LocalStates.replica()))
                    .action(NONE).reason("no action: streaming from leader pg1");
        }

        @Test
        void streamingReplicaKeepsThePermanentPhysicalSlotsAtTheLeadersPositions() {
            Map<String, Object> slots = new java.util.LinkedHashMap<>();
            slots.put("consumer", Map.of("type", "physical"));
            slots.put("pg2", Map.of("type", "physical"));
            slots.put("cdc", Map.of("type", "logical", "database", "app", "plugin", "pgoutput"));
            ClusterView view = Clusters.healthy().config("slots", slots).config("member_slots_ttl", 0)
                    .slotPosition("consumer", "0/5000000").slotPosition("cdc", "0/5000100").slotPosition("gone", "0/1")
                    .build();
            Decision d = decide("pg2", view, LocalStates.replica());
            expect(d).action(NONE).reason("no action: streaming from leader pg1");
            assertThat(d.slots().primary()).isFalse();
            assertThat(d.slots().permanent()).as("mine is not mine to keep; logical ones are kept too")
                    .containsOnlyKeys("consumer", "cdc");
            assertThat(d.slots().positions()).containsOnly(Map.entry("consumer", Lsn.parse("0/5000000")),
                    Map.entry("cdc", Lsn.parse("0/5000100")));
            assertThat(d.slots().memberSlots()).isEmpty();
            assertThat(decide("pg2", Clusters.healthy().config("member_slots_ttl", 0).build(), LocalStates.replica())
                    .slots().isEmpty()).as("no permanent slots, member_slots_ttl 0: a replica leaves its slots alone")
                    .isTrue();
            assertThat(decide("pg2", tag("nofailover", true), view, LocalStates.replica()).slots().permanent())
                    .as("a replica that is never promoted keeps none").isEmpty();
        }

        @Test
        void aReplicaCopiesALogicalSlotOnceThePrimaryPublishesIt() {
            ClusterView unpublished = Clusters.healthy().config("slots", Map.of("cdc", LOGICAL_CDC)).build();
            ClusterView view = Clusters.healthy().config("slots", Map.of("cdc", LOGICAL_CDC))
                    .slotPosition("cdc", "0/5000100").build();
            LocalState.Builder seen = LocalStates.replica().slots(LocalSlots.UNKNOWN.withPresent(Map.of()));
            expect(decide("pg2", view, LocalStates.replica())).action(NONE)
                    .reason("no action: streaming from leader pg1");
            expect(decide("pg2", unpublished, seen)).action(NONE).reason("no action: streaming from leader pg1");
            Decision d = decide("pg2", view, seen);
            expect(d).action(Action.COPY_SLOTS).target("pg1").reason("copying logical slots [cdc] from the primary"
                    + " pg1: PostgreSQL restarts to load them");
            assertThat(d.slots().permanent()).containsOnlyKeys("cdc");
            assertThat(decide("pg2", view, LocalStates.replica().slots(
                    LocalSlots.UNKNOWN.withPresent(Map.of("cdc", Lsn.parse("0/5000000"))))).action())
                    .as("present: advanced, not copied").isEqualTo(NONE);
            assertThat(decide("pg2", tag("nofailover", true), view, seen).action()).as("nofailover").isEqualTo(NONE);
        }

        @Test
        void aCopyRestartsPostgresAtMostOncePerSlotLeaderAndPublishedPosition() {
            ClusterView view = Clusters.healthy().config("slots", Map.of("cdc", LOGICAL_CDC))
                    .slotPosition("cdc", "0/5000100").build();
            LocalSlots copied = LocalSlots.UNKNOWN.withCopied(List.of("cdc"), "pg1",
                    Map.of("cdc", Lsn.parse("0/5000100")));
            expect(decide("pg2", view, LocalStates.replica().slots(copied))).action(NONE)
                    .reason("no action: streaming from leader pg1");
            expect(decide("pg2", view, LocalStates.replica().slots(copied.withPresent(Map.of())))).action(NONE)
                    .reason("no action: streaming from leader pg1 (logical slots cdc still missing after a copy from"
                            + " pg1: copying again once the primary's slot moves)");
            ClusterView moved = Clusters.healthy().config("slots", Map.of("cdc", LOGICAL_CDC))
                    .slotPosition("cdc", "0/5000200").build();
            expect(decide("pg2", moved, LocalStates.replica().slots(copied.withPresent(Map.of()))))
                    .action(Action.COPY_SLOTS).target("pg1");
            ClusterView newLeader = Clusters.healthy().leader("pg3").config("slots", Map.of("cdc", LOGICAL_CDC))
                    .slotPosition("cdc", "0/5000100").build();
            expect(decide("pg2", newLeader, LocalStates.replica().following("pg3")
                    .slots(copied.withPresent(Map.of())))).action(Action.COPY_SLOTS).target("pg3");
        }

        @Test
        void neitherTheLeaderNorACandidateCopiesSlots() {
            LocalSlots seen = LocalSlots.UNKNOWN.withPresent(Map.of());
            ClusterView led = Clusters.healthy().config("slots", Map.of("cdc", LOGICAL_CDC))
                    .slotPosition("cdc", "0/5000100").build();
            assertThat(decide("pg1", led, LocalStates.of(Databases.primary()).slots(seen)).action())
                    .as("the leader").isEqualTo(RENEW_LEASE);
            ClusterView leaderless = Clusters.healthy().noLeader().config("slots", Map.of("cdc", LOGICAL_CDC))
                    .slotPosition("cdc", "0/5000100").build();
            assertThat(decide("pg2", leaderless, LocalStates.replica().slots(seen)).action())
                    .as("a candidate in the leader race").isNotEqualTo(Action.COPY_SLOTS);
            ClusterView paused = Clusters.healthy().config("slots", Map.of("cdc", LOGICAL_CDC)).config("pause", true)
                    .slotPosition("cdc", "0/5000100").build();
            assertThat(decide("pg2", paused, LocalStates.replica().slots(seen)).action())
                    .as("maintenance mode starts and stops nothing").isNotEqualTo(Action.COPY_SLOTS);
        }

        @Test
        void hotStandbyFeedbackIsForcedWhereLogicalSlotsAreKept() {
            ClusterView view = Clusters.healthy().config("slots", Map.of("cdc", LOGICAL_CDC))
                    .member(member("pg3").replica().tag("replicatefrom", "pg2").tag("nofailover", true)).build();
            DynamicConfig dcs = view.effectiveConfig(DynamicConfig.DEFAULTS);
            assertThat(FailoverSlots.hotStandbyFeedback(view, dcs, "pg2", Tags.NONE)).isTrue();
            assertThat(FailoverSlots.hotStandbyFeedback(view, dcs, "pg3", Tags.NONE.with("nofailover", true)))
                    .as("nofailover keeps no logical slot").isFalse();
            ClusterView cascade = Clusters.healthy().config("slots", Map.of("cdc", LOGICAL_CDC))
                    .member(member("pg3").replica().tag("replicatefrom", "pg2")).build();
            assertThat(FailoverSlots.hotStandbyFeedback(cascade, dcs, "pg2", Tags.NONE.with("nofailover", true)))
                    .as("a member cascading from me keeps them").isTrue();
            ClusterView physical = Clusters.healthy().config("slots", Map.of("consumer", Map.of("type", "physical")))
                    .build();
            assertThat(FailoverSlots.hotStandbyFeedback(physical, physical.effectiveConfig(DynamicConfig.DEFAULTS),
                    "pg2", Tags.NONE)).as("physical slots only").isFalse();
        }

        /**
         * Patroni 4's _get_members_slots with member_slots_ttl above 0 on PostgreSQL 11+: a replica
         * keeps a slot for every other member, the leader's too, and for the names retained in the
         * status key, advanced to the positions the leader publishes, so that whichever node is
         * promoted already holds each member's WAL. Not for nostream members, not on a nofailover
         * replica, not with member_slots_ttl 0; a member cascading from me keeps its (used) slot.
         */
        @Test
        void aReplicaKeepsASlotForEveryMemberAtThePublishedPositions() {
            ClusterView view = Clusters.healthy().member(member("pg4").replica().tag("nostream", true))
                    .member(member("pg5").replica().tag("replicatefrom", "pg2"))
                    .slotPosition("pg1", "0/7000000").slotPosition("pg3", "0/6000000").slotPosition("pg2", "0/1")
                    .retainSlots("pg1", "pg2", "pg9").build();
            Decision d = decide("pg2", view, LocalStates.replica());
            expect(d).action(NONE).reason("no action: streaming from leader pg1");
            assertThat(d.slots().permanent()).containsOnlyKeys("pg1", "pg3", "pg9");
            assertThat(d.slots().permanent().values()).noneMatch(PermanentSlot::logical);
            assertThat(d.slots().positions()).containsOnly(Map.entry("pg1", Lsn.parse("0/7000000")),
                    Map.entry("pg3", Lsn.parse("0/6000000")));
            assertThat(d.slots().memberSlots()).containsExactly("pg5");
            assertThat(d.slots().idleMemberSlots()).as("made again should they carry an xmin")
                    .containsOnly("pg1", "pg3", "pg9");
            assertThat(decide("pg2", tag("nofailover", true), view, LocalStates.replica()).slots().permanent())
                    .as("never promoted: only its cascade's slot").isEmpty();
            ClusterView off = Clusters.healthy().config("member_slots_ttl", 0).build();
            assertThat(decide("pg2", off, LocalStates.replica()).slots().isEmpty()).as("member_slots_ttl 0").isTrue();
            assertThat(decide("pg2", Clusters.healthy().build(), LocalStates.of(Databases.replica().build()
                    .withServer(100000, false)).role(Role.REPLICA).following("pg1")).slots().isEmpty()).as("PostgreSQL 10 cannot advance them").isTrue();
        }

        @Test
        void replicaKeepsTheSlotOfAMemberCascadingFromIt() {
            ClusterView view = Clusters.healthy().member(member("pg3").replica().tag("replicatefrom", "pg2"))
                    .build();
            assertThat(decide("pg2", view, LocalStates.replica()).slots().memberSlots()).containsExactly("pg3");
        }

        @Test
        void replicaFollowsANewLeader() {
            expect(decide("pg2", Clusters.withHealthyLeader(), LocalStates.replica().following("pg3")))
                    .action(FOLLOW).target("pg1").reason("following leader pg1 (was streaming from pg3)");
        }

        @Test
        void replicaFollowingNobodyFollowsTheLeader() {
            expect(decide("pg2", Clusters.withHealthyLeader(), LocalStates.replica().following(Optional.empty())))
                    .action(FOLLOW).target("pg1").reason("following leader pg1");
        }

        @Test
        void nostreamReplicaStopsStreaming() {
            expect(decide("pg2", tag("nostream", true), Clusters.withHealthyLeader(), LocalStates.replica()
                    .following("pg1").upstreamKnown(true)))
                    .action(FOLLOW).noTarget().reason("not streaming (nostream tag): replaying WAL from the archive"
                            + " (restore_command); leader is pg1 (was streaming from pg1)");
        }

        /** Found running at the agent's start: its files may still name an upstream, rewritten once. */
        @Test
        void nostreamReplicaFoundRunningIsConfiguredOnce() {
            LocalState.Builder found = LocalStates.replica().following(Optional.empty()).upstreamKnown(false);
            expect(decide("pg2", tag("nostream", true), Clusters.withHealthyLeader(), found)).action(FOLLOW).noTarget();
            expect(decide("pg2", tag("nostream", true), Clusters.withHealthyLeader(), found.upstreamKnown(true)))
                    .action(NONE).reason("no action: not streaming (nostream tag): replaying WAL from the archive"
                            + " (restore_command); leader is pg1");
        }

        /**
         * Patroni's _get_permanent_slots: a nostream node, and a member cascading from it, keep the
         * permanent physical slots but no logical one (no feedback reaches the primary).
         */
        @Test
        void nostreamReplicaAndItsCascadeKeepNoLogicalPermanentSlot() {
            Map<String, Object> slots = Map.of("consumer", Map.of("type", "physical"), "cdc", LOGICAL_CDC);
            ClusterView view = Clusters.healthy().config("slots", slots).config("member_slots_ttl", 0)
                    .member(member("pg2").replica().tag("nostream", true))
                    .member(member("pg3").replica().tag("replicatefrom", "pg2")).build();
            LocalState.Builder archiveOnly = LocalStates.replica().following(Optional.empty()).upstreamKnown(true);
            assertThat(decide("pg2", tag("nostream", true), view, archiveOnly).slots().permanent())
                    .containsOnlyKeys("consumer");
            assertThat(decide("pg3", tag("replicatefrom", "pg2"), view, LocalStates.replica().following("pg2"))
                    .slots().permanent()).containsOnlyKeys("consumer");
            assertThat(decide("pg2", view, LocalStates.replica()).slots().permanent())
                    .as("without the tag").containsOnlyKeys("consumer", "cdc");
        }

        @Test
        void replicaFollowsItsReplicatefromMember() {
            expect(decide("pg2", tag("replicatefrom", "pg3"), Clusters.withHealthyLeader(), LocalStates.replica()))
                    .action(FOLLOW).target("pg3");
        }

        @Test
        void replicaCascadingFromItsReplicatefromMemberDoesNothing() {
            expect(decide("pg2", tag("replicatefrom", "pg3"), Clusters.withHealthyLeader(),
                    LocalStates.replica().following("pg3")))
                    .action(NONE).reason("no action: streaming from pg3 (replicatefrom; leader is pg1)");
        }

        @Test
        void replicaFallsBackToTheLeaderWhenItsReplicatefromMemberIsDown() {
            ClusterView view = Clusters.healthy().member(member("pg3").stopped()).build();
            expect(decide("pg2", tag("replicatefrom", "pg3"), view, LocalStates.replica().following("pg3")))
                    .action(FOLLOW).target("pg1");
        }

        @Test
        void runningPrimaryWithoutTheKeyDemotesImmediately() {
            expect(decide("pg2", Clusters.withHealthyLeader(), LocalStates.primary()))
                    .action(DEMOTE).demoteMode(DemoteMode.IMMEDIATE).target("pg1")
                    .reason("demoting: pg1 holds the leader key but PostgreSQL runs as primary here");
        }

        @Test
        void divergedRunningReplicaRewinds() {
            LocalState.Builder local = LocalStates.of(Databases.replica("0/3000100").timeline(1)).following("pg1");
            expect(decide("pg2", Clusters.withHealthyLeader(), local))
                    .action(REWIND).target("pg1").reasonContains("goes past where timeline 1 ended (0/3000000)");
        }

        @Test
        void replicaOnAnOldTimelineBeforeTheForkKeepsStreaming() {
            LocalState.Builder local = LocalStates.of(Databases.replica("0/2000000").timeline(1)).following("pg1");
            expect(decide("pg2", Clusters.withHealthyLeader(), local)).action(NONE);
        }

        @Test
        void replicaWaitsForTheLeaderMemberRecord() {
            expect(decide("pg2", Clusters.healthy().without("pg1").build(), LocalStates.replica()))
                    .action(WAIT).reason("waiting: leader pg1 has no member record to follow yet");
        }
    }

    // ---------------------------------------------------------------------------------------------
    @Nested
    class Contract {
        @Test
        void sameInputsGiveTheSameDecision() {
            ClusterView view = Clusters.withHealthyLeader();
            LocalState.Builder local = LocalStates.replica();
            assertThat(decide("pg2", view, local)).isEqualTo(decide("pg2", view, local));
        }

        @Test
        void bootstrapConfigAppliesWhileTheStoreHasNone() {
            Self self = self("pg1", Tags.NONE, DynamicConfig.DEFAULTS.with("pause", true));
            Decision d = Decider.decide(Clusters.withHealthyLeader(), LocalStates.primary().build(), self, NOW);
            expect(d).action(RENEW_LEASE).reasonContains("paused");
        }

        @Test
        void configKeyOverridesTheBootstrapConfig() {
            Self self = self("pg1", Tags.NONE, DynamicConfig.DEFAULTS.with("pause", true));
            ClusterView view = Clusters.healthy().config("pause", false).build();
            Decision d = Decider.decide(view, LocalStates.primary().build(), self, NOW);
            expect(d).action(RENEW_LEASE).reason("no action: I am the leader with the lock");
        }
    }

    /**
     * Section 10 with fast failover ({@code FAST-FAILOVER.md}): pg2, pg1's synchronous standby,
     * sees pg1's heartbeat of its term stand still for 4 s (T_early is 2 s at ttl 30).
     */
    @Nested
    class FastFailoverSection {
        private ClusterView view(boolean fastFailover) {
            Clusters.View v = Clusters.healthy().synchronousMode().sync("pg1", "pg2");
            return (fastFailover ? v.config("fast_failover", true) : v).build();
        }

        private LocalState.Builder replica(io.hapg.core.model.DeathEvidence evidence) {
            return LocalStates.replica().early(new io.hapg.core.model.EarlyEvidence(
                    Optional.of(EarlyTakeoverTest.STALE), Optional.of(evidence)));
        }

        @Test
        void aStaleHeartbeatWithoutEvidenceProbesTheLeader() {
            Decision d = decide("pg2", view(true), replica(io.hapg.core.model.DeathEvidence.none("pg1", 7)));
            expect(d).action(Action.PROBE_LEADER).target("pg1").reasonContains("has not moved", "probing");
        }

        @Test
        void confirmedDeathTakesOverEarly() {
            Decision d = decide("pg2", view(true), replica(EarlyTakeoverTest.CONFIRMED));
            expect(d).action(Action.TAKE_OVER_EARLY).target("pg1").reasonContains("confirmed down");
        }

        @Test
        void withoutTheKeyTheUsualDecision() {
            Decision d = decide("pg2", view(false), replica(EarlyTakeoverTest.CONFIRMED));
            expect(d).action(NONE).reasonContains("streaming from leader pg1");
        }

        @Test
        void inQuorumModeTheKeyIsNotInForce() {
            ClusterView quorum = Clusters.healthy().quorumMode().syncQuorum("pg1", 1, "pg2", "pg3")
                    .config("fast_failover", true).build();
            Decision d = decide("pg2", quorum, replica(EarlyTakeoverTest.CONFIRMED));
            assertThat(d.action()).as(d.toString()).isNotIn(Action.PROBE_LEADER, Action.TAKE_OVER_EARLY);
        }

        @Test
        void noHeartbeatObservedYetIsTheUsualDecision() {
            Decision d = decide("pg2", view(true), LocalStates.replica());
            expect(d).action(NONE).reasonContains("streaming from leader pg1");
        }

        @Test
        void aMovingHeartbeatIsTheUsualDecision() {
            io.hapg.core.model.HeartbeatSeen fresh = new io.hapg.core.model.HeartbeatSeen(101, Optional.of("pg1"), 7,
                    MONO - SECOND / 2);
            Decision d = decide("pg2", view(true), LocalStates.replica().early(new io.hapg.core.model.EarlyEvidence(
                    Optional.of(fresh), Optional.of(EarlyTakeoverTest.CONFIRMED))));
            expect(d).action(NONE).reasonContains("streaming from leader pg1");
        }
    }
}
