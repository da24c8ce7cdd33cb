package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.LocalState;
import io.hapg.core.model.Role;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.StandbyCluster;
import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.Databases;
import io.hapg.core.testing.LocalStates;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every health endpoint's status code over real HTTP, on a primary, a replica, a stopped node and before the loop ran. */
@Timeout(60)
class HealthEndpointsTest {
    private static final List<String> PRIMARY_PATHS = List.of("/", "/primary", "/read-write", "/master");
    private static final List<String> ALL = List.of("/", "/primary", "/read-write", "/master", "/leader",
            "/standby-leader", "/standby_leader", "/replica", "/read-only", "/sync", "/synchronous", "/async",
            "/asynchronous", "/read-only-sync", "/health", "/liveness", "/readiness");

    private ApiHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private void primary() {
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
    }

    private void replica(String lsn) {
        h.report(LocalStates.replica(lsn).build(), Clusters.withHealthyLeader(), false);
    }

    private Map<String, Integer> codes() {
        Map<String, Integer> codes = new java.util.LinkedHashMap<>();
        for (String path : ALL) {
            codes.put(path, h.get(path).status());
        }
        return codes;
    }

    @Test
    void beforeTheFirstIterationEveryCheckIs503() {
        h = ApiHarness.start("pg1");
        assertThat(codes()).allSatisfy((path, code) -> assertThat(code).as(path).isEqualTo(503));
        assertThat(h.code("OPTIONS", "/primary")).isEqualTo(503);
        ApiHarness.Response patroni = h.get("/patroni");
        assertThat(patroni.status()).isEqualTo(503);
        assertThat(patroni.body()).contains("\"state\":\"unknown\"");
    }

    @Test
    void aPrimaryHoldingTheLockAnswersThePrimaryChecks() {
        h = ApiHarness.start("pg1");
        primary();
        Map<String, Integer> codes = codes();
        for (String path : PRIMARY_PATHS) {
            assertThat(codes.get(path)).as(path).isEqualTo(200);
        }
        assertThat(codes).containsEntry("/leader", 200).containsEntry("/read-only", 200)
                .containsEntry("/read-only-sync", 200).containsEntry("/health", 200)
                .containsEntry("/liveness", 200).containsEntry("/readiness", 200)
                .containsEntry("/replica", 503).containsEntry("/sync", 503).containsEntry("/synchronous", 503)
                .containsEntry("/async", 503).containsEntry("/asynchronous", 503)
                .containsEntry("/standby-leader", 503).containsEntry("/standby_leader", 503);
    }

    @Test
    void aStreamingReplicaAnswersTheReplicaChecks() {
        h = ApiHarness.start("pg2");
        replica(Clusters.POSITION);
        Map<String, Integer> codes = codes();
        for (String path : PRIMARY_PATHS) {
            assertThat(codes.get(path)).as(path).isEqualTo(503);
        }
        assertThat(codes).containsEntry("/leader", 503).containsEntry("/replica", 200)
                .containsEntry("/read-only", 200).containsEntry("/async", 200).containsEntry("/asynchronous", 200)
                .containsEntry("/sync", 503).containsEntry("/read-only-sync", 503).containsEntry("/health", 200)
                .containsEntry("/liveness", 200).containsEntry("/readiness", 200);
    }

    @Test
    void inAStandbyClusterTheLockHolderIsTheStandbyLeaderAndNobodyIsPrimary() {
        ClusterView standby = Clusters.healthy().member(Clusters.member("pg1").replica())
                .config("standby_cluster", Map.of("host", "10.0.0.9", "port", 5432)).build();
        h = ApiHarness.start("pg1");
        h.report(LocalStates.replica().role(Role.STANDBY_LEADER).following(StandbyCluster.REMOTE_MEMBER).build(),
                standby, true);
        Map<String, Integer> codes = codes();
        for (String path : PRIMARY_PATHS) {
            assertThat(codes.get(path)).as(path).isEqualTo(503);
        }
        assertThat(codes).containsEntry("/leader", 200).containsEntry("/standby-leader", 200)
                .containsEntry("/standby_leader", 200).containsEntry("/read-only", 200).containsEntry("/replica", 503)
                .containsEntry("/health", 200);
        assertThat(h.get("/patroni").body()).contains("\"role\":\"standby_leader\"");
        assertThat(h.get("/cluster").body()).contains("\"role\":\"standby_leader\"");
        assertThat(h.get("/metrics").body()).contains("patroni_standby_leader{scope=\"demo\",name=\"pg1\"} 1");

        ApiHarness replica = ApiHarness.start("pg2");
        try {
            replica.report(LocalStates.replica().build(), standby, false);
            assertThat(replica.get("/standby-leader").status()).isEqualTo(503);
            assertThat(replica.get("/primary").status()).isEqualTo(503);
            assertThat(replica.get("/replica").status()).isEqualTo(200);
        } finally {
            replica.close();
        }
    }

