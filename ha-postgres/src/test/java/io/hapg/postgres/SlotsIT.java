package io.hapg.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.IgnoreSlot;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.PermanentSlot;
import io.hapg.core.model.SlotPlan;
import io.hapg.core.spi.DatabaseNode.StopMode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ensureSlots} on a real primary: member and permanent slots are created (a logical one in
 * its database with its plugin), a physical slot nobody wants is dropped unless {@code ignore_slots}
 * matches it, a logical slot outside the plan is never dropped, a permanent slot of the wrong type
 * is re-created, and the member and permanent slots' positions are returned for the {@code status} key.
 */
@Timeout(120)
class SlotsIT {
    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private final TestNodes nodes = logs.watch(new TestNodes());

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void thePrimaryKeepsThePlanAndOnlyThePlan() {
        PostgresNode n1 = nodes.node("n1");
        n1.bootstrap();
        assertThat(n1.configure(Map.of("wal_level", "logical"))).isTrue();
        n1.stop(StopMode.FAST);
        n1.start(Optional.empty());
        TestNodes.execute(n1, "SELECT pg_catalog.pg_create_physical_replication_slot('stray', true)");
        TestNodes.execute(n1, "SELECT pg_catalog.pg_create_physical_replication_slot('barman', true)");
        TestNodes.execute(n1, "SELECT pg_catalog.pg_create_logical_replication_slot('someone_elses', 'test_decoding')");
        TestNodes.execute(n1, "SELECT pg_catalog.pg_create_logical_replication_slot('consumer', 'test_decoding')");

        SlotPlan plan = new SlotPlan(true, Set.of("n1", "n2"), Map.of(
                "consumer", PermanentSlot.physical("consumer"),
                "cdc", PermanentSlot.logical("cdc", "postgres", "test_decoding")),
                List.of(new IgnoreSlot(Optional.of("barman"), Optional.of("physical"), Optional.empty(),
                        Optional.empty())), Map.of());
        Map<String, Lsn> positions = n1.ensureSlots(plan);

        assertThat(slots(n1)).containsExactlyInAnyOrder("n2 physical", "barman physical", "consumer physical",
                "cdc logical postgres test_decoding", "someone_elses logical postgres test_decoding");
        assertThat(positions).as("the member and permanent slots' positions").containsOnlyKeys("n2", "consumer", "cdc");

        // Not ignored any more: dropped on the next call; the logical one nobody listed stays.
        positions = n1.ensureSlots(new SlotPlan(true, Set.of("n2"), plan.permanent(), List.of(), Map.of()));
        assertThat(slots(n1)).containsExactlyInAnyOrder("n2 physical", "consumer physical",
                "cdc logical postgres test_decoding", "someone_elses logical postgres test_decoding");
        assertThat(positions.get("consumer")).isNotNull();
    }

    /**
     * Patroni's {@code _ensure_physical_slots}: a member's slot kept for after a failover, which
     * nobody streams through here, is dropped and made again when it carries an {@code xmin} (left
     * by a standby with {@code hot_standby_feedback} while this node was primary): the frozen
     * {@code xmin} would reach the primary in this node's own feedback and hold back its vacuum.
     */
    @Test
    void anIdleMemberSlotWithAnXminIsMadeAgain() {
        PostgresNode n1 = nodes.node("n1");
        PostgresNode n2 = nodes.node("n2");
        n1.bootstrap();
        n1.ensureSlots(Set.of("n2"));
        n2.cloneFrom(TestNodes.member(n1));
        TestNodes.execute(n2, "ALTER SYSTEM SET hot_standby_feedback = on");
        TestNodes.execute(n2, "SELECT pg_catalog.pg_reload_conf()");
        TestNodes.await("n2's feedback sets the xmin of its slot on n1", java.time.Duration.ofSeconds(60),
                () -> "t".equals(TestNodes.value(n1, "SELECT xmin IS NOT NULL FROM pg_catalog.pg_replication_slots"
                        + " WHERE slot_name = 'n2'")));
        n2.stop(StopMode.FAST);
        Map<String, PermanentSlot> kept = Map.of("n2", PermanentSlot.physical("n2"));

        n1.ensureSlots(new SlotPlan(true, Set.of(), kept, List.of(), Map.of()));
        assertThat(xmin(n1, "n2")).as("a permanent slot keeps its xmin").isEqualTo("t");
        n1.ensureSlots(new SlotPlan(true, Set.of(), kept, List.of(), Map.of(), Set.of("n2")));
        assertThat(xmin(n1, "n2")).as("an idle member slot is made again without it").isEqualTo("f");
    }

    private static String xmin(PostgresNode node, String slot) {
        return TestNodes.value(node, "SELECT xmin IS NOT NULL FROM pg_catalog.pg_replication_slots WHERE slot_name = '"
                + slot + "'");
    }

    private static List<String> slots(PostgresNode node) {
        return TestNodes.query(node, "SELECT concat_ws(' ', slot_name, slot_type, database, plugin)"
                + " FROM pg_catalog.pg_replication_slots").stream().map(r -> r.get(0)).collect(Collectors.toList());
    }
}
