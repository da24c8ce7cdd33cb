package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.http.NodeControl.RestartOutcome;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.FailsafePing;
import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The mutating endpoints with a fake {@link io.hapg.core.http.NodeControl}: Patroni's checks, texts and codes. */
@Timeout(60)
class ManagementEndpointsTest {
    private ApiHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private ApiHarness primary(ClusterView view) {
        h = ApiHarness.start("pg1");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), view, true);
        return h;
    }

    private ApiHarness.Response post(String path, String body) {
        return h.send("POST", path, body, null);
    }

    private String in(Duration d) {
        return Schedules.format(h.clock.now().plus(d));
    }

    @Test
    void switchoverIsValidatedLikePatroni() {
        primary(Clusters.withHealthyLeader());
        assertThat(post("/switchover", "{\"candidate\":\"pg2\"}").body())
                .isEqualTo("Switchover could be performed only from a specific leader");
        assertThat(post("/switchover", "{\"candidate\":\"pg2\"}").status()).isEqualTo(400);
        ApiHarness.Response same = post("/switchover", "{\"leader\":\"pg1\",\"candidate\":\"pg1\"}");
        assertThat(same.status()).isEqualTo(400);
        assertThat(same.body()).isEqualTo("Switchover target and source are the same");
        ApiHarness.Response wrongLeader = post("/switchover", "{\"leader\":\"pg2\"}");
        assertThat(wrongLeader.status()).isEqualTo(412);
        assertThat(wrongLeader.body()).isEqualTo("leader name does not match");
        ApiHarness.Response unknown = post("/switchover", "{\"leader\":\"pg1\",\"candidate\":\"pg9\"}");
        assertThat(unknown.status()).isEqualTo(412);
        assertThat(unknown.body()).isEqualTo("candidate does not exists");
        assertThat(h.control.calls).doesNotContain("writeFailover");
    }

    @Test
    void switchoverWithoutAHealthyCandidateIs412() {
        primary(Clusters.healthy().member(Clusters.member("pg2").stopped())
                .member(Clusters.member("pg3").replica().nofailover()).build());
        ApiHarness.Response r = post("/switchover", "{\"leader\":\"pg1\"}");
        assertThat(r.status()).isEqualTo(412);
        assertThat(r.body()).isEqualTo("switchover is not possible: no good candidates have been found");
        assertThat(post("/switchover", "{\"leader\":\"pg1\",\"candidate\":\"pg2\"}").status()).isEqualTo(412);
    }

    @Test
    void candidatesAreJudgedOnAFreshReadNotOnTheLastLoopsView() {
        primary(Clusters.healthy().member(Clusters.member("pg2").stopped())
                .member(Clusters.member("pg3").stopped()).build());
        // The store already shows pg2 running: the loop has not seen it yet.
        h.control.cluster = Clusters.withHealthyLeader();
        h.control.onFailover = request -> h.control.cluster = Clusters.healthy().leader("pg2").build();
        ApiHarness.Response r = post("/switchover", "{\"leader\":\"pg1\",\"candidate\":\"pg2\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(h.control.calls).contains("writeFailover");
    }

    @Test
    void inSynchronousModeTheCandidateMustBeASyncStandby() {
        primary(Clusters.healthy().synchronousMode().sync("pg1", "pg2").build());
        ApiHarness.Response r = post("/switchover", "{\"leader\":\"pg1\",\"candidate\":\"pg3\"}");
        assertThat(r.status()).isEqualTo(412);
        assertThat(r.body()).isEqualTo("candidate name does not match with sync_standby");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(),
                Clusters.healthy().synchronousMode().build(), true);
        ApiHarness.Response none = post("/switchover", "{\"leader\":\"pg1\"}");
        assertThat(none.status()).isEqualTo(412);
        assertThat(none.body()).isEqualTo("switchover is not possible: can not find sync_standby");
    }

    @Test
    void anImmediateSwitchoverWaitsForTheNewLeader() {
        primary(Clusters.withHealthyLeader());
        h.control.onFailover = request -> h.control.cluster = Clusters.healthy().leader("pg2").build();
        ApiHarness.Response r = post("/switchover", "{\"leader\":\"pg1\",\"candidate\":\"pg2\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("Successfully switched over to \"pg2\"");
        FailoverRequest written = h.control.failover.orElseThrow();
        assertThat(written.leader()).contains("pg1");
        assertThat(written.candidate()).contains("pg2");
        assertThat(written.scheduledAt()).isEmpty();
        assertThat(h.control.failoverRevision).isEqualTo(-1);
    }

    @Test
    void aSwitchoverThatEndsElsewhereOrNowhereSaysSo() {
        primary(Clusters.withHealthyLeader());
        h.control.onFailover = request -> h.control.cluster = Clusters.healthy().leader("pg3").build();
        assertThat(post("/switchover", "{\"leader\":\"pg1\",\"candidate\":\"pg2\"}").body())
                .isEqualTo("Switched over to \"pg3\" instead of \"pg2\"");
        // The leader cleared the key without moving: the switchover failed.
        h.control.cluster = Clusters.withHealthyLeader(); // (the store again, fresh for the next request)
        h.control.onFailover = request -> h.control.cluster = Clusters.withHealthyLeader();
        ApiHarness.Response failed = post("/switchover", "{\"leader\":\"pg1\",\"candidate\":\"pg2\"}");
        assertThat(failed.status()).isEqualTo(503);
        assertThat(failed.body()).isEqualTo("Switchover failed");
        h.control.writesSucceed = false;
        ApiHarness.Response unwritten = post("/switchover", "{\"leader\":\"pg1\"}");
        assertThat(unwritten.status()).isEqualTo(503);
        assertThat(unwritten.body()).isEqualTo("failed to write failover key into DCS");
    }

    @Test
    void aScheduledSwitchoverIsAcceptedAndAPastOneRefused() {
        primary(Clusters.withHealthyLeader());
        ApiHarness.Response r = post("/switchover", "{\"leader\":\"pg1\",\"scheduled_at\":\"" + in(Duration.ofHours(1))
                + "\"}");
        assertThat(r.status()).isEqualTo(202);
        assertThat(r.body()).isEqualTo("Switchover scheduled");
        assertThat(h.control.failover.orElseThrow().scheduledAt()).contains(h.clock.now().plus(Duration.ofHours(1)));
        ApiHarness.Response past = post("/switchover", "{\"leader\":\"pg1\",\"scheduled_at\":\""
                + Schedules.format(h.clock.now().minusSeconds(60)) + "\"}");
        assertThat(past.status()).as("Patroni's parse_schedule: 422").isEqualTo(422);
        assertThat(past.body()).isEqualTo("Cannot schedule switchover in the past");
        ApiHarness.Response local = post("/switchover", "{\"leader\":\"pg1\",\"scheduled_at\":\"2030-01-01T10:00:00\"}");
        assertThat(local.status()).isEqualTo(400);
        assertThat(local.body()).isEqualTo("Timezone information is mandatory for the scheduled switchover");
        assertThat(post("/switchover", "{\"leader\":\"pg1\",\"scheduled_at\":\"tomorrow\"}").status()).isEqualTo(422);
    }

    @Test
    void pauseLimitsSwitchovers() {
        primary(Clusters.healthy().pause().build());
        assertThat(post("/switchover", "{\"leader\":\"pg1\",\"scheduled_at\":\"" + in(Duration.ofHours(1)) + "\"}")
                .body()).isEqualTo("Can't schedule switchover in the paused state");
        ApiHarness.Response noCandidate = post("/switchover", "{\"leader\":\"pg1\"}");
        assertThat(noCandidate.status()).isEqualTo(400);
        assertThat(noCandidate.body()).isEqualTo("Switchover is possible only to a specific candidate in a paused state");
    }

    @Test
    void failoverNeedsACandidateAndWithALeaderIsASwitchover() {
        primary(Clusters.withHealthyLeader());
        ApiHarness.Response none = post("/failover", "{\"leader\":\"pg1\"}");
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.body()).isEqualTo("Failover could be performed only to a specific candidate");
        assertThat(post("/failover", "{\"candidate\":\"pg2\",\"scheduled_at\":\"" + in(Duration.ofHours(1)) + "\"}")
                .body()).isEqualTo("Failover can't be scheduled");
        h.control.onFailover = request -> h.control.cluster = Clusters.healthy().leader("pg2").build();
        ApiHarness.Response ok = post("/failover", "{\"candidate\":\"pg2\"}");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("Successfully failed over to \"pg2\"");
        assertThat(h.control.failover.orElseThrow().leader()).isEmpty();
        h.control.cluster = Clusters.withHealthyLeader(); // pg1 leads again in the store
        ApiHarness.Response asSwitchover = post("/failover", "{\"leader\":\"pg1\",\"candidate\":\"pg2\"}");
        assertThat(asSwitchover.body()).isEqualTo("Successfully switched over to \"pg2\"");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(),
                Clusters.healthy().member(Clusters.member("pg2").stopped()).build(), true);
        assertThat(post("/failover", "{\"candidate\":\"pg2\"}").status()).isEqualTo(412);
    }

    @Test
    void deleteSwitchoverCancelsOnlyAScheduledOne() {
        primary(Clusters.withHealthyLeader());
        h.control.cluster = Clusters.withHealthyLeader();
        ApiHarness.Response none = h.send("DELETE", "/switchover", null, null);
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.body()).isEqualTo("no switchover is scheduled");
        h.control.cluster = Clusters.healthy().switchover("pg1", "pg2").scheduledAt(Instant.parse("2030-01-01T00:00:00Z"))
                .build();
        ApiHarness.Response deleted = h.send("DELETE", "/switchover", null, null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.body()).isEqualTo("scheduled switchover deleted");
        assertThat(h.control.failoverRevision).isEqualTo(13);
        assertThat(h.control.failover).isEmpty();
        h.control.writesSucceed = false;
        assertThat(h.send("DELETE", "/switchover", null, null).status()).isEqualTo(409);
    }

    @Test
    void restartValidatesItsFiltersAndReportsTheOutcome() {
        primary(Clusters.withHealthyLeader());
        ApiHarness.Response now = post("/restart", null);
        assertThat(now.status()).isEqualTo(200);
        assertThat(now.body()).isEqualTo("restarted successfully");
        assertThat(post("/restart", "{\"role\":\"master\"}").body())
                .isEqualTo("PostgreSQL role should be either primary, standby_leader, or replica");
        assertThat(post("/restart", "{\"role\":\"master\"}").status()).isEqualTo(400);
        assertThat(post("/restart", "{\"colour\":\"red\"}").body())
                .isEqualTo("Unknown filter for the scheduled restart: colour");
        assertThat(post("/restart", "{\"timeout\":\"-5\"}").status()).isEqualTo(400);
        assertThat(post("/restart", "{\"postgres_version\":\"fifteen\"}").status()).isEqualTo(400);
        assertThat(post("/restart", "{\"schedule\":\"" + Schedules.format(h.clock.now().minusSeconds(5)) + "\"}")
                .status()).isEqualTo(422);
        ApiHarness.Response filtered = post("/restart", "{\"role\":\"primary\",\"timeout\":\"2min\","
                + "\"restart_pending\":true,\"postgres_version\":\"16.2\"}");
        assertThat(filtered.status()).isEqualTo(200);
        assertThat(h.control.restart.role()).contains("primary");
        assertThat(h.control.restart.timeout()).contains(Duration.ofMinutes(2));
        assertThat(h.control.restart.restartPending()).isTrue();
        assertThat(h.control.restart.postgresVersion()).contains("16.2");
        h.control.restartOutcome = new RestartOutcome(RestartOutcome.Status.SCHEDULED, "Restart scheduled");
        ApiHarness.Response scheduled = post("/restart", "{\"schedule\":\"" + in(Duration.ofHours(2)) + "\"}");
        assertThat(scheduled.status()).isEqualTo(202);
        assertThat(h.control.restart.schedule()).contains(h.clock.now().plus(Duration.ofHours(2)));
        h.control.restartOutcome = new RestartOutcome(RestartOutcome.Status.ALREADY_SCHEDULED,
                "Another restart is already scheduled");
        assertThat(post("/restart", "{\"schedule\":\"" + in(Duration.ofHours(2)) + "\"}").status()).isEqualTo(409);
        h.control.restartOutcome = new RestartOutcome(RestartOutcome.Status.FAILED, "restart failed");
        assertThat(post("/restart", "{}").status()).isEqualTo(503);
    }

    @Test
    void restartCannotBeScheduledInPauseAndCanBeCancelled() {
        primary(Clusters.healthy().pause().build());
        ApiHarness.Response r = post("/restart", "{\"schedule\":\"" + in(Duration.ofHours(1)) + "\"}");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("Can't schedule restart in the paused state");
        assertThat(h.send("DELETE", "/restart", null, null).status()).isEqualTo(404);
        h.control.restartScheduled = true;
        ApiHarness.Response cancelled = h.send("DELETE", "/restart", null, null);
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.body()).isEqualTo("scheduled restart deleted");
    }

    @Test
    void reloadIsScheduled() {
        primary(Clusters.withHealthyLeader());
        ApiHarness.Response r = post("/reload", null);
        assertThat(r.status()).isEqualTo(202);
        assertThat(r.body()).isEqualTo("reload scheduled");
        assertThat(h.control.calls).contains("reload");
    }

    @Test
    void reinitializeOnlyOnAReplica() {
        primary(Clusters.withHealthyLeader());
        ApiHarness.Response leader = post("/reinitialize", null);
        assertThat(leader.status()).isEqualTo(503);
        assertThat(leader.body()).isEqualTo("I am the leader, can not reinitialize");
        h.close();
        h = ApiHarness.start("pg2");
        h.report(LocalStates.replica().build(), Clusters.withHealthyLeader(), false);
        ApiHarness.Response ok = post("/reinitialize", "{\"force\":true}");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("reinitialize started");
        assertThat(h.control.reinitializeForce).isTrue();
        h.control.reinitializeRefusal = Optional.of("clone from pg1 already in progress");
        ApiHarness.Response busy = post("/reinitialize", "{}");
        assertThat(busy.status()).isEqualTo(503);
        assertThat(busy.body()).isEqualTo("clone from pg1 already in progress");
        h.report(LocalStates.replica().build(), Clusters.leaderless().build(), false);
        assertThat(post("/reinitialize", "{}").body()).isEqualTo("Cluster has no leader, can not reinitialize");
    }

    @Test
    void patchConfigMergesAndComparesAndSets() throws Exception {
        primary(Clusters.withHealthyLeader());
        h.control.cluster = Clusters.healthy().config("ttl", 30).config("loop_wait", 10)
                .config("postgresql", Map.of("parameters", Map.of("max_connections", 100, "work_mem", "4MB")))
                .build();
        ApiHarness.Response r = h.send("PATCH", "/config",
                "{\"ttl\":40,\"postgresql\":{\"parameters\":{\"max_connections\":null}},\"synchronous_mode\":true}",
                null);
        assertThat(r.status()).isEqualTo(200);
        var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        assertThat(doc.get("ttl").asInt()).isEqualTo(40);
        assertThat(doc.get("synchronous_mode").asBoolean()).isTrue();
        assertThat(doc.get("postgresql").get("parameters").has("max_connections")).isFalse();
        assertThat(doc.get("postgresql").get("parameters").get("work_mem").asText()).isEqualTo("4MB");
        assertThat(h.control.configRevision).isEqualTo(5);
        assertThat(h.control.config.ttl()).isEqualTo(Duration.ofSeconds(40));
        assertThat(h.control.config.synchronousMode()).isTrue();
        h.control.writesSucceed = false;
        assertThat(h.send("PATCH", "/config", "{\"ttl\":50}", null).status()).isEqualTo(409);
        h.control.writesSucceed = true;
        assertThat(h.send("PATCH", "/config", "{\"ttl\":\"soon\"}", null).status()).isEqualTo(400);
        assertThat(h.send("PATCH", "/config", "{\"loop_wait\":25}", null).status())
                .as("loop_wait + 2 * retry_timeout > ttl").isEqualTo(400);
        assertThat(h.send("PATCH", "/config", "{not json", null).status()).isEqualTo(400);
        assertThat(h.send("PATCH", "/config", "[1,2]", null).status()).isEqualTo(400);
        h.control.cluster = Clusters.withHealthyLeader();
        assertThat(h.send("PATCH", "/config", "{\"ttl\":50}", null).status()).as("no config key").isEqualTo(503);
        ApiHarness.Response put = h.send("PUT", "/config", "{\"ttl\":25,\"loop_wait\":5}", null);
        assertThat(put.status()).isEqualTo(200);
        assertThat(h.control.configRevision).isEqualTo(-1);
    }

    @Test
    void patchConfigRefusesAKeyHapgDoesNotImplementNamingIt() {
        primary(Clusters.withHealthyLeader());
        h.control.cluster = Clusters.healthy().config("ttl", 30).build();
        ApiHarness.Response r = h.send("PATCH", "/config", "{\"postgresql\":{\"pg_hosts\":[\"x\"]}}", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).startsWith("invalid configuration: postgresql.pg_hosts: not supported by hapg:");
        r = h.send("PATCH", "/config", "{\"primary_race_backoff\":-5}", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).startsWith("invalid configuration: primary_race_backoff: must be at least 0");
        r = h.send("PATCH", "/config", "{\"member_slots_ttl\":\"-1min\"}", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).startsWith("invalid configuration: member_slots_ttl: must be at least 0");
        assertThat(h.send("PATCH", "/config", "{\"master_start_timeout\":0}", null).status()).isEqualTo(200);
        assertThat(h.control.config.primaryStartTimeout()).isZero();
    }

    @Test
    void unsafeCallsNeedCredentialsWhenConfigured() {
        h = ApiHarness.start("pg1", Tags.NONE, rest -> rest.authentication("admin", "s3cret"), a -> a);
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        ApiHarness.Response none = h.send("POST", "/reload", null, null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).hasValue("Basic realm=\"Patroni\"");
        assertThat(h.send("POST", "/reload", null, "admin:wrong").status()).isEqualTo(401);
        assertThat(h.send("POST", "/reload", null, "other:s3cret").status()).isEqualTo(401);
        assertThat(h.send("PATCH", "/config", "{\"ttl\":20}", null).status()).isEqualTo(401);
        assertThat(h.send("DELETE", "/switchover", null, null).status()).isEqualTo(401);
        assertThat(h.send("POST", "/reload", null, "admin:s3cret").status()).isEqualTo(202);
        assertThat(h.get("/primary").status()).as("reads need none").isEqualTo(200);
        assertThat(h.control.calls).containsExactly("reload");
    }

    @Test
    void theAllowlistGuardsUnsafeCalls() {
        h = ApiHarness.start("pg1", Tags.NONE, rest -> rest.allowlist(List.of("10.0.0.0/8", "192.168.1.7")),
                a -> a);
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        ApiHarness.Response denied = h.send("POST", "/reload", null, null);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("Access is denied");
        assertThat(h.get("/primary").status()).isEqualTo(200);
        h.close();
        h = ApiHarness.start("pg1", Tags.NONE, rest -> rest.allowlist(List.of("127.0.0.0/8")), a -> a);
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        assertThat(h.send("POST", "/reload", null, null).status()).isEqualTo(202);
        h.close();
        h = ApiHarness.start("pg1", Tags.NONE, rest -> rest.allowlistIncludeMembers(true), a -> a);
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        assertThat(h.send("POST", "/reload", null, null).status()).as("members are pg1..pg3, not us").isEqualTo(403);
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.healthy()
                .member(new io.hapg.core.model.Member("pg3", "postgres://127.0.0.1:5432/postgres",
                        "http://127.0.0.1:8008/patroni", "replica", "running", Optional.empty(), Optional.empty(),
                        Optional.empty(), 2, Optional.empty(), Tags.NONE, "")).build(), true);
        assertThat(h.send("POST", "/reload", null, null).status()).isEqualTo(202);
    }

    @Test
    void badBodiesAreRefusedAndDoNotDisturbHealthChecks() {
        primary(Clusters.withHealthyLeader());
        assertThat(post("/switchover", "{\"leader\":").status()).isEqualTo(400);
        assertThat(post("/switchover", "{}").status()).isEqualTo(400);
        assertThat(post("/switchover", "\"pg1\"").status()).isEqualTo(400);
        assertThat(post("/switchover", null).status()).isIn(400, 411);
        String big = "{\"leader\":\"" + "x".repeat(Router.MAX_BODY) + "\"}";
        assertThat(post("/switchover", big).status()).isEqualTo(413);
        assertThat(h.get("/primary").status()).isEqualTo(200);
    }

    @Test
    void failsafeCallsAreAcceptedByReplicasOnly() {
        h = ApiHarness.start("pg2");
        h.report(LocalStates.replica().build(), Clusters.withHealthyLeader(), false);
        assertThat(post("/failsafe", "{\"name\":\"pg1\"}").status()).as("failsafe_mode off").isEqualTo(502);
        assertThat(h.get("/failsafe").status()).isEqualTo(502);
        h.report(LocalStates.replica().build(), Clusters.healthy().config("failsafe_mode", true).failsafe("pg1", "pg2")
                .build(), false);
        ApiHarness.Response accepted = post("/failsafe", "{\"name\":\"pg1\"}");
        assertThat(accepted.status()).isEqualTo(200);
        assertThat(accepted.body()).isEqualTo("Accepted");
        assertThat(accepted.header("lsn")).isPresent();
        assertThat(h.get("/failsafe").body()).contains("\"pg2\":\"http://pg2:8008/patroni\"");
        var peers = new io.hapg.core.internal.HttpPeerClient("test");
        try {
            var me = new io.hapg.core.model.Member("pg2", "", h.base + "/patroni", "replica", "running",
                    Optional.empty(), Optional.empty(), Optional.empty(), 2, Optional.empty(), Tags.NONE, "");
            assertThat(peers.failsafe(List.of(me), "pg1", Duration.ofSeconds(5))).isTrue();
        } finally {
            peers.close();
        }
        h.report(LocalStates.primary().build(), Clusters.healthy().config("failsafe_mode", true).build(), false);
        ApiHarness.Response primary = post("/failsafe", "{\"name\":\"pg1\"}");
        assertThat(primary.status()).isEqualTo(500);
        assertThat(primary.body()).isEqualTo("Running as a leader");
    }

    @Test
    void failsafeCallIsAcceptedOnlyFromTheLeaderLastSeenAndRemembered() {
        h = ApiHarness.start("pg2");
        // The leader key has expired (pg1 is cut from the store); pg1 is the leader this node last saw.
        ClusterView leaderless = Clusters.leaderless().config("failsafe_mode", true).failsafe("pg1", "pg2", "pg3")
                .build();
        h.report(LocalStates.replica().lastSeenLeader(Optional.of("pg1")).build(), leaderless, false);

        ApiHarness.Response stranger = post("/failsafe", "{\"name\":\"pg3\"}");
        assertThat(stranger.status()).isEqualTo(500);
        assertThat(stranger.body()).isEqualTo("pg3 is not the leader I last saw (pg1)");
        assertThat(h.control.failsafePing).as("a refused call is not remembered").isNull();
        assertThat(post("/failsafe", "{\"leader\":\"pg1\"}").status()).as("no name").isEqualTo(400);

        h.clock.advance(Duration.ofSeconds(7));
        ApiHarness.Response leader = post("/failsafe", "{\"name\":\"pg1\"}");
        assertThat(leader.status()).isEqualTo(200);
        assertThat(leader.body()).isEqualTo("Accepted");
        FailsafePing ping = h.control.failsafePing;
        assertThat(ping.leader()).isEqualTo("pg1");
        assertThat(ping.receivedAt()).isEqualTo(h.clock.nanoTime());
        assertThat(ping.position().map(lsn -> Long.toString(lsn.value()))).isEqualTo(leader.header("lsn"));

        h.report(LocalStates.replica().lastSeenLeader(Optional.of("pg1")).build(),
                Clusters.healthy().leader("pg3").config("failsafe_mode", true).build(), false);
        assertThat(post("/failsafe", "{\"name\":\"pg1\"}").status()).as("pg3 leads now").isEqualTo(500);
        assertThat(post("/failsafe", "{\"name\":\"pg3\"}").status()).isEqualTo(200);
    }

    @Test
    void withoutANodeControlManagementIsUnavailable() throws Exception {
        HttpApi api = HttpApi.builder(io.hapg.core.config.HaConfig.builder().scope(Clusters.SCOPE).name("pg1").build())
                .bindAddress(new java.net.InetSocketAddress("127.0.0.1", 0)).build();
        api.start();
        try {
            api.report(new io.hapg.core.spi.NodeStatus(Clusters.SCOPE, "pg1", LocalStates.primary().build(),
                    Clusters.withHealthyLeader(), false, "t", Instant.now(), System.nanoTime(), Optional.empty()));
            java.net.http.HttpClient client = ApiHarness.defaultClient();
            java.net.URI base = java.net.URI.create("http://127.0.0.1:" + api.address().getPort());
            var reload = client.send(java.net.http.HttpRequest.newBuilder(base.resolve("/reload"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(reload.statusCode()).isEqualTo(503);
            var health = client.send(java.net.http.HttpRequest.newBuilder(base.resolve("/health")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        } finally {
            api.close();
        }
    }
}
