package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.PermanentSlot;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Patroni's permanent slots and {@code ignore_slots} on a real three-node cluster: the permanent
 * physical slot {@code consumer} is kept on every member and advanced on the replicas to the
 * primary's position (published in the {@code status} key), so that after the primary dies the
 * new primary still has it, no earlier than the consumer had got; a slot made by hand that
 * {@code ignore_slots} covers is kept, one it does not cover is dropped. The logical permanent
 * slot {@code cdc} is copied to the replicas (Patroni's failover slots) with
 * {@code hot_standby_feedback} forced on, advanced there to where its consumer confirmed, and used
 * as it is by the new primary: the consumer, reading there, gets every change it had not read.
 * Then {@code member_slots_ttl}: absent members keep their slots for it, or lose them at once with 0.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PermanentSlotsIT {
    private static final String CONFIRMED = "SELECT confirmed_flush_lsn::text FROM pg_catalog.pg_replication_slots"
            + " WHERE slot_name = 'cdc' AND slot_type = 'logical' AND database = 'postgres'";
    private static final String CONSUME = "SELECT data FROM pg_catalog.pg_logical_slot_get_changes('cdc', NULL, NULL)";
    private static final String SLOT_LSN = "SELECT restart_lsn::text FROM pg_catalog.pg_replication_slots"
            + " WHERE slot_name = '%s' AND slot_type = 'physical'";

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aPermanentPhysicalSlotSurvivesAFailoverAndIgnoredSlotsAreKept() {
        cluster = E2e.cluster("perm-slots")
                .dcs("slots", Map.of("consumer", Map.of("type", "physical"),
                        "cdc", Map.of("type", "logical", "database", "postgres", "plugin", "test_decoding")))
                .pgParameter("wal_level", "logical")
                .dcs("ignore_slots", List.of(Map.of("name", "backup_tool", "type", "physical")))
                .start();
        logs.watch(cluster);
        ClusterNode primary = cluster.awaitConverged(E2e.BOOT);
        for (ClusterNode n : cluster.nodes()) {
            E2e.awaitTrue("the permanent slot on " + n.name(), E2e.CONVERGE, () -> slotLsn(n, "consumer").isPresent());
        }

        E2e.awaitTrue("the logical permanent slot on " + primary.name(), E2e.CONVERGE,
                () -> logicalSlot(primary, "cdc").equals(List.of("postgres test_decoding")));

        primary.execute("SELECT pg_catalog.pg_create_physical_replication_slot('backup_tool', true)");
        primary.execute("SELECT pg_catalog.pg_create_physical_replication_slot('stray', true)");
        E2e.awaitTrue("the stray slot dropped on " + primary.name(), E2e.CONVERGE,
                () -> slotLsn(primary, "stray").isEmpty());
        assertThat(slotLsn(primary, "backup_tool")).as("the slot ignore_slots covers").isPresent();

        // A consumer got this far: the primary's slot is there, and the replicas' follow it.
        primary.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 10000) g");
        primary.execute("SELECT pg_catalog.pg_switch_wal()");
        primary.execute("CHECKPOINT");
        String consumed = primary.query("SELECT pg_catalog.pg_current_wal_lsn()::text").get(0);
        primary.execute("SELECT pg_catalog.pg_replication_slot_advance('consumer', '" + consumed + "')");
        List<ClusterNode> replicas = cluster.nodes().stream().filter(n -> n != primary).collect(Collectors.toList());
        long t0 = System.nanoTime();
        for (ClusterNode r : replicas) {
            E2e.awaitTrue("the slot on " + r.name() + " advanced to " + consumed, E2e.CONVERGE,
                    () -> slotLsn(r, "consumer").map(lsn -> atLeast(r, lsn, consumed)).orElse(false));
        }
        report("permanent slot advanced on both replicas to " + consumed + " within "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertThat(slotLsn(primary, "backup_tool")).as("the ignored slot, several loops later").isPresent();

        // A CDC consumer reads part of the changes: the replicas' copies of cdc follow its confirmed position.
        primary.execute("CREATE TABLE cdc_t (v int)");
        primary.execute("INSERT INTO cdc_t SELECT g FROM generate_series(1, 5) g");
        assertThat(primary.query(CONSUME)).as("the consumer reads rows 1-5").anyMatch(d -> d.contains("[integer]:5"));
        // A consumer that keeps reading confirms past a checkpoint's running-xacts record, which moves the slot's
        // restart_lsn past the WAL the replicas were cloned after (until then a copy would need WAL they lack).
        primary.execute("CHECKPOINT");
        primary.query(CONSUME);
        String confirmed = primary.query(CONFIRMED).get(0);
        t0 = System.nanoTime();
        for (ClusterNode r : replicas) {
            E2e.awaitTrue("the copy of cdc on " + r.name() + " at " + confirmed, E2e.CONVERGE,
                    () -> confirmedLsn(r).map(lsn -> lsn.equals(confirmed)).orElse(false));
            assertThat(r.query("SHOW hot_standby_feedback")).as("hot_standby_feedback on %s", r.name())
                    .containsExactly("on");
        }
        report("logical slot cdc copied to both replicas and advanced to the consumer's " + confirmed + " within "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        // One copy, or two when the first one's WAL was gone on the replica (its shutdown removed it before the
        // copy loaded): a copy again only once the primary published a new position, never one per loop.
        for (ClusterNode r : replicas) {
            assertThat(restarts(r)).as("copies of cdc loaded on %s (restarts for them)", r.name()).isBetween(1L, 2L);
        }
        report("restarts to load copies of cdc: " + replicas.stream().map(r -> r.name() + " " + restarts(r))
                .collect(Collectors.joining(", ")));
        primary.execute("INSERT INTO cdc_t SELECT g FROM generate_series(1001, 1010) g");
        String written = primary.query("SELECT pg_catalog.pg_current_wal_lsn()::text").get(0);
        for (ClusterNode r : replicas) {
            E2e.awaitTrue(r.name() + " replays the unread rows", E2e.CONVERGE, () -> atLeast(r,
                    r.query("SELECT pg_catalog.pg_last_wal_replay_lsn()::text").get(0), written));
        }

        primary.killNode();
        ClusterNode next = cluster.awaitPrimary(n -> n != primary, E2e.FAILOVER.multipliedBy(3));
        Optional<String> after = slotLsn(next, "consumer");
        assertThat(after).as("the consumer's slot on the new primary %s", next.name()).isPresent();
        assertThat(atLeast(next, after.get(), consumed)).as("restart_lsn %s on %s, consumer at %s", after.get(),
                next.name(), consumed).isTrue();
        // Still there a few loops into the new term (the new primary keeps it, it does not drop it).
        long until = System.nanoTime() + Duration.ofSeconds(E2e.LOOP_WAIT * 5L).toNanos();
        while (System.nanoTime() < until) {
            assertThat(slotLsn(next, "consumer")).as("the slot on the new primary").isPresent();
        }
        String cdcAfter = confirmedLsn(next).orElseThrow(() -> new AssertionError("no cdc on " + next.name()));
        assertThat(cdcAfter).as("cdc on the new primary %s: the copy, where the consumer confirmed", next.name())
                .isEqualTo(confirmed);
        List<String> resumed = next.query(CONSUME);
        for (int v = 1001; v <= 1010; v++) {
            String row = "[integer]:" + v;
            assertThat(resumed).as("the consumer resumes on %s with unread row %s", next.name(), v)
                    .anyMatch(d -> d.endsWith(row));
        }
        assertThat(resumed).as("nothing it had confirmed comes again").noneMatch(d -> d.endsWith("[integer]:5"));
        report("after the failover to " + next.name() + " the consumer's slot is at " + slotLsn(next, "consumer").get()
                + " (consumer at " + consumed + "); cdc at " + cdcAfter + " (consumer confirmed " + confirmed + "), "
                + resumed.size() + " changes resumed");
    }

    /**
     * Patroni 4's {@code member_slots_ttl} (default 30 min) on a cluster of its own: the steps
     * above flake at times on the logical slot copy (a replica cloned late lacks the WAL the copy
     * needs), which must not hide this.
     */
    @Test
    void anAbsentMembersSlotIsKeptForMemberSlotsTtl() {
        cluster = E2e.cluster("member-slots").start();
        logs.watch(cluster);
        ClusterNode primary = cluster.awaitConverged(E2e.BOOT);
        replicasKeepEveryMembersSlot(primary);
        primary.killNode();
        ClusterNode next = cluster.awaitPrimary(n -> n != primary, E2e.FAILOVER.multipliedBy(3));
        ClusterNode replica = cluster.nodes().stream().filter(n -> n != primary && n != next).findFirst()
                .orElseThrow();
        memberSlotsTtl(next, primary, replica);
    }

    /**
     * Patroni 4 on PostgreSQL 11+ with {@code member_slots_ttl} above 0: every replica keeps an
     * unused physical slot for each other member, the leader's included, advanced to the positions
     * the leader publishes in the {@code status} key, so that a promoted replica already holds
     * each member's WAL (the failover that follows then streams the other replica through it).
     */
    private void replicasKeepEveryMembersSlot(ClusterNode primary) {
        long t0 = System.nanoTime();
        primary.execute("CREATE TABLE member_slots AS SELECT g FROM generate_series(1, 1000) g");
        String lsn = primary.query("SELECT pg_catalog.pg_current_wal_lsn()").get(0);
        for (ClusterNode replica : cluster.nodes()) {
            for (ClusterNode member : cluster.nodes()) {
                if (replica == primary || member == replica) {
                    continue;
                }
                String slot = PermanentSlot.slotName(member.name());
                E2e.awaitTrue(replica.name() + " keeps " + member.name() + "'s slot, advanced past " + lsn,
                        E2e.CONVERGE, replica, () -> "t".equals(tryQuery(replica, "SELECT restart_lsn >= '" + lsn
                                + "'::pg_lsn AND NOT active FROM pg_catalog.pg_replication_slots WHERE slot_name = '"
                                + slot + "' AND slot_type = 'physical'")));
            }
        }
        report("member_slots_ttl: each replica keeps every other member's slot, advanced past " + lsn + " within "
                + (System.nanoTime() - t0) / 1_000_000 + " ms of the write");
    }

    /**
     * The new primary keeps the slot of the old one (its member key expired; its name came in the old
     * leader's {@code retain_slots}); a replica stopped until its member key expires finds its slot
     * on the primary when it comes back and streams without being cloned again; with
     * {@code member_slots_ttl: 0} the slot goes as soon as the member key does.
     */
    private void memberSlotsTtl(ClusterNode leader, ClusterNode oldPrimary, ClusterNode replica) {
        long t0 = System.nanoTime();
        String oldSlot = PermanentSlot.slotName(oldPrimary.name());
        String slot = PermanentSlot.slotName(replica.name());
        E2e.awaitTrue(replica.name() + " streams through its slot on " + leader.name(), E2e.CONVERGE,
                () -> slotActive(leader, slot));
        E2e.awaitTrue(oldPrimary.name() + "'s member key expired", E2e.FAILOVER, () -> !listed(leader, oldPrimary));
        assertThat(slotLsn(leader, oldSlot)).as("the old primary's slot on %s, its member key gone", leader.name())
                .isPresent();

        long offset = E2e.logSize(replica);
        replica.terminateAgent();
        assertThat(replica.awaitAgentExit(Duration.ofSeconds(60))).as("%s's agent stopped", replica.name()).isTrue();
        if (replica.postmasterPid().isPresent()) {
            replica.stopPostgres("fast");
        }
        E2e.awaitTrue(replica.name() + "'s member key expired", E2e.FAILOVER, () -> !listed(leader, replica));
        leader.execute("CREATE TABLE while_away AS SELECT g FROM generate_series(1, 1000) g");
        leader.execute("SELECT pg_catalog.pg_switch_wal()");
        leader.execute("CHECKPOINT");
        long until = System.nanoTime() + Duration.ofSeconds(E2e.LOOP_WAIT * 3L).toNanos();
        while (System.nanoTime() < until) {
            assertThat(slotLsn(leader, slot)).as("%s's slot on %s, its member key gone", replica.name(), leader.name())
                    .isPresent();
        }
        replica.startAgent();
        E2e.awaitTrue(replica.name() + " streams through its kept slot", E2e.CONVERGE, () -> slotActive(leader, slot));
        E2e.awaitTrue(replica.name() + " replays what was written while it was away", E2e.CONVERGE,
                () -> "1000".equals(tryQuery(replica, "SELECT count(*) FROM while_away")));
        assertThat(E2e.logSince(replica, offset)).as("%s came back without a clone", replica.name())
                .doesNotContain(replica.name() + ": cloning from leader");
        report("member_slots_ttl: " + replica.name() + " away past its member key's expiry, back streaming through its"
                + " slot without a clone; " + oldPrimary.name() + "'s slot kept by the new primary");

        assertThat(leader.request("PATCH", "/config", "{\"member_slots_ttl\": 0}").status()).isEqualTo(200);
        replica.terminateAgent();
        assertThat(replica.awaitAgentExit(Duration.ofSeconds(60))).as("%s's agent stopped", replica.name()).isTrue();
        if (replica.postmasterPid().isPresent()) {
            replica.stopPostgres("fast");
        }
        E2e.awaitTrue("with member_slots_ttl 0, " + replica.name() + "'s and " + oldPrimary.name()
                + "'s slots dropped once the member key expired", E2e.FAILOVER,
                () -> !listed(leader, replica) && slotLsn(leader, slot).isEmpty() && slotLsn(leader, oldSlot).isEmpty());
        report("member_slots_ttl: 0 drops the slot with the member key; these steps took "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /** Whether {@code leader}'s {@code /cluster} lists {@code member} (its member key is in the store). */
    private static boolean listed(ClusterNode leader, ClusterNode member) {
        return leader.get("/cluster").body().contains("\"name\":\"" + member.name() + "\"");
    }

    private static boolean slotActive(ClusterNode node, String slot) {
        return "t".equals(tryQuery(node, "SELECT active FROM pg_catalog.pg_replication_slots WHERE slot_name = '"
                + slot + "'"));
    }

    private static String tryQuery(ClusterNode node, String sql) {
        try {
            return node.query(sql).stream().findFirst().orElse(null);
        } catch (IllegalStateException e) {
            return null; // starting or restarting: asked again
        }
    }

    private static Optional<String> confirmedLsn(ClusterNode node) {
        try {
            return node.query(CONFIRMED).stream().filter(v -> v != null).findFirst();
        } catch (IllegalStateException e) {
            return Optional.empty(); // restarting: asked again
        }
    }

    /** How many times the agent restarted PostgreSQL on {@code node} to load copied slots (its log says so). */
    private static long restarts(ClusterNode node) {
        try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(node.agentLog())) {
            return lines.filter(l -> l.contains("copied logical slots [cdc]")).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Optional<String> slotLsn(ClusterNode node, String slot) {
        try {
            return node.query(String.format(SLOT_LSN, slot)).stream().filter(v -> v != null).findFirst();
        } catch (IllegalStateException e) {
            return Optional.empty(); // restarting: asked again
        }
    }

    private static List<String> logicalSlot(ClusterNode node, String slot) {
        try {
            return node.query("SELECT database || ' ' || plugin FROM pg_catalog.pg_replication_slots WHERE slot_name = '"
                    + slot + "' AND slot_type = 'logical'");
        } catch (IllegalStateException e) {
            return List.of(); // restarting: asked again
        }
    }

    private static boolean atLeast(ClusterNode node, String lsn, String target) {
        return "t".equals(node.query("SELECT '" + lsn + "'::pg_lsn >= '" + target + "'::pg_lsn").get(0));
    }
}