    /** The section written under a running primary (etcd edited directly): hapg keeps it primary, /primary too. */
    @Test
    void aPrimaryThatStandbyClusterWasAddedUnderStaysThePrimary() {
        h = ApiHarness.start("pg1");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.healthy()
                .config("standby_cluster", Map.of("host", "10.0.0.9")).build(), true);
        assertThat(h.get("/primary").status()).isEqualTo(200);
        assertThat(h.get("/standby-leader").status()).isEqualTo(503);
    }

    @Test
    void aStoppedNodeIsOnlyAlive() {
        h = ApiHarness.start("pg2");
        h.report(LocalStates.stopped().role(Role.REPLICA).build(), Clusters.withHealthyLeader(), false);
        Map<String, Integer> codes = codes();
        assertThat(codes).containsEntry("/liveness", 200);
        codes.remove("/liveness");
        assertThat(codes).allSatisfy((path, code) -> assertThat(code).as(path).isEqualTo(503));
    }

    @Test
    void headAndOptionsAnswerTheStatusLineWithoutABody() {
        h = ApiHarness.start("pg1");
        primary();
        for (String method : List.of("HEAD", "OPTIONS")) {
            ApiHarness.Response ok = h.send(method, "/primary", null, null);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).isEmpty();
            ApiHarness.Response no = h.send(method, "/replica", null, null);
            assertThat(no.status()).isEqualTo(503);
            assertThat(no.body()).isEmpty();
        }
        ApiHarness.Response get = h.get("/primary");
        assertThat(get.body()).contains("\"role\":\"primary\"");
        assertThat(get.header("Content-Type")).hasValue("application/json");
    }

    @Test
    void haproxysHttp10OptionsCheckGetsAStatusLine() throws Exception {
        h = ApiHarness.start("pg1");
        primary();
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", h.base.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("OPTIONS /primary HTTP/1.0\r\n\r\n".getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(answer).endsWith("\r\n\r\n");
        }
    }

    @Test
    void liveAndReadyAnswerWithoutABodyEvenOnGet() {
        h = ApiHarness.start("pg1");
        primary();
        assertThat(h.get("/liveness").body()).isEmpty();
        assertThat(h.get("/readiness").body()).isEmpty();
        assertThat(h.code("HEAD", "/liveness")).isEqualTo(200);
        assertThat(h.code("OPTIONS", "/readiness")).isEqualTo(200);
    }

    @Test
    void aCrashedPrimaryRestartingIsTheLeaderButNotThePrimary() {
        h = ApiHarness.start("pg1");
        LocalState crashed = LocalStates.primary().database(Databases.stopped().clean(false).build())
                .leaseDeadline(h.leaseDeadline()).build();
        h.report(crashed, Clusters.withHealthyLeader(), true);
        assertThat(h.get("/primary").status()).isEqualTo(503);
        assertThat(h.get("/").status()).isEqualTo(503);
        assertThat(h.get("/leader").status()).isEqualTo(200);
        assertThat(h.get("/health").status()).isEqualTo(503);
        assertThat(h.get("/readiness").status()).isEqualTo(200);
    }

    @Test
    void theLockIsJudgedWhenTheRequestArrivesNotWhenTheLoopRan() {
        h = ApiHarness.start("pg1");
        h.report(LocalStates.primary().leaseDeadline(h.clock.nanoTime() + Duration.ofSeconds(2).toNanos()).build(),
                Clusters.withHealthyLeader(), true);
        assertThat(h.get("/primary").status()).isEqualTo(200);
        h.clock.advance(Duration.ofSeconds(3));
        assertThat(h.get("/primary").status()).isEqualTo(503);
        assertThat(h.get("/leader").status()).isEqualTo(503);
    }

    @Test
    void lagIsMeasuredAgainstTheLeadersOptime() {
        h = ApiHarness.start("pg2");
        // optime 0/5000060, replayed 0/4000000: 16 MiB + 0x60 bytes behind.
        replica("0/4000000");
        assertThat(h.get("/replica").status()).isEqualTo(200);
        assertThat(h.get("/replica?lag=100").status()).isEqualTo(503);
        assertThat(h.get("/replica?lag=16MB").status()).isEqualTo(503);
        assertThat(h.get("/replica?lag=32MB").status()).isEqualTo(200);
        assertThat(h.get("/replica?lag=1GB").status()).isEqualTo(200);
        assertThat(h.get("/replica?lag=16777312").status()).isEqualTo(200);
        assertThat(h.get("/replica?lag=16777311").status()).isEqualTo(503);
        assertThat(h.get("/async?lag=64kB").status()).isEqualTo(503);
        assertThat(h.get("/replica?lag=nonsense").status()).as("unreadable lag is ignored").isEqualTo(200);
        assertThat(h.get("/readiness").status()).as("default: maximum_lag_on_failover").isEqualTo(503);
        assertThat(h.get("/readiness?lag=64MB").status()).isEqualTo(200);
    }

    @Test
    void replicationStateFiltersReplicasStillInArchiveRecovery() {
        h = ApiHarness.start("pg2");
        replica(Clusters.POSITION);
        assertThat(h.get("/replica?replication_state=streaming").status()).isEqualTo(200);
        h.report(LocalStates.replica().following(Optional.empty()).build(), Clusters.withHealthyLeader(), false);
        assertThat(h.get("/replica").status()).isEqualTo(200);
        assertThat(h.get("/replica?replication_state=streaming").status()).isEqualTo(503);
        assertThat(h.get("/replica?replication_state=in%20archive%20recovery").status()).isEqualTo(200);
        assertThat(h.get("/readiness").status()).isEqualTo(503);
    }

    @Test
    void tagsInTheQueryMustMatchTheNodesTags() {
        h = ApiHarness.start("pg2", Tags.of(Map.of("zone", "a", "nosync", false, "weight", 3)), r -> r, a -> a);
        replica(Clusters.POSITION);
        assertThat(h.get("/replica?tag_zone=a").status()).isEqualTo(200);
        assertThat(h.get("/replica?tag_zone=b").status()).isEqualTo(503);
        assertThat(h.get("/replica?tag_rack=1").status()).isEqualTo(503);
        assertThat(h.get("/replica?tag_nosync=false").status()).isEqualTo(200);
        assertThat(h.get("/replica?tag_weight=3").status()).isEqualTo(200);
        assertThat(h.get("/read-only?tag_zone=b").status()).isEqualTo(503);
        h.close();
        h = ApiHarness.start("pg1", Tags.of(Map.of("zone", "a")), r -> r, a -> a);
        primary();
        assertThat(h.get("/primary?tag_zone=b").status()).as("ignored on leader paths").isEqualTo(200);
    }

    @Test
    void noloadbalanceTakesAReplicaOutOfTheReadPool() {
        h = ApiHarness.start("pg2", Tags.of(Map.of("noloadbalance", true)), r -> r, a -> a);
        replica(Clusters.POSITION);
        assertThat(h.get("/replica").status()).isEqualTo(503);
        assertThat(h.get("/read-only").status()).isEqualTo(503);
        assertThat(h.get("/health").status()).isEqualTo(200);
    }

    @Test
    void syncAndAsyncFollowTheSyncKeyInSynchronousMode() {
        h = ApiHarness.start("pg2");
        h.report(LocalStates.replica().build(), Clusters.healthy().synchronousMode().sync("pg1", "pg2").build(),
                false);
        assertThat(h.get("/sync").status()).isEqualTo(200);
        assertThat(h.get("/synchronous").status()).isEqualTo(200);
        assertThat(h.get("/read-only-sync").status()).isEqualTo(200);
        assertThat(h.get("/async").status()).isEqualTo(503);
        assertThat(h.get("/patroni").body()).contains("\"sync_standby\":true");
        h.report(LocalStates.replica().consensusReachable(false).build(),
                Clusters.healthy().synchronousMode().sync("pg1", "pg2").build(), false);
        assertThat(h.get("/sync").status()).as("needs the store").isEqualTo(503);
        assertThat(h.get("/replica").status()).isEqualTo(200);
    }

    /** Patroni 4: in quorum commit the key's voters are quorum standbys, never sync standbys. */
    @Test
    void quorumAndReadOnlyQuorumFollowTheVotersInQuorumCommit() {
        h = ApiHarness.start("pg2");
        h.report(LocalStates.replica().build(), Clusters.healthy().quorumMode().syncQuorum("pg1", 1, "pg2", "pg3")
                .build(), false);
        assertThat(h.get("/quorum").status()).isEqualTo(200);
        assertThat(h.get("/read-only-quorum").status()).isEqualTo(200);
        assertThat(h.get("/sync").status()).isEqualTo(503);
        assertThat(h.get("/read-only-sync").status()).isEqualTo(503);
        assertThat(h.get("/async").status()).isEqualTo(503);
        assertThat(h.get("/patroni").body()).contains("\"quorum_standby\":true").doesNotContain("sync_standby");
        assertThat(h.get("/metrics").body()).contains("patroni_quorum_standby{scope=");
        assertThat(h.get("/cluster").body()).contains("\"role\":\"quorum_standby\"");
        h.report(LocalStates.replica().build(), Clusters.healthy().quorumMode().syncQuorum("pg1", 0, "pg3").build(),
                false);
        assertThat(h.get("/quorum").status()).as("not a voter").isEqualTo(503);
        assertThat(h.get("/read-only-quorum").status()).isEqualTo(503);
        assertThat(h.get("/async").status()).isEqualTo(200);
        h.report(LocalStates.replica().build(), Clusters.healthy().synchronousMode().sync("pg1", "pg2").build(),
                false);
        assertThat(h.get("/quorum").status()).as("synchronous_mode on: no quorum standbys").isEqualTo(503);
    }

    @Test
    void livenessAllowsTtlOnAPrimaryAndTwiceTtlOnAReplica() {
        h = ApiHarness.start("pg2");
        replica(Clusters.POSITION);
        h.clock.advance(Duration.ofSeconds(45));
        assertThat(h.get("/liveness").status()).isEqualTo(200);
        h.clock.advance(Duration.ofSeconds(16));
        assertThat(h.get("/liveness").status()).isEqualTo(503);
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        h.clock.advance(Duration.ofSeconds(29));
        assertThat(h.get("/liveness").status()).isEqualTo(200);
        h.clock.advance(Duration.ofSeconds(2));
        assertThat(h.get("/liveness").status()).isEqualTo(503);
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.healthy().pause().build(),
                true);
        h.clock.advance(Duration.ofMinutes(10));
        assertThat(h.get("/liveness").status()).as("paused").isEqualTo(200);
    }

    @Test
    void unknownGetPathsAre503WithTheStatusDocumentAndUnknownCallsAre501() {
        h = ApiHarness.start("pg1");
        primary();
        ApiHarness.Response unknown = h.get("/nothing-here");
        assertThat(unknown.status()).isEqualTo(503);
        assertThat(unknown.body()).contains("\"patroni\"");
        assertThat(h.send("POST", "/nothing-here", "{}", null).status()).isEqualTo(501);
        assertThat(h.send("DELETE", "/patroni", null, null).status()).isEqualTo(501);
    }

    @Test
    void withoutTheStoreInPauseThePostgresRoleDecides() {
        h = ApiHarness.start("pg1");
        h.report(LocalStates.primary().consensusReachable(false).build(), Clusters.healthy().pause().build(), false);
        assertThat(h.get("/primary").status()).isEqualTo(200);
        assertThat(h.get("/leader").status()).isEqualTo(200);
    }
}
