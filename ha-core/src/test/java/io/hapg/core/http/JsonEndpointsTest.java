package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Role;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.Databases;
import io.hapg.core.testing.LocalStates;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code /patroni}, {@code /cluster}, {@code /history}, {@code /config} and {@code /metrics}: Patroni's names and shapes. */
@Timeout(60)
class JsonEndpointsTest {
    private final ObjectMapper json = new ObjectMapper();
    private ApiHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private JsonNode read(String path, int expected) throws Exception {
        ApiHarness.Response r = h.get(path);
        assertThat(r.status()).as(path).isEqualTo(expected);
        return json.readTree(r.body());
    }

    @Test
    void patroniOnAPrimary() throws Exception {
        h = ApiHarness.start("pg1");
        h.report(LocalStates.of(Databases.primary().streaming("pg2", Clusters.POSITION)).role(Role.PRIMARY)
                .leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        JsonNode doc = read("/patroni", 200);
        assertThat(doc.get("state").asText()).isEqualTo("running");
        assertThat(doc.get("role").asText()).isEqualTo("primary");
        assertThat(doc.has("postmaster_start_time")).isTrue();
        assertThat(doc.get("server_version").asInt()).isZero();
        assertThat(doc.get("xlog").get("location").asLong()).isEqualTo(Lsn.parse(Clusters.POSITION).value());
        assertThat(doc.get("timeline").asInt()).isEqualTo(2);
        JsonNode replication = doc.get("replication").get(0);
        assertThat(replication.get("application_name").asText()).isEqualTo("pg2");
        assertThat(replication.get("state").asText()).isEqualTo("streaming");
        assertThat(replication.get("sync_state").asText()).isEqualTo("async");
        assertThat(replication.has("usename")).isTrue();
        assertThat(replication.has("client_addr")).isTrue();
        assertThat(replication.has("sync_priority")).isTrue();
        assertThat(doc.get("dcs_last_seen").asLong()).isEqualTo(h.clock.now().getEpochSecond());
        assertThat(doc.get("database_system_identifier").asText()).isEqualTo(Clusters.SYSID);
        assertThat(doc.get("patroni").get("scope").asText()).isEqualTo("demo");
        assertThat(doc.get("patroni").get("name").asText()).isEqualTo("pg1");
        assertThat(doc.get("patroni").get("version").asText()).isEqualTo("0.1.0");
        assertThat(doc.has("cluster_unlocked")).as("only when true, as Patroni").isFalse();
        assertThat(doc.has("pause")).isFalse();
        assertThat(doc.has("scheduled_restart")).isFalse();
    }

    /** Patroni's /patroni shows a scheduled restart; hapg's from its own member key as last read. */
    @Test
    void watchdogFailedAppearsOnlyWhenTheRequiredWatchdogFailedAsInPatroni() throws Exception {
        h = ApiHarness.start("pg2");
        LocalState replica = LocalStates.of(Databases.replica("0/4000000")).role(Role.REPLICA).following("pg1").build();
        h.report(replica, Clusters.withHealthyLeader(), false);
        assertThat(read("/patroni", 200).has("watchdog_failed")).isFalse();
        h.report(replica, Clusters.withHealthyLeader(), false, true);
        JsonNode doc = read("/patroni", 200);
        assertThat(doc.get("watchdog_failed").asBoolean()).isTrue();
        assertThat(read("/replica", 200).get("watchdog_failed").asBoolean()).as("in every status document").isTrue();
    }

    @Test
    void patroniShowsAScheduledRestart() throws Exception {
        h = ApiHarness.start("pg2");
        h.report(LocalStates.of(Databases.replica("0/4000000").receive("0/4000100")).role(Role.REPLICA)
                .following("pg1").build(), Clusters.healthy().member(Clusters.member("pg2").replica()
                .scheduledRestart(java.time.Instant.parse("2026-12-03T16:00:00Z"))).build(), true);
        JsonNode doc = read("/patroni", 200);
        assertThat(doc.get("scheduled_restart").get("schedule").asText()).isEqualTo("2026-12-03T16:00:00+00:00");
    }

    @Test
    void patroniOnAReplicaInALeaderlessPausedCluster() throws Exception {
        h = ApiHarness.start("pg2");
        h.report(LocalStates.of(Databases.replica("0/4000000").receive("0/4000100")).role(Role.REPLICA)
                .following("pg1").build(), Clusters.leaderless().pause().build(), false);
        JsonNode doc = read("/patroni", 200);
        assertThat(doc.get("role").asText()).isEqualTo("replica");
        JsonNode xlog = doc.get("xlog");
        assertThat(xlog.get("received_location").asLong()).isEqualTo(Lsn.parse("0/4000100").value());
        assertThat(xlog.get("replayed_location").asLong()).isEqualTo(Lsn.parse("0/4000000").value());
        assertThat(xlog.has("replayed_timestamp")).isTrue();
        assertThat(xlog.get("paused").asBoolean()).isFalse();
        assertThat(doc.get("replication_state").asText()).isEqualTo("streaming");
        assertThat(doc.get("cluster_unlocked").asBoolean()).isTrue();
        assertThat(doc.get("pause").asBoolean()).isTrue();
    }

    @Test
    void patroniOnAStoppedNode() throws Exception {
        h = ApiHarness.start("pg2");
        h.report(LocalStates.stopped().role(Role.REPLICA).build(), Clusters.withHealthyLeader(), false);
        JsonNode doc = read("/patroni", 200);
        assertThat(doc.get("state").asText()).isEqualTo("stopped");
        assertThat(doc.get("role").asText()).isEqualTo("replica");
        assertThat(doc.has("xlog")).isFalse();
        assertThat(h.get("/health").body()).contains("\"state\":\"stopped\"");
    }

    @Test
    void everyNewLoopStatusReplacesTheDocumentTheChecksSend() throws Exception {
        // The document is serialised once per status and shared: a peer in the leader race must
        // still see the position of the latest iteration, never the first one cached.
        h = ApiHarness.start("pg2");
        h.report(LocalStates.replica("0/4000000").build(), Clusters.withHealthyLeader(), false);
        assertThat(read("/replica", 200).get("xlog").get("replayed_location").asLong())
                .isEqualTo(Lsn.parse("0/4000000").value());
        assertThat(read("/patroni", 200).get("xlog").get("replayed_location").asLong())
                .isEqualTo(Lsn.parse("0/4000000").value());
        h.report(LocalStates.replica("0/5000000").build(), Clusters.withHealthyLeader(), false);
        assertThat(read("/patroni", 200).get("xlog").get("replayed_location").asLong())
                .isEqualTo(Lsn.parse("0/5000000").value());
        h.report(LocalStates.stopped().role(Role.REPLICA).build(), Clusters.withHealthyLeader(), false);
        assertThat(read("/replica", 503).get("state").asText()).isEqualTo("stopped");
    }

    @Test
    void theStatusDocumentIsWhatPeersParseInTheLeaderRace() {
        h = ApiHarness.start("pg2");
        h.report(LocalStates.replica("0/4000000").build(), Clusters.withHealthyLeader(), false);
        var peer = new io.hapg.core.internal.HttpPeerClient("test");
        try {
            var member = Clusters.member("pg2").build();
            var withUrl = new io.hapg.core.model.Member("pg2", member.connUrl(), h.base + "/patroni", "replica",
                    "running", member.xlogLocation(), member.receiveLsn(), member.replayLsn(), 2,
                    member.replicationState(), member.tags(), "");
            var statuses = peer.statuses(List.of(withUrl), java.time.Duration.ofSeconds(5));
            assertThat(statuses).containsKey("pg2");
            assertThat(statuses.get("pg2").walPosition()).contains(Lsn.parse("0/4000000"));
            assertThat(statuses.get("pg2").role()).isEqualTo("replica");
            assertThat(statuses.get("pg2").state()).isEqualTo("running");
        } finally {
            peer.close();
        }
    }

    @Test
    void clusterListsTheMembersWithRolesAndLag() throws Exception {
        h = ApiHarness.start("pg1");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.healthy().synchronousMode()
                .sync("pg1", "pg2").member(Clusters.member("pg3").replica().at("0/4000000").tag("zone", "b"))
                .switchover("pg1", "pg2").scheduledAt(Instant.parse("2030-01-01T10:00:00Z")).build(), true);
        JsonNode doc = read("/cluster", 200);
        JsonNode members = doc.get("members");
        assertThat(members).hasSize(3);
        JsonNode pg1 = members.get(0);
        assertThat(pg1.get("name").asText()).isEqualTo("pg1");
        assertThat(pg1.get("role").asText()).isEqualTo("leader");
        assertThat(pg1.get("state").asText()).isEqualTo("running");
        assertThat(pg1.get("api_url").asText()).isEqualTo("http://pg1:8008/patroni");
        assertThat(pg1.get("host").asText()).isEqualTo("pg1");
        assertThat(pg1.get("port").asInt()).isEqualTo(5432);
        assertThat(pg1.get("timeline").asInt()).isEqualTo(2);
        assertThat(pg1.has("lag")).isFalse();
        JsonNode pg2 = members.get(1);
        assertThat(pg2.get("role").asText()).isEqualTo("sync_standby");
        assertThat(pg2.get("state").asText()).isEqualTo("streaming");
        assertThat(pg2.get("lag").asLong()).isZero();
        assertThat(pg2.get("lsn").asText()).isEqualTo(Clusters.POSITION);
        JsonNode pg3 = members.get(2);
        assertThat(pg3.get("role").asText()).isEqualTo("replica");
        assertThat(pg3.get("lag").asLong()).isEqualTo(Lsn.parse(Clusters.POSITION).minus(Lsn.parse("0/4000000")));
        assertThat(pg3.get("replay_lag").asLong()).isEqualTo(pg3.get("lag").asLong());
        assertThat(pg3.get("receive_lsn").asText()).isEqualTo("0/4000000");
        assertThat(pg3.get("tags").get("zone").asText()).isEqualTo("b");
        assertThat(doc.get("scope").asText()).isEqualTo("demo");
        JsonNode scheduled = doc.get("scheduled_switchover");
        assertThat(scheduled.get("at").asText()).isEqualTo("2030-01-01T10:00:00+00:00");
        assertThat(scheduled.get("from").asText()).isEqualTo("pg1");
        assertThat(scheduled.get("to").asText()).isEqualTo("pg2");
    }

