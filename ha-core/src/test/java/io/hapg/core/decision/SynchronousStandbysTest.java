package io.hapg.core.decision;

import static io.hapg.core.decision.Action.RENEW_LEASE;
import static io.hapg.core.decision.Action.SET_SYNC_STANDBYS;
import static io.hapg.core.decision.Action.WRITE_SYNC_KEY;
import static io.hapg.core.decision.DeciderTest.decide;
import static io.hapg.core.decision.DeciderTest.expect;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.SynchronousStandbyNames;
import io.hapg.core.model.SynchronousStandbyNames.Method;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.Databases;
import io.hapg.core.testing.LocalStates;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Synchronous mode as the leader, beyond the ordering contract of {@link DeciderTest}: a standby
 * enters the sync key only once it is synchronous in fact (Patroni's replica readiness), and any
 * {@code synchronous_standby_names} form but hapg's own is rewritten.
 */
class SynchronousStandbysTest {
    static final String BEHIND = "0/4000000";
    static final String CHANGE = "0/5000000";

    static ClusterView sync(String keyLeader, String... keyStandbys) {
        return Clusters.healthy().synchronousMode().sync(keyLeader, keyStandbys).build();
    }

    static ClusterView syncOfTwo(String keyLeader, String... keyStandbys) {
        return Clusters.healthy().synchronousMode().config("synchronous_node_count", 2)
                .sync(keyLeader, keyStandbys).build();
    }

    /** pg1 runs as primary with pg2 in its setting, synchronous in PostgreSQL's eyes, flushed up to {@code flushed}. */
    static Databases.Db pg2Named(String flushed) {
        return Databases.primary().synchronous("pg2", flushed).syncStandbys("pg2");
    }

    @Nested
    class Readiness {
        @Test
        void standbyBehindTheFlushPositionOfTheChangeIsNotPublished() {
            // pg2 replaced a standby that died: commits acknowledged through that one may be
            // beyond what pg2 has flushed, so pg2 must not be able to promote yet.
            LocalState.Builder local = LocalStates.of(pg2Named(BEHIND).syncChangedAt(CHANGE));
            expect(decide("pg1", sync("pg1"), local))
                    .action(RENEW_LEASE)
                    .reason("no action: I am the leader with the lock; pg2 not yet synchronous and caught up with "
                            + "the flush position of the last synchronous_standby_names change");
        }

        @Test
        void standbyIsPublishedOnceItReachesTheFlushPositionOfTheChange() {
            LocalState.Builder local = LocalStates.of(pg2Named(CHANGE).syncChangedAt(CHANGE));
            expect(decide("pg1", sync("pg1"), local))
                    .action(WRITE_SYNC_KEY).syncStandbys("pg2")
                    .reason("sync: publishing [pg2] in the sync key (was (leader pg1, standbys []))");
        }

        @Test
        void standbyThatPostgresqlDoesNotCountAsSyncIsNotPublished() {
            // Caught up, but pg_stat_replication still says async (the reload has not reached its walsender).
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg2", Clusters.POSITION)
                    .syncStandbys("pg2").syncChangedAt(CHANGE));
            expect(decide("pg1", sync("pg1"), local)).action(RENEW_LEASE).reasonContains("pg2 not yet synchronous");
        }

        @Test
        void withoutAKnownChangePositionNoNewStandbyIsPublished() {
            LocalState.Builder local = LocalStates.of(pg2Named(Clusters.POSITION));
            expect(decide("pg1", sync("pg1"), local)).action(RENEW_LEASE).reasonContains("pg2 not yet synchronous");
        }

        @Test
        void newLeaderClaimsTheKeyWithOnlyTheStandbysThatCaughtUp() {
            LocalState.Builder local = LocalStates.of(pg2Named(BEHIND).syncChangedAt(CHANGE));
            expect(decide("pg1", sync("pg3", "pg2"), local))
                    .action(WRITE_SYNC_KEY).syncStandbys()
                    .reasonContains("publishing [] in the sync key (was (leader pg3, standbys [pg2]))",
                            "pg2 not yet synchronous");
        }

        @Test
        void publishedStandbyStaysInTheKeyWhileItLagsALittle() {
            // Once published, every commit has waited for it: a later change position does not demote it.
            LocalState.Builder local = LocalStates.of(pg2Named(BEHIND).syncChangedAt(CHANGE));
            expect(decide("pg1", sync("pg1", "pg2"), local))
                    .action(RENEW_LEASE).reason("no action: I am the leader with the lock");
        }

        @Test
        void growingNodeCountPublishesTheSecondStandbyOnlyOnceCaughtUp() {
            LocalState.Builder behind = LocalStates.of(Databases.primary().synchronous("pg2", CHANGE)
                    .synchronous("pg3", BEHIND).syncStandbys("pg2", "pg3").syncChangedAt(CHANGE));
            expect(decide("pg1", syncOfTwo("pg1", "pg2"), behind))
                    .action(RENEW_LEASE).reasonContains("pg3 not yet synchronous");
            LocalState.Builder caughtUp = LocalStates.of(Databases.primary().synchronous("pg2", CHANGE)
                    .synchronous("pg3", CHANGE).syncStandbys("pg2", "pg3").syncChangedAt(CHANGE));
            expect(decide("pg1", syncOfTwo("pg1", "pg2"), caughtUp))
                    .action(WRITE_SYNC_KEY).syncStandbys("pg2", "pg3");
        }

        @Test
        void onlyTheCaughtUpStandbyIsPublishedWhenTheOtherLags() {
            LocalState.Builder local = LocalStates.of(Databases.primary().synchronous("pg2", CHANGE)
                    .synchronous("pg3", BEHIND).syncStandbys("pg2", "pg3").syncChangedAt(CHANGE));
            expect(decide("pg1", syncOfTwo("pg1"), local))
                    .action(WRITE_SYNC_KEY).syncStandbys("pg2").reasonContains("pg3 not yet synchronous");
        }
    }

    @Nested
    class SettingForm {
        LocalState.Builder primaryWith(SynchronousStandbyNames setting, String... names) {
            return LocalStates.of(Databases.primary().synchronous("pg2", Clusters.POSITION)
                    .synchronous("pg3", Clusters.POSITION).syncStandbys(names).syncSetting(setting)
                    .syncChangedAt(CHANGE));
        }

        @Test
        void quorumFormWithTheRightNamesLeavesTheKeyThenIsRewritten() {
            // ANY 1 (pg2, pg3) waits for one of them: neither is sure to hold every commit, so the
            // key drops both before the setting changes, and they return once caught up again.
            SynchronousStandbyNames any = new SynchronousStandbyNames(Method.ANY, 1, List.of("pg2", "pg3"));
            expect(decide("pg1", syncOfTwo("pg1", "pg2", "pg3"), primaryWith(any, "pg2", "pg3")))
                    .action(WRITE_SYNC_KEY).syncStandbys()
                    .reason("sync: removing pg2, pg3 from the sync key before dropping it from "
                            + "synchronous_standby_names");
            expect(decide("pg1", syncOfTwo("pg1"), primaryWith(any, "pg2", "pg3")))
                    .action(SET_SYNC_STANDBYS).syncStandbys("pg2", "pg3")
                    .reason("sync: setting synchronous_standby_names to [pg2, pg3] (was [pg2, pg3], as ANY 1 "
                            + "[pg2, pg3])");
        }

        @Test
        void handClearedSettingTakesTheStandbyOutOfTheKeyFirst() {
            LocalState.Builder local = LocalStates.of(Databases.primary().synchronous("pg2", Clusters.POSITION)
                    .syncChangedAt(CHANGE));
            expect(decide("pg1", sync("pg1", "pg2"), local))
                    .action(WRITE_SYNC_KEY).syncStandbys().reasonContains("removing pg2 from the sync key");
        }

        @Test
        void plainListIsFirstOneAndIsRewritten() {
            // 'pg2, pg3' is FIRST 1 (pg2, pg3): a commit waits for one of them only.
            SynchronousStandbyNames plain = new SynchronousStandbyNames(Method.FIRST, 1, List.of("pg2", "pg3"));
            expect(decide("pg1", syncOfTwo("pg1"), primaryWith(plain, "pg2", "pg3")))
                    .action(SET_SYNC_STANDBYS).syncStandbys("pg2", "pg3");
        }

        @Test
        void starIsRewritten() {
            SynchronousStandbyNames star = new SynchronousStandbyNames(Method.FIRST, 1, List.of("*"));
            expect(decide("pg1", sync("pg1"), primaryWith(star)))
                    .action(SET_SYNC_STANDBYS).syncStandbys("pg2");
        }

        @Test
        void singleNameWithoutParenthesesIsHapgsForm() {
            SynchronousStandbyNames single = new SynchronousStandbyNames(Method.FIRST, 1, List.of("pg2"));
            expect(decide("pg1", sync("pg1", "pg2"), primaryWith(single, "pg2"))).action(RENEW_LEASE);
        }

        @Test
        void strictPlaceholderIsClearedWhenNotStrictAndNoStandbyStreams() {
            SynchronousStandbyNames placeholder = new SynchronousStandbyNames(Method.FIRST, 1,
                    List.of("__patroni_strict_sync_replica_placeholder__"));
            LocalState.Builder local = LocalStates.of(Databases.primary().syncSetting(placeholder));
            expect(decide("pg1", sync("pg1"), local))
                    .action(SET_SYNC_STANDBYS).syncStandbys()
                    .reasonContains("running standalone");
        }

        @Test
        void synchronousModeOffClearsAHandSetStar() {
            ClusterView view = Clusters.healthy().build();
            SynchronousStandbyNames star = new SynchronousStandbyNames(Method.FIRST, 1, List.of("*"));
            LocalState.Builder local = LocalStates.of(Databases.primary().syncSetting(star));
            expect(decide("pg1", view, local))
                    .action(SET_SYNC_STANDBYS).syncStandbys()
                    .reason("sync: synchronous_mode is off: clearing synchronous_standby_names [*], as FIRST 1 [*]");
        }
    }

    /**
     * Patroni's {@code maximum_lag_on_syncnode}: a standby whose flush position lags the furthest
     * standby's (with one standby, the primary's WAL position) by more than the value is not picked,
     * and a synchronous one that falls that far behind is replaced, in the usual safe order.
     */
    @Nested
    class SyncPriority {
        /** pg2 is synchronous now and pg3 streams as far; only their sync_priority tags differ. */
        LocalState.Builder pg2Synchronous() {
            return LocalStates.of(Databases.primary().synchronous("pg2", Clusters.POSITION)
                    .streaming("pg3", Clusters.POSITION).syncStandbys("pg2").syncChangedAt(CHANGE));
        }

        ClusterView view(Object pg2Priority, Object pg3Priority) {
            return Clusters.healthy().synchronousMode()
                    .member(Clusters.member("pg2").replica().tag("sync_priority", pg2Priority))
                    .member(Clusters.member("pg3").replica().tag("sync_priority", pg3Priority))
                    .sync("pg1", "pg2").build();
        }

        @Test
        void aHigherSyncPriorityIsPreferredOverTheCurrentStandby() {
            // Patroni's _ReplicaList sorts by (sync_priority, sync_state, lsn), highest first.
            expect(decide("pg1", view(1, 2), pg2Synchronous()))
                    .action(WRITE_SYNC_KEY).syncStandbys()
                    .reasonContains("removing pg2 from the sync key");
        }

        @Test
        void equalPrioritiesKeepTheCurrentStandby() {
            expect(decide("pg1", view(2, 2), pg2Synchronous()))
                    .action(RENEW_LEASE).reason("no action: I am the leader with the lock");
        }
    }

    @Nested
    class MaximumLagOnSyncnode {
        /** 0/5000060 - 0/4000000. */
        static final long PG2_LAG = 0x1000060;

        ClusterView view(Object maxLag, int count, String... keyStandbys) {
            return Clusters.healthy().synchronousMode().config("maximum_lag_on_syncnode", maxLag)
                    .config("synchronous_node_count", count).sync("pg1", keyStandbys).build();
        }

        /** pg2 is the synchronous standby but stopped flushing at {@link #BEHIND}; pg3 streams at the head. */
        LocalState.Builder pg2Hung() {
            return LocalStates.of(Databases.primary().synchronous("pg2", BEHIND)
                    .streaming("pg3", Clusters.POSITION).syncStandbys("pg2").syncChangedAt(CHANGE));
        }

        @Test
        void laggingSynchronousStandbyLeavesTheKeyFirst() {
            expect(decide("pg1", view(1000, 1, "pg2"), pg2Hung()))
                    .action(WRITE_SYNC_KEY).syncStandbys()
                    .reason("sync: removing pg2 from the sync key before dropping it from synchronous_standby_names"
                            + " (pg2 lags " + PG2_LAG + " bytes, more than maximum_lag_on_syncnode 1000)");
        }

        @Test
        void thenTheSettingNamesTheStandbyThatKeepsUp() {
            expect(decide("pg1", view(1000, 1), pg2Hung()))
                    .action(SET_SYNC_STANDBYS).syncStandbys("pg3")
                    .reason("sync: setting synchronous_standby_names to [pg3] (was [pg2])"
                            + " (pg2 lags " + PG2_LAG + " bytes, more than maximum_lag_on_syncnode 1000)");
        }

        @Test
        void lagWithinTheLimitKeepsTheStandby() {
            expect(decide("pg1", view(PG2_LAG, 1, "pg2"), pg2Hung()))
                    .action(RENEW_LEASE).reason("no action: I am the leader with the lock");
        }

        @Test
        void zeroOrLessNeverSwaps() {
            for (Object off : List.of(0, -1, "-1")) {
                expect(decide("pg1", view(off, 1, "pg2"), pg2Hung()))
                        .action(RENEW_LEASE).reason("no action: I am the leader with the lock");
            }
        }

        @Test
        void laggingStandbyIsNotPickedAsASecondOne() {
            LocalState.Builder local = LocalStates.of(Databases.primary().streaming("pg2", BEHIND)
                    .synchronous("pg3", Clusters.POSITION).syncStandbys("pg3").syncChangedAt(CHANGE));
            expect(decide("pg1", view(1000, 2, "pg3"), local))
                    .action(RENEW_LEASE).reason("no action: I am the leader with the lock");
            expect(decide("pg1", view(-1, 2, "pg3"), local))
                    .action(SET_SYNC_STANDBYS).syncStandbys("pg3", "pg2");
        }

        @Test
        void aSingleStandbyIsMeasuredAgainstThePrimarysWalPosition() {
            LocalState.Builder local = LocalStates.of(Databases.primary().synchronous("pg2", BEHIND)
                    .syncStandbys("pg2").syncChangedAt(CHANGE));
            expect(decide("pg1", view(1000, 1, "pg2"), local))
                    .action(WRITE_SYNC_KEY).syncStandbys()
                    .reasonContains("pg2 lags " + PG2_LAG + " bytes");
        }
    }
}
