package io.hapg.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.config.HaConfig;
import io.hapg.core.decision.Action;
import io.hapg.core.decision.Decision;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.SlotPlan;
import io.hapg.core.spi.ClusterKey;
import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.core.testing.FakeDatabaseNode;
import io.hapg.core.testing.InMemoryConsensus;
import io.hapg.core.testing.InMemoryStore;
import io.hapg.core.testing.LocalStates;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The leader's writes are conditioned on the term its view shows: a leader acting on a view its
 * key has since moved on from (released, taken by another member) writes nothing, while the
 * holder of the current term writes.
 */
class LeaderKeysTest {
    private static final DynamicConfig SYNC_ON = DynamicConfig.fromMap(Map.of("synchronous_mode", true,
            "failsafe_mode", true, "postgresql", Map.of("use_slots", false)));

    private final InMemoryStore store = InMemoryStore.create();
    private final InMemoryConsensus n0 = store.member("n0");
    private final InMemoryConsensus n1 = store.member("n1");

    @Test
    void leaderActingOnAStaleViewCannotWriteSyncButTheCurrentLeaderCan() {
        n0.tryAcquireLeader();
        ClusterView stale = n0.read();
        handOverTo(n1);
        Decision publish = Decision.sync(Action.WRITE_SYNC_KEY, List.of("n2"), "sync: publishing n2");

        keys("n0", n0).writeSync(publish, stale, SYNC_ON);
        assertThat(n1.read().sync().syncStandbys()).as("the stale leader's write").isEmpty();

        keys("n1", n1).writeSync(publish, n1.read(), SYNC_ON);
        assertThat(n1.read().sync().leader()).contains("n1");
        assertThat(n1.read().sync().syncStandbys()).containsExactly("n2");
    }

    @Test
    void leaderActingOnAStaleViewFillsInNoClusterKey() {
        n0.tryAcquireLeader();
        ClusterView stale = n0.read();
        handOverTo(n1);
        LocalState primary = LocalStates.primary().build();
        Decision renew = Decision.of(Action.RENEW_LEASE, "no action: I am the leader with the lock");

        keys("n0", n0).keep(renew, stale, primary, SYNC_ON);
        ClusterView after = n1.read();
        assertThat(after.initialize()).isEmpty();
        assertThat(after.config()).isEmpty();
        assertThat(after.failsafe()).isEmpty();

        keys("n1", n1).keep(renew, after, primary, SYNC_ON);
        ClusterView kept = n1.read();
        assertThat(kept.initialize()).isPresent();
        assertThat(kept.config()).isPresent();
        assertThat(kept.failsafe()).isPresent();
    }

    /** Garbage in the initialize key (issue #12, GarbageKeysIT) is replaced by the leader's system identifier. */
    @Test
    void leaderReplacesGarbageInTheInitializeKeyWithItsSystemIdentifier() {
        n0.tryAcquireLeader();
        LocalState primary = LocalStates.primary().build();
        Decision renew = Decision.of(Action.RENEW_LEASE, "no action: I am the leader with the lock");
        assertThat(n0.compareAndSet(ClusterKey.INITIALIZE, -1, Optional.of("\u00ff{garbage"))).isTrue();
        assertThat(n0.read().systemIdentifier()).isEmpty();

        keys("n0", n0).keep(renew, n0.read(), primary, SYNC_ON);
        assertThat(n0.read().initialize()).isEqualTo(primary.database().systemIdentifier());
        assertThat(n0.read().systemIdentifier()).isPresent();
    }

    /**
     * A node that leads again after a spell as a replica (demoted, perhaps rewound or re-cloned, which
     * drops its slots) ensures its members' slots again, even though the wanted set is the same.
     */
    @Test
    void slotsAreEnsuredAgainWhenTheNodeLeadsAgain() {
        FakeDatabaseNode db = leadingDatabase();
        LeaderKeys keys = new LeaderKeys(HaConfig.builder().scope("term").name("n0").build(), n0, db);
        DynamicConfig noRetention = DynamicConfig.fromMap(Map.of("member_slots_ttl", 0));

        keys.keep(RENEW, n0.read(), LocalStates.primary().build(), noRetention);
        keys.keep(RENEW, n0.read(), LocalStates.primary().build(), noRetention);
        assertThat(db.count("ensureSlots")).as("an unchanged set is not ensured every loop").isEqualTo(1);
        assertThat(keys.slotPositions()).as("member slots' positions are not published").isEmpty();

        // The loop calls keep() only while this node leads: losing and winning the key again is a new term.
        assertThat(n0.releaseLeader()).isTrue();
        assertThat(n0.tryAcquireLeader()).isTrue();
        keys.keep(RENEW, n0.read(), LocalStates.primary().build(), noRetention);
        assertThat(db.count("ensureSlots")).as("leading again, in a new term").isEqualTo(2);
    }

