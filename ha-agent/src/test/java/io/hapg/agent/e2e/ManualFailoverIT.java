package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.WriteHistory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
 * Planned changes through the REST API on one three-node cluster: switchover (under writes),
 * failover, a scheduled switchover, and maintenance mode (pause: nothing is promoted even when
 * the primary node dies; resume: the failover happens).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ManualFailoverIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster cluster;

    @BeforeAll
    void startCluster() {
        cluster = E2e.cluster("e2e-manual").start();
        logs.watch(cluster);
        cluster.awaitConverged(E2e.BOOT);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * A planned switchover under continuous writes: the old primary stops with a shutdown
     * checkpoint the candidate has received, so even without synchronous replication no
     * acknowledged commit is lost, and the two never accept commits at the same time.
     */
    @Test
    @Order(1)
    void switchoverThroughRestUnderWritesLosesNothing() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        ClusterNode candidate = replica(primary);
        try (WriteHistory writes = E2e.writes(cluster)) {
            writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), Duration.ofSeconds(20));
            Instant t0 = Instant.now();
            ClusterNode.Response r = E2e.postManual(primary, "/switchover",
                    "{\"leader\": \"" + primary.name() + "\", \"candidate\": \"" + candidate.name() + "\"}");
            report("POST /switchover " + primary.name() + " -> " + candidate.name() + ": " + r.status() + " "
                    + r.body() + " after " + E2e.millisSince(t0, Instant.now()) + " ms");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("Successfully switched over to \"" + candidate.name() + "\"");
            assertThat(cluster.awaitConverged(E2e.CONVERGE)).isEqualTo(candidate);
            WriteHistory.Commit first = writes.awaitAcknowledged(n -> n.equals(candidate.name()), t0,
                    Duration.ofSeconds(20));
            Instant lastOnOld = writes.lastAcknowledgedAt(primary.name()).orElse(t0);
            report("switchover under writes: last commit on " + primary.name() + " " + E2e.millisSince(t0, lastOnOld)
                    + " ms after the request, first on " + candidate.name() + " after "
                    + E2e.millisSince(t0, first.ackedAt()) + " ms (write pause "
                    + E2e.millisSince(lastOnOld, first.ackedAt()) + " ms)");
            writes.awaitAcknowledged(n -> n.equals(candidate.name()), Instant.now(), Duration.ofSeconds(20));
            writes.stop();
            report(writes.summary());
            writes.assertAtMostOnePrimaryAtATime();
            assertThat(writes.awaitConverged(Duration.ofSeconds(30))).isEqualTo(candidate.name());
            writes.assertNoAcknowledgedCommitLost();
        }
    }

    @Test
    @Order(2)
    void failoverThroughRest() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        ClusterNode candidate = replica(primary);
        ClusterNode.Response r = E2e.postManual(replica(primary), "/failover",
                "{\"candidate\": \"" + candidate.name() + "\"}");
        report("POST /failover to " + candidate.name() + ": " + r.status() + " " + r.body());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains(candidate.name());
        assertThat(cluster.awaitConverged(E2e.CONVERGE)).isEqualTo(candidate);
    }

    @Test
    @Order(3)
    void scheduledSwitchoverHappensAtItsTime() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        ClusterNode candidate = replica(primary);
        OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(8).truncatedTo(ChronoUnit.SECONDS);
        ClusterNode.Response r = primary.request("POST", "/switchover", "{\"leader\": \"" + primary.name()
                + "\", \"candidate\": \"" + candidate.name() + "\", \"scheduled_at\": \""
                + at.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME) + "\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        // /cluster answers from the last loop's view: the request shows up within a loop.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!primary.get("/cluster").body().contains("scheduled_switchover") && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        assertThat(primary.get("/cluster").body()).contains("scheduled_switchover").contains(candidate.name());
        assertThat(cluster.primary()).as("nothing happens before the time").contains(primary);
        ClusterNode next = cluster.awaitPrimary(n -> n == candidate, E2e.FAILOVER);
        Instant done = Instant.now();
        report("scheduled switchover at " + at + " -> " + next.name() + " primary at " + done);
        assertThat(done).as("not before its time").isAfter(at.toInstant());
        assertThat(cluster.awaitConverged(E2e.CONVERGE)).isEqualTo(candidate);
    }

    @Test
    @Order(4)
    void nothingIsPromotedInPauseAndResumeFailsOver() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        ClusterNode survivor = replica(primary);
        assertThat(primary.request("PATCH", "/config", "{\"pause\": true}").status()).isEqualTo(200);
        awaitPaused();
        primary.killNode();
        // Longer than the ttl: the leader key expires, and still no replica may promote.
        long until = System.nanoTime() + Duration.ofSeconds(E2e.TTL + 4).toNanos();
        while (System.nanoTime() - until < 0) {
            for (ClusterNode n : cluster.nodes()) {
                if (n != primary) {
                    assertThat(n.status("/primary")).as("%s /primary while paused", n.name()).isEqualTo(503);
                    assertThat(isWritable(n)).as("%s writable while paused", n.name()).isFalse();
                }
            }
            LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
        }
        Instant resumed = Instant.now();
        assertThat(survivor.request("PATCH", "/config", "{\"pause\": false}").status()).isEqualTo(200);
        ClusterNode next = cluster.awaitPrimary(n -> n != primary, E2e.FAILOVER);
        report("resume -> " + next.name() + " promoted after " + E2e.millisSince(resumed, Instant.now()) + " ms");
        primary.startAgent();
        assertThat(cluster.awaitConverged(E2e.CONVERGE)).isEqualTo(next);
    }

    private void awaitPaused() {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!cluster.nodes().stream().allMatch(n -> n.get("/patroni").body().contains("\"pause\":true"))) {
            assertThat(System.nanoTime() - deadline).as("every node reports pause").isNegative();
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
    }

    private ClusterNode replica(ClusterNode primary) {
        return cluster.nodes().stream().filter(n -> n != primary).findFirst().orElseThrow();
    }

    private static boolean isWritable(ClusterNode n) {
        try (Connection c = DriverManager.getConnection(n.jdbcUrl()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            return rs.next() && !rs.getBoolean(1);
        } catch (SQLException e) {
            return false;
        }
    }
}
