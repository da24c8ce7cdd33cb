package io.hapg.postgres;

import static io.hapg.postgres.TestNodes.await;
import static io.hapg.postgres.TestNodes.awaitCaughtUp;
import static io.hapg.postgres.TestNodes.member;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.decision.Action;
import io.hapg.core.decision.Decider;
import io.hapg.core.decision.Decision;
import io.hapg.core.decision.Now;
import io.hapg.core.decision.Self;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Role;
import io.hapg.core.model.SynchronousStandbyNames;
import io.hapg.core.model.SynchronousStandbyNames.Method;
import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import io.hapg.testkit.Pids;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The leader's synchronous-standby rule on real servers: the decision engine fed by real probes,
 * its steps applied to real PostgreSQL, the sync key kept in a local view (the store plays no
 * part in what is checked). A hand-set {@code synchronous_standby_names} in another form is
 * rewritten; a standby is published in the sync key only once it is synchronous and has flushed
 * what the primary had flushed when the setting changed.
 */
@Timeout(180)
class SynchronousStandbyPublicationIT {
    private static final Now NOW = new Now(5_000_000_000_000L, Instant.parse("2025-03-01T12:00:00Z"));

    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private final TestNodes nodes = logs.watch(new TestNodes());
    private final List<Long> frozen = new ArrayList<>();
    /** The bootstrapped cluster's system identifier, for the view's initialize key. */
    private String sysid;

    @AfterEach
    void stop() {
        frozen.forEach(pid -> Pids.signal(pid, "CONT"));
        nodes.close();
    }

    @Test
    void handSetFormsAreRewrittenToEveryStandbyConfirmingEachCommit() {
        PostgresNode pg1 = nodes.node("pg1");
        PostgresNode pg2 = nodes.node("pg2");
        PostgresNode pg3 = nodes.node("pg3");
        pg1.bootstrap();
        sysid = pg1.probe().systemIdentifier().orElseThrow();
        pg1.ensureSlots(Set.of("pg2", "pg3"));
        pg2.cloneFrom(member(pg1));
        pg3.cloneFrom(member(pg1));
        awaitCaughtUp(pg2, pg1);
        awaitCaughtUp(pg3, pg1);
        List<String> both = List.of("pg2", "pg3");
        ClusterView view = converge(pg1, keyOfTwo(List.of()), both);

        for (String handSet : List.of("ANY 1 (pg2, pg3)", "pg2, pg3", "*", "ANY 2 (\"pg2\", pg3)")) {
            TestNodes.execute(pg1, "ALTER SYSTEM SET synchronous_standby_names = '" + handSet.replace("'", "''") + "'");
            TestNodes.execute(pg1, "SELECT pg_catalog.pg_reload_conf()");
            await("the hand-set value shows", Duration.ofSeconds(10),
                    () -> TestNodes.value(pg1, "SHOW synchronous_standby_names").equals(handSet));
            DatabaseState db = pg1.probe();
            assertThat(db.synchronousSetting().isAllOf(both)).as("%s read as %s", handSet, db.synchronousSetting())
                    .isFalse();

            Decision first = decide(view, db);
            assertThat(first.action()).as("first step for %s: %s", handSet, first)
                    .isEqualTo(Action.WRITE_SYNC_KEY);
            assertThat(first.syncStandbys()).as("the key lets go of standbys %s does not wait for", handSet)
                    .isEmpty();
            view = converge(pg1, keyOfTwo(first.syncStandbys()), both);
            assertThat(TestNodes.value(pg1, "SHOW synchronous_standby_names"))
                    .as("rewritten from %s", handSet).isEqualTo("FIRST 2 (\"pg2\", \"pg3\")");
            assertThat(view.sync().syncStandbys()).containsExactlyInAnyOrderElementsOf(both);
        }
        assertThat(pg1.probe().synchronousSetting()).isEqualTo(new SynchronousStandbyNames(Method.FIRST, 2, both));
    }

