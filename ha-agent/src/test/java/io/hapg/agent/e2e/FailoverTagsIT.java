package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.hapg.testkit.Pids;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.WriteHistory;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tags and the lag gate that choose the new primary, end to end on one three-node cluster
 * (n0 no tags, n1 {@code failover_priority: 1}, n2 {@code nofailover: true}), each after a kill -9
 * of the primary node: a {@code nofailover} replica is never promoted; of two caught-up replicas
 * the higher {@code failover_priority} wins; a replica lagging the leader's last published optime
 * by more than {@code maximum_lag_on_failover} is never promoted. Tags are read from the YAML at
 * start (hapg does not reload them), so scenario 2 rewrites n2's and restarts its agent. Every node
 * archives its WAL (cp): scenario 7 tags a replica {@code nostream}, which then replays from the archive only.
 * Scenarios 5 and 6 hold a race back with {@code primary_race_backoff} while the old primary still streams.
 */
@Timeout(value = 540, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverTagsIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster cluster;
    private WriteHistory writes;
    private Path archive;

    @BeforeAll
    void startCluster() throws IOException {
        // A WAL archive every node writes to and reads from, for the nostream scenario: archive_mode
        // needs a restart, so it is on from the start. PostgreSQL may run as another OS user.
        archive = Files.createTempDirectory("hapg-archive");
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rwxrwxrwx"));
        cluster = E2e.cluster("e2e-tags").tags(1, Map.of("failover_priority", 1)).tags(2, Map.of("nofailover", true))
                .pgParameter("archive_mode", "on").pgParameter("archive_command", "cp %p " + archive + "/%f")
                .postgresql("recovery_conf", Map.of("restore_command", "cp " + archive + "/%f %p"))
                .start();
        logs.watch(cluster);
        cluster.awaitConverged(E2e.BOOT);
    }

    @AfterAll
    void stopCluster() throws IOException {
        if (writes != null) {
            writes.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (archive != null) {
            try (Stream<Path> files = Files.walk(archive)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /**
     * The other replica's agent is frozen with the kill, so the nofailover replica is the only one
     * left to race: it must not promote, however long; the other promotes once thawed.
     */
    @Test
    @Order(1)
    void aNofailoverReplicaIsNeverPromoted() {
        ClusterNode old = startWrites();
        ClusterNode nofailover = cluster.node(2);
        assertThat(old).as("the nofailover node never leads").isNotEqualTo(nofailover);
        ClusterNode other = old == cluster.node(0) ? cluster.node(1) : cluster.node(0);
        killWithTheOtherReplicaFrozen(old, other, nofailover, "not racing: nofailover tag set",
                nofailover.name() + " (nofailover)");
        old.startAgent();
        finish(old, "rejoined after kill -9");
    }

    @Test
    @Order(2)
    void ofTwoCaughtUpReplicasTheHigherFailoverPriorityWins() throws Exception {
        ClusterNode high = cluster.node(2);
        Instant restart = Instant.now();
        high.rewriteTags(Map.of("failover_priority", 2));
        high.terminateAgent();
        assertThat(high.awaitAgentExit(Duration.ofSeconds(60))).as("%s's agent exits", high.name()).isTrue();
        high.startAgent();
        ClusterNode old = startWrites();
        report("tags: " + high.name() + " restarted with failover_priority 2, converged after "
                + E2e.millisSince(restart, Instant.now()) + " ms");
        assertThat(old).isNotEqualTo(high);
        ClusterNode low = old == cluster.node(0) ? cluster.node(1) : cluster.node(0);
        long offset = E2e.logSize(low);
        // Priority only breaks ties: stop writing until both replicas have all the WAL, then let
        // two loops publish their positions.
        writes.stop();
        String lsn = query(old, "select pg_catalog.pg_current_wal_lsn()::text");
        E2e.awaitTrue("both replicas received and replayed " + lsn, E2e.CONVERGE,
                () -> caughtUp(high, lsn, true) && caughtUp(low, lsn, true));
        LockSupport.parkNanos(Duration.ofSeconds(2L * E2e.LOOP_WAIT + 1).toNanos());
        Instant t0 = Instant.now();
        old.killNode();
        ClusterNode next = cluster.awaitPrimary(n -> n != old, E2e.FAILOVER);
        report("tags: kill -9 of " + old.name() + " with " + low.name() + " (priority 1) and " + high.name()
                + " (priority 2) both at " + lsn + " -> " + next.name() + " promoted after "
                + E2e.millisSince(t0, Instant.now()) + " ms");
        assertThat(next).as("the higher failover_priority").isEqualTo(high);
        // Whichever loop ran first: the low one yields, or finds the high one already leading.
        report("tags: " + low.name() + " yielded for the priority: "
                + E2e.logSince(low, offset).contains("and a higher failover_priority (2 > 1)"));
        writes.assertAtMostOnePrimaryAtATime();
        writes.close();
        writes = null;
        old.startAgent();
        startWrites();
        finish(old, "rejoined after kill -9");
    }

    @Test
    @Order(3)
    void aReplicaLaggingMoreThanMaximumLagOnFailoverIsNeverPromoted() throws Exception {
        long limit = 512 * 1024;
        ClusterNode old = startWrites();
        List<ClusterNode> replicas = cluster.nodes().stream().filter(n -> n != old).toList();
        ClusterNode lagging = replicas.get(0);
        ClusterNode caughtUp = replicas.get(1);
        assertThat(old.request("PATCH", "/config", "{\"maximum_lag_on_failover\": " + limit + "}").status())
                .isEqualTo(200);
        long walReceiver = -1;
        try {
            E2e.awaitTrue("every node reads maximum_lag_on_failover " + limit, Duration.ofSeconds(20),
                    () -> cluster.nodes().stream().allMatch(n -> n.get("/config").body().replace(" ", "")
                            .contains("\"maximum_lag_on_failover\":" + limit)));
            // The WAL stream stopped (its walreceiver SIGSTOPped: nothing more received), then 8 MB of WAL.
            walReceiver = Long.parseLong(query(lagging, "select pid::text from pg_catalog.pg_stat_wal_receiver"));
            Pids.signal(walReceiver, "STOP");
            String frozenAt = query(lagging, "select pg_catalog.pg_last_wal_receive_lsn()::text");
            execute(old, "create table if not exists lag_filler(id int, pad text)");
            for (int i = 0; i < 4; i++) {
                execute(old, "insert into lag_filler select g, repeat('x', 400) from generate_series(1, 4000) g");
            }
            String lsn = query(old, "select pg_catalog.pg_current_wal_lsn()::text");
            E2e.awaitTrue(caughtUp.name() + " received " + lsn, E2e.CONVERGE, () -> caughtUp(caughtUp, lsn, false));
            // Two loops: the primary has published an optime at or past lsn in the status key.
            LockSupport.parkNanos(Duration.ofSeconds(2L * E2e.LOOP_WAIT + 1).toNanos());
            long lag = Long.parseLong(query(old, "select pg_catalog.pg_wal_lsn_diff('" + lsn + "', '" + frozenAt
                    + "')::bigint::text"));
            assertThat(lag).as("%s's real lag", lagging.name()).isGreaterThan(limit);
            killWithTheOtherReplicaFrozen(old, caughtUp, lagging, "lags the last leader optime", lagging.name() + " "
                    + lag / 1024 + " KiB behind (maximum_lag_on_failover " + limit / 1024 + " KiB)");
        } finally {
            if (walReceiver > 0) {
                Pids.signal(walReceiver, "CONT");
            }
            cluster.primary().ifPresent(p -> p.request("PATCH", "/config", "{\"maximum_lag_on_failover\": null}"));
        }
        old.startAgent();
        finish(old, "rejoined after kill -9");
    }

    /**
     * Patroni's {@code clonefrom} tag ({@code get_clone_member}): a replica re-initialized without
     * {@code from_leader} copies from the running member tagged {@code clonefrom}, not from the
     * leader, then streams from the leader. The tag reaches the member key (what a Patroni node reads).
     */
    @Test
    @Order(4)
    void aReinitializedReplicaClonesFromTheClonefromMember() throws Exception {
        ClusterNode leader = cluster.awaitConverged(E2e.CONVERGE);
        List<ClusterNode> replicas = cluster.nodes().stream().filter(n -> n != leader).toList();
        ClusterNode source = replicas.get(0);
        ClusterNode copy = replicas.get(1);
        source.rewriteTags(Map.of("clonefrom", true, "nofailover", true));
        source.terminateAgent();
        assertThat(source.awaitAgentExit(Duration.ofSeconds(60))).as("%s's agent exits", source.name()).isTrue();
        source.startAgent();
        // Only the source has the tag: the leader's /cluster is read from the member keys in etcd.
        E2e.awaitTrue(source.name() + "'s member key carries clonefrom and it runs as a replica", E2e.CONVERGE,
                () -> leader.get("/cluster").body().replace(" ", "").contains("\"clonefrom\":true")
                        && source.status("/replica") == 200);
        cluster.awaitConverged(E2e.CONVERGE);
        // The copy chooses from its own view, which may lag the leader's by a loop: wait until it
        // reads the source running with the tag (a member key published by the source's first loop
        // after its start, not the one from before the restart), or it rightly clones from the leader.
        E2e.awaitTrue(copy.name() + " reads " + source.name() + " running with clonefrom", E2e.CONVERGE, () -> {
            JsonNode m = clusterMember(copy, source.name());
            return m != null && List.of("running", "streaming").contains(m.path("state").asText())
                    && m.path("tags").path("clonefrom").asBoolean(false);
        });
        long offset = E2e.logSize(copy);
        Instant t0 = Instant.now();

        assertThat(copy.request("POST", "/reinitialize", "{}").status()).isEqualTo(200);

        E2e.awaitTrue(copy.name() + " re-cloned and streams from " + leader.name(), E2e.CONVERGE,
                () -> E2e.logSince(copy, offset).contains("replica has been created") && copy.status("/replica") == 200
                        && streamsFrom(leader, copy));
        String log = E2e.logSince(copy, offset);
        report("tags: POST /reinitialize on " + copy.name() + " with " + source.name() + " tagged clonefrom: streaming"
                + " from " + leader.name() + " again after " + E2e.millisSince(t0, Instant.now()) + " ms");
        assertThat(log).contains("cloning from " + source.name() + " (clonefrom; leader is " + leader.name() + ")")
                .contains("from 127.0.0.1:" + source.pgPort() + " (a replica)");
    }

    /**
     * Patroni's {@code nostream} tag ({@code _get_node_to_follow} returns None): the replica writes
     * no {@code primary_conninfo} nor {@code primary_slot_name} and replays WAL from the archive only
     * ({@code restore_command} in its {@code postgresql.recovery_conf}; every node archives with cp).
     * No WAL receiver on it, no WAL sender for it on the primary, and a row committed on the primary
     * reaches it once the primary switches WAL segments.
     */
    /**
     * Patroni's {@code primary_race_backoff} (its {@code frozen_patroni.feature}, "check primary race
     * backoff"): the primary's agent frozen and its leader key deleted by hand while its PostgreSQL,
     * not fenced yet, keeps committing and streaming. The replica logs the back-off and does not
     * promote while WAL still arrives; once the fence stops the old PostgreSQL (the frozen agent's
     * lease runs out, as a real expiry would find it), WAL stops and the replica promotes, long
     * before the back-off is over. The old primary rejoins as a replica when thawed.
     */
    @Test
    @Order(5)
    void primaryRaceBackoffWaitsWhileTheOldPrimaryStillStreams() throws Exception {
        int backoff = 60;
        Race race = prepareRace(backoff);
        ClusterNode old = race.old();
        old.freezeAgent();
        try {
            Instant t0 = deleteLeaderKey();
            // The old PostgreSQL commits until the fence stops it; meanwhile nobody else may be primary.
            Commits commits = race.commitOnOld(Duration.ofSeconds(3L * E2e.TTL));
            assertThat(commits.stoppedBy()).as("what ended the commits on %s", old.name()).isEqualTo("fenced");
            ClusterNode next = cluster.awaitPrimary(n -> n != old, E2e.FAILOVER);
            Instant promoted = Instant.now();
            report("primary_race_backoff " + backoff + " s: " + old.name() + "'s agent frozen, leader key deleted; "
                    + commits.count() + " commits on it for " + E2e.millisSince(t0, commits.last()) + " ms until its"
                    + " fence, " + next.name() + " promoted " + E2e.millisSince(commits.last(), promoted)
                    + " ms after the last one");
            race.assertBackoffLogged(next, backoff);
            assertThat(Duration.between(t0, promoted)).as("promoted once the WAL stopped, not after the back-off")
                    .isLessThan(Duration.ofSeconds(backoff));
        } finally {
            old.thawAgent();
            cluster.primary().ifPresent(p -> p.request("PATCH", "/config", "{\"primary_race_backoff\": null}"));
        }
        assertThat(cluster.awaitConverged(E2e.CONVERGE)).as(old.name() + " rejoined as a replica").isNotEqualTo(old);
    }

    /**
     * The same with the old primary's fence process frozen too (as {@code watchdog.mode: off} would
     * leave it): its PostgreSQL outlives the key and keeps streaming, and the replica races anyway
     * once {@code primary_race_backoff} has run out, as Patroni's does. Thawed, the old primary
     * is fenced or demoted and rejoins.
     */
    @Test
    @Order(6)
    void primaryRaceBackoffEndsAfterItsTimeThoughTheOldPrimaryStillStreams() throws Exception {
        int backoff = 10;
        Race race = prepareRace(backoff);
        ClusterNode old = race.old();
        long agent = old.agentPid().orElseThrow();
        List<Long> keeper = Pids.descendants(agent).stream()
                .filter(pid -> Pids.commandLine(pid).contains("hapg-fence-" + old.name())).toList();
        assertThat(keeper).as("%s's fence process", old.name()).isNotEmpty();
        List<Long> frozen = Stream.concat(keeper.stream(), keeper.stream().flatMap(pid -> Pids.descendants(pid)
                .stream())).distinct().toList();
        old.freezeAgent();
        frozen.forEach(pid -> Pids.signal(pid, "STOP"));
        try {
            Instant t0 = deleteLeaderKey();
            Commits commits = race.commitOnOld(Duration.ofSeconds(backoff + 4L * E2e.TTL));
            Instant promoted = Instant.now();
            ClusterNode next = commits.promoted().orElseThrow(() -> new AssertionError(old.name() + " was fenced"));
            report("primary_race_backoff " + backoff + " s: " + old.name() + "'s agent and fence frozen, leader key"
                    + " deleted; " + next.name() + " promoted " + E2e.millisSince(t0, promoted) + " ms after, "
                    + commits.count() + " commits on " + old.name() + " until then");
            assertThat(Duration.between(t0, promoted)).as("%s held back for the back-off", next.name())
                    .isGreaterThan(Duration.ofSeconds(backoff).minusMillis(500));
            assertThat(Duration.between(commits.last(), promoted)).as("WAL still moved when it raced")
                    .isLessThan(Duration.ofSeconds(2));
            race.assertBackoffLogged(next, backoff);
        } finally {
            frozen.forEach(pid -> Pids.signal(pid, "CONT"));
            old.thawAgent();
            cluster.primary().ifPresent(p -> p.request("PATCH", "/config", "{\"primary_race_backoff\": null}"));
        }
        assertThat(cluster.awaitConverged(E2e.CONVERGE)).as(old.name() + " rejoined as a replica").isNotEqualTo(old);
    }

    /** The primary and where each other node's log stood. */
    private record Race(ClusterNode old, Map<ClusterNode, Long> logOffsets) {
        void assertBackoffLogged(ClusterNode promoted, int backoff) {
            assertThat(E2e.logSince(promoted, logOffsets.get(promoted))).as("%s's reasons", promoted.name())
                    .contains("WAL position moved since the last heart beat loop")
                    .contains("(primary_race_backoff " + backoff + " s)");
        }

        /**
         * Commits on the old primary every 100 ms until that fails ("fenced") or another node answers
         * 200 on {@code /primary} ("promoted"); fails after {@code limit}.
         */
        Commits commitOnOld(Duration limit) {
            Instant t0 = Instant.now();
            Instant last = t0;
            long count = 0;
            while (Duration.between(t0, Instant.now()).compareTo(limit) < 0) {
                Optional<ClusterNode> promoted = logOffsets.keySet().stream().filter(n -> n.status("/primary") == 200)
                        .findFirst();
                if (promoted.isPresent()) {
                    return new Commits(count, last, "promoted", promoted);
                }
                try {
                    execute(old, "insert into race_backoff default values");
                    last = Instant.now();
                    count++;
                } catch (SQLException e) {
                    return new Commits(count, last, "fenced", Optional.empty());
                }
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
            throw new AssertionError(old.name() + " still commits and no other node is primary after "
                    + limit.toSeconds() + " s");
        }
    }

    /** Sets {@code primary_race_backoff} and waits until every replica has what the primary wrote. */
    private Race prepareRace(int backoff) throws SQLException {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        assertThat(primary.request("PATCH", "/config", "{\"primary_race_backoff\": " + backoff + "}").status())
                .isEqualTo(200);
        E2e.awaitTrue("every node reads primary_race_backoff " + backoff, Duration.ofSeconds(20),
                () -> cluster.nodes().stream().allMatch(n -> n.get("/config").body().replace(" ", "")
                        .contains("\"primary_race_backoff\":" + backoff)));
        execute(primary, "create table if not exists race_backoff(id bigserial primary key, at timestamptz"
                + " default now())");
        String lsn = query(primary, "select pg_catalog.pg_current_wal_lsn()::text");
        Map<ClusterNode, Long> offsets = new java.util.LinkedHashMap<>();
        for (ClusterNode replica : cluster.nodes()) {
            if (replica != primary) {
                E2e.awaitTrue(replica.name() + " streams from " + primary.name() + " up to " + lsn, E2e.CONVERGE,
                        replica, () -> caughtUp(replica, lsn, false));
                offsets.put(replica, E2e.logSize(replica));
            }
        }
        return new Race(primary, offsets);
    }

    /** Deletes the leader key as another etcd client would; returns when it was gone. */
    private Instant deleteLeaderKey() throws Exception {
        try (Client etcd = Client.builder().endpoints(cluster.etcd().clientEndpoints().toArray(String[]::new))
                .build()) {
            etcd.getKVClient().delete(ByteSequence.from("/service/" + cluster.scope() + "/leader",
                    StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
        }
        return Instant.now();
    }

    private record Commits(long count, Instant last, String stoppedBy, Optional<ClusterNode> promoted) {
    }

    @Test
    @Order(7)
    void aNostreamReplicaReplaysFromTheArchiveOnly() throws Exception {
        ClusterNode leader = cluster.awaitConverged(E2e.CONVERGE);
        ClusterNode replica = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        replica.rewriteTags(Map.of("nostream", true, "nofailover", true));
        replica.terminateAgent();
        assertThat(replica.awaitAgentExit(Duration.ofSeconds(60))).as("%s's agent exits", replica.name()).isTrue();
        long offset = E2e.logSize(replica);
        Instant t0 = Instant.now();
        replica.startAgent();
        E2e.awaitTrue(replica.name() + " runs in recovery without streaming", E2e.CONVERGE,
                () -> E2e.logSince(replica, offset).contains("(nostream tag): replaying WAL from the archive")
                        && "true".equals(quietly(replica, "select pg_catalog.pg_is_in_recovery()::text"))
                        && "0".equals(quietly(replica, "select count(*)::text from pg_catalog.pg_stat_wal_receiver")));
        execute(leader, "create table nostream_probe(id int)");
        execute(leader, "insert into nostream_probe values (42)");
        Instant inserted = Instant.now();
        query(leader, "select pg_catalog.pg_switch_wal()::text");
        E2e.awaitTrue("the row reaches " + replica.name() + " through the archive", E2e.CONVERGE,
                () -> "1".equals(quietly(replica, "select count(*)::text from nostream_probe where id = 42")));
        report("tags: " + replica.name() + " tagged nostream replays from the archive " + E2e.millisSince(t0, inserted)
                + " ms after its agent's start; a row inserted on " + leader.name() + " arrived "
                + E2e.millisSince(inserted, Instant.now()) + " ms later (after pg_switch_wal)");
        assertThat(query(replica, "select count(*)::text from pg_catalog.pg_stat_wal_receiver")).as("no walreceiver")
                .isEqualTo("0");
        assertThat(query(leader, "select count(*)::text from pg_catalog.pg_stat_replication where application_name = '"
                + replica.name() + "'")).as("no walsender for it on the primary").isEqualTo("0");
        assertThat(query(leader, "select count(*)::text from pg_catalog.pg_replication_slots where slot_name = '"
                + replica.name() + "'")).as("no slot for it on the primary").isEqualTo("0");
        assertThat(replica.get("/patroni").body()).contains("in archive recovery");
        // Patroni's cluster_as_json: state is the replication_state, lag counts from the replay position.
        E2e.awaitTrue(leader.name() + "'s /cluster shows " + replica.name() + " in archive recovery with a lag",
                E2e.CONVERGE, () -> {
                    JsonNode member = clusterMember(leader, replica.name());
                    return member != null && "in archive recovery".equals(member.path("state").asText())
                            && member.path("lag").isNumber() && member.path("replay_lag").isNumber();
                });
    }

    /** The member called {@code name} in {@code node}'s {@code GET /cluster}, or null. */
    private static JsonNode clusterMember(ClusterNode node, String name) {
        try {
            for (JsonNode m : new ObjectMapper().readTree(node.get("/cluster").body()).path("members")) {
                if (name.equals(m.path("name").asText())) {
                    return m;
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** {@link #query}, or null when it fails (a replica that is not ready yet). */
    private static String quietly(ClusterNode node, String sql) {
        try (Connection c = DriverManager.getConnection(node.jdbcUrl()); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            return r.next() ? r.getString(1) : null;
        } catch (SQLException e) {
            return null;
        }
    }

    private static boolean streamsFrom(ClusterNode primary, ClusterNode replica) {
        try {
            return "1".equals(query(primary, "select count(*)::text from pg_catalog.pg_stat_replication"
                    + " where application_name = '" + replica.name() + "' and state = 'streaming'"));
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * kill -9 of {@code old} with {@code frozen}'s agent frozen: {@code alone} is the only one to
     * race and must not promote ({@code why} in its log); thawed, {@code frozen} promotes.
     */
    private void killWithTheOtherReplicaFrozen(ClusterNode old, ClusterNode frozen, ClusterNode alone, String why,
                                               String what) {
        long offset = E2e.logSize(alone);
        Instant t0 = Instant.now();
        old.killNode();
        // Frozen, the other replica answers no peer: what keeps the lone candidate back is its own gate.
        frozen.freezeAgent();
        try {
            assertNobodyPromotesWhileOnlyOneCandidateRaces(alone, t0);
        } finally {
            frozen.thawAgent();
        }
        Instant thawed = Instant.now();
        ClusterNode next = cluster.awaitPrimary(n -> n != old, E2e.FAILOVER);
        WriteHistory.Commit first = writes.awaitAcknowledged(n -> !n.equals(old.name()), t0, E2e.FAILOVER);
        report("tags: kill -9 of " + old.name() + ", " + frozen.name() + "'s agent frozen: " + what
                + " not promoted in " + E2e.millisSince(t0, thawed) + " ms; " + frozen.name() + " thawed -> "
                + next.name() + " promoted, first commit " + E2e.millisSince(thawed, first.ackedAt())
                + " ms after the thaw");
        assertThat(next).as("the other replica").isEqualTo(frozen);
        assertThat(first.node()).isEqualTo(frozen.name());
        assertThat(E2e.logSince(alone, offset)).as("%s's reason", alone.name()).contains(why);
    }

    /**
     * With the primary dead and the other replica's agent frozen, {@code candidate} is alone: for
     * the ttl and more it must not promote (no node answers 200 on /primary, nothing commits).
     */
    private void assertNobodyPromotesWhileOnlyOneCandidateRaces(ClusterNode candidate, Instant t0) {
        long until = System.nanoTime() + Duration.ofSeconds(E2e.TTL + 6L * E2e.LOOP_WAIT).toNanos();
        while (System.nanoTime() - until < 0) {
            assertThat(candidate.status("/primary")).as("%s on /primary", candidate.name()).isNotEqualTo(200);
            LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
        }
        assertThat(writes.firstAcknowledged(n -> true, t0.plusSeconds(2))).as("a commit with no eligible candidate")
                .isEmpty();
    }

    private ClusterNode startWrites() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        writes = E2e.startWrites(cluster, primary);
        return primary;
    }

    /** Stops the writes, checks the invariants and that {@code rejoined} streams again as a replica. */
    private void finish(ClusterNode rejoined, String what) {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        assertThat(primary).as(rejoined.name() + " " + what + " as a replica").isNotEqualTo(rejoined);
        E2e.finishWrites(writes, primary);
        writes = null;
    }

    /** Whether the replica received (and, if {@code replayed}, replayed) up to {@code lsn}. */
    private static boolean caughtUp(ClusterNode replica, String lsn, boolean replayed) {
        String sql = "select pg_catalog.pg_last_wal_receive_lsn() >= ?::pg_lsn"
                + (replayed ? " and pg_catalog.pg_last_wal_replay_lsn() >= ?::pg_lsn" : "");
        try (Connection c = DriverManager.getConnection(replica.jdbcUrl());
             PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, lsn);
            if (replayed) {
                s.setString(2, lsn);
            }
            try (ResultSet r = s.executeQuery()) {
                return r.next() && r.getBoolean(1);
            }
        } catch (SQLException e) {
            return false;
        }
    }

    private static String query(ClusterNode node, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(node.jdbcUrl()); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            assertThat(r.next()).as("%s on %s", sql, node.name()).isTrue();
            return r.getString(1);
        }
    }

    private static void execute(ClusterNode node, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(node.jdbcUrl()); Statement s = c.createStatement()) {
            s.setQueryTimeout(60);
            s.execute(sql);
        }
    }
}