    @Test
    void historyAndConfigAreTheStoreKeys() throws Exception {
        h = ApiHarness.start("pg1");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        JsonNode history = read("/history", 200);
        assertThat(history.get(0).get(0).asInt()).isEqualTo(1);
        assertThat(history.get(0).get(1).asLong()).isEqualTo(Lsn.parse(Clusters.TIMELINE_1_END).value());
        assertThat(history.get(0).get(2).asText()).isEqualTo("no recovery target specified");
        assertThat(h.get("/config").status()).as("no config key").isEqualTo(502);
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(),
                Clusters.healthy().config("ttl", 20).config("postgresql", java.util.Map.of("use_slots", true))
                        .build(), true);
        JsonNode config = read("/config", 200);
        assertThat(config.get("ttl").asInt()).isEqualTo(20);
        assertThat(config.get("postgresql").get("use_slots").asBoolean()).isTrue();
    }

    @Test
    void metricsUsePatronisNamesAndLabels() {
        h = ApiHarness.start("pg1");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        ApiHarness.Response r = h.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type").orElse("")).startsWith("text/plain");
        String labels = "{scope=\"demo\",name=\"pg1\"}";
        assertThat(r.body()).contains(
                "# TYPE patroni_version gauge\npatroni_version" + labels + " 000100\n",
                "patroni_postgres_running" + labels + " 1\n",
                "patroni_primary" + labels + " 1\n",
                "patroni_replica" + labels + " 0\n",
                "# TYPE patroni_xlog_location counter\npatroni_xlog_location" + labels + " "
                        + Lsn.parse(Clusters.POSITION).value() + "\n",
                "patroni_xlog_received_location" + labels + " 0\n",
                "patroni_xlog_replayed_location" + labels + " 0\n",
                "patroni_postgres_timeline" + labels + " 2\n",
                "patroni_cluster_unlocked" + labels + " 0\n",
                "patroni_is_paused" + labels + " 0\n",
                "patroni_dcs_last_seen" + labels + " " + h.clock.now().getEpochSecond() + "\n",
                "patroni_failsafe_mode_is_active" + labels + " 0\n",
                "patroni_sync_standby" + labels + " 0\n",
                "patroni_postgres_streaming" + labels + " 0\n",
                "patroni_postgres_state" + labels + " 5\n",
                "patroni_failover_priority" + labels + " 1\n");
        h.report(LocalStates.replica().build(), Clusters.leaderless().build(), false);
        String replica = h.get("/metrics").body();
        assertThat(replica).contains("patroni_replica" + labels + " 1\n", "patroni_primary" + labels + " 0\n",
                "patroni_postgres_streaming" + labels + " 1\n", "patroni_cluster_unlocked" + labels + " 1\n",
                "patroni_xlog_replayed_location" + labels + " " + Lsn.parse(Clusters.POSITION).value() + "\n");
    }

    @Test
    void jsonEndpointsWaitForTheFirstIteration() {
        h = ApiHarness.start("pg1");
        for (String path : List.of("/cluster", "/history", "/config", "/metrics")) {
            assertThat(h.get(path).status()).as(path).isEqualTo(503);
        }
    }
}