    @Test
    void standbyBehindTheChangeEntersTheKeyOnlyOnceItCatchesUp() {
        PostgresNode pg1 = nodes.node("pg1");
        PostgresNode pg2 = nodes.node("pg2");
        pg1.bootstrap();
        sysid = pg1.probe().systemIdentifier().orElseThrow();
        pg1.ensureSlots(Set.of("pg2"));
        pg2.cloneFrom(member(pg1));
        awaitCaughtUp(pg2, pg1);
        TestNodes.execute(pg1, "CREATE TABLE t (v int)");

        // pg2 keeps its connection (its walsender still says streaming) but flushes nothing more,
        // while the primary, standalone, acknowledges commits pg2 does not have.
        long walReceiver = Long.parseLong(TestNodes.value(pg2, "SELECT pid FROM pg_catalog.pg_stat_wal_receiver"));
        Pids.signal(walReceiver, "STOP");
        frozen.add(walReceiver);
        TestNodes.execute(pg1, "INSERT INTO t SELECT generate_series(1, 20000)");
        ClusterView view = Clusters.healthy().initialize(sysid).synchronousMode().sync("pg1").build();

        Decision add = decide(view, pg1.probe());
        assertThat(add.action()).as("%s", add).isEqualTo(Action.SET_SYNC_STANDBYS);
        assertThat(add.syncStandbys()).containsExactly("pg2");
        pg1.setSynchronousStandbys(add.syncStandbys(), false);
        await("PostgreSQL counts pg2 as synchronous", Duration.ofSeconds(10), () -> pg1.probe().replication()
                .stream().anyMatch(p -> p.applicationName().equals("pg2") && p.syncState().equals("sync")));

        DatabaseState behind = pg1.probe();
        Lsn change = behind.syncChangeLsn().orElseThrow();
        Lsn pg2Flushed = behind.replication().get(0).flushLsn().orElseThrow();
        assertThat(pg2Flushed).as("pg2 lacks commits acknowledged before the change at %s", change)
                .isLessThan(change);
        Decision waiting = decide(view, behind);
        assertThat(waiting.action()).as("%s", waiting).isEqualTo(Action.RENEW_LEASE);
        assertThat(waiting.reason()).contains("pg2 not yet synchronous and caught up");

        Pids.signal(walReceiver, "CONT");
        frozen.remove(walReceiver);
        await("pg2 is published once it has flushed " + change, Duration.ofSeconds(30), () -> {
            Decision d = decide(view, pg1.probe());
            return d.action() == Action.WRITE_SYNC_KEY && d.syncStandbys().equals(List.of("pg2"));
        });
        DatabaseState caughtUp = pg1.probe();
        assertThat(caughtUp.replication().get(0).flushLsn().orElseThrow()).isGreaterThanOrEqualTo(change);
        assertThat(caughtUp.syncChangeLsn()).as("the change position stays until the setting changes again")
                .contains(change);
    }

    private ClusterView keyOfTwo(List<String> standbys) {
        return Clusters.healthy().initialize(sysid).synchronousMode().config("synchronous_node_count", 2)
                .sync("pg1", standbys.toArray(String[]::new)).build();
    }

    private static Decision decide(ClusterView view, DatabaseState db) {
        return Decider.decide(view, LocalStates.of(db).role(Role.PRIMARY).build(),
                new Self("pg1", Clusters.SCOPE, Tags.NONE, DynamicConfig.DEFAULTS), NOW);
    }

    /**
     * Carries out the engine's synchronous steps on {@code primary} (the setting for real, the key
     * in the returned view) until it has nothing left to do and {@code wanted} are published.
     */
    private ClusterView converge(PostgresNode primary, ClusterView start, List<String> wanted) {
        ClusterView[] view = {start};
        await(wanted + " in the setting and the key", Duration.ofSeconds(30), () -> {
            Decision d = decide(view[0], primary.probe());
            switch (d.action()) {
                case SET_SYNC_STANDBYS:
                    primary.setSynchronousStandbys(d.syncStandbys(), false);
                    return false;
                case WRITE_SYNC_KEY:
                    view[0] = keyOfTwo(d.syncStandbys());
                    return false;
                case RENEW_LEASE:
                    return view[0].sync().syncStandbys().containsAll(wanted);
                default:
                    throw new AssertionError("unexpected step " + d);
            }
        });
        return view[0];
    }
}