    /**
     * With member_slots_ttl above 0 (Patroni 4) replicas keep every member's slot at the positions
     * the leader publishes: so it keeps its slots every loop and publishes its own slot at its WAL
     * position, which replicas keep for it.
     */
    @Test
    void withMemberSlotsTtlTheLeaderPublishesItsOwnSlotEveryLoop() {
        FakeDatabaseNode db = leadingDatabase();
        LeaderKeys keys = new LeaderKeys(HaConfig.builder().scope("term").name("n0").build(), n0, db);
        LocalState primary = LocalStates.primary().build();

        keys.keep(RENEW, n0.read(), primary, DynamicConfig.DEFAULTS);
        keys.keep(RENEW, n0.read(), primary, DynamicConfig.DEFAULTS);
        assertThat(db.count("ensureSlots")).as("every loop: positions move").isEqualTo(2);
        assertThat(keys.slotPositions()).containsOnly(Map.entry("n0", primary.database().walPosition().orElseThrow()));

        // Alone (no member slots, no permanent ones): nothing moves, so no query each loop.
        FakeDatabaseNode alone = FakeDatabaseNode.standalone("n0");
        alone.bootstrap();
        LeaderKeys single = new LeaderKeys(HaConfig.builder().scope("term").name("n0").build(), n0, alone);
        Decision renewAlone = Decision.renew(SlotPlan.ofMembers(Set.of()), "no action: I am the leader with the lock");
        single.keep(renewAlone, n0.read(), primary, DynamicConfig.DEFAULTS);
        single.keep(renewAlone, n0.read(), primary, DynamicConfig.DEFAULTS);
        assertThat(alone.count("ensureSlots")).isEqualTo(1);
        assertThat(single.slotPositions()).containsOnlyKeys("n0");
    }

    /** n0 leading, with a running database; keeping its members' slots n1 and n2. */
    private FakeDatabaseNode leadingDatabase() {
        n0.tryAcquireLeader();
        FakeDatabaseNode db = FakeDatabaseNode.standalone("n0");
        db.bootstrap();
        return db;
    }

    private static final Decision RENEW = Decision.renew(SlotPlan.ofMembers(Set.of("n1", "n2")),
            "no action: I am the leader with the lock");

    private void handOverTo(InMemoryConsensus next) {
        assertThat(n0.releaseLeader()).isTrue();
        assertThat(next.tryAcquireLeader()).isTrue();
    }

    /**
     * PostgreSQL that cannot be reached for the slots this iteration (just thawed, overloaded) costs
     * the slots, not the leader's other keys, and the next iteration ensures them again
     * (FastFailoverIT logged "unexpected error in the HA loop" for it, and wrote no key that loop).
     */
    @Test
    void slotsThatCannotBeKeptThisIterationLeaveTheOtherKeysAndAreTriedAgain() {
        n0.tryAcquireLeader();
        FakeDatabaseNode db = FakeDatabaseNode.standalone("n0");
        LeaderKeys keys = new LeaderKeys(HaConfig.builder().scope("term").name("n0").build(), n0, db);
        DynamicConfig slotsOn = DynamicConfig.fromMap(Map.of("failsafe_mode", true));
        LocalState primary = LocalStates.primary().build();
        Decision renew = Decision.renew(SlotPlan.ofMembers(Set.of("n1")), "no action: I am the leader with the lock");
        db.failNext("ensureSlots", new DatabaseUnavailableException("n0: connection attempt timed out"));

        keys.keep(renew, n0.read(), primary, slotsOn);
        assertThat(n0.read().initialize()).as("the leader's keys, slots or not").isPresent();
        assertThat(n0.read().failsafe()).isPresent();
        int calls = db.count("ensureSlots");

        keys.keep(renew, n0.read(), primary, slotsOn);
        assertThat(db.count("ensureSlots")).as("tried again next iteration").isEqualTo(calls + 1);
    }

    private static LeaderKeys keys(String name, InMemoryConsensus consensus) {
        HaConfig config = HaConfig.builder().scope("term").name(name).build();
        return new LeaderKeys(config, consensus, FakeDatabaseNode.standalone(name));
    }
}
