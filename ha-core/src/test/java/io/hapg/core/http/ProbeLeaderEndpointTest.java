package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Member;
import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code POST /hapg/probe-leader} on a real {@link HttpApi} (Netty, and the JDK server in the
 * {@code jdk-http-server} run): a voter probes only the leader it sees itself, at the conn_url of
 * its own view, on a worker thread, behind the unsafe calls' access checks.
 */
@Timeout(60)
class ProbeLeaderEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/hapg/probe-leader";

    private ApiHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    /** pg2, a replica, sees pg1 as leader (conn_url postgres://pg1:5432/postgres). */
    private void voter() {
        h = ApiHarness.start("pg2");
        h.report(LocalStates.replica().build(), Clusters.withHealthyLeader(), false);
    }

    private ApiHarness.Response post(String body) {
        return h.send("POST", PATH, body, null);
    }

    private static JsonNode json(ApiHarness.Response r) throws Exception {
        assertThat(r.header("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    /** The outcome of a probe that ran (200). */
    private static String outcome(ApiHarness.Response r) throws Exception {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return json(r).path("outcome").asText();
    }

    @Test
    void theVoterProbesTheLeaderItSeesAtTheConnUrlOfItsOwnView() throws Exception {
        voter();
        h.control.probeOutcome = LeaderProbe.Outcome.NOT_ANSWERING;
        // Fields naming a host are ignored: the request names a member, never where it is.
        ApiHarness.Response r = post("{\"leader\":\"pg1\",\"conn_url\":\"postgres://evil:1/x\",\"host\":\"evil\"}");

        assertThat(outcome(r)).isEqualTo("NOT_ANSWERING");
        JsonNode doc = json(r);
        assertThat(doc.path("leader").asText()).isEqualTo("pg1");
        assertThat(doc.path("by").asText()).isEqualTo("pg2");
        assertThat(h.control.probed.name()).isEqualTo("pg1");
        assertThat(h.control.probed.connUrl()).isEqualTo("postgres://pg1:5432/postgres");
        assertThat(h.control.probeTimeout).as("default").isEqualTo(Duration.ofMillis(500));
        assertThat(h.control.probeThread).as("a worker, never Netty's I/O thread").matches("ha-http-pg2-\\d+");

        h.control.probeOutcome = LeaderProbe.Outcome.ANSWERED;
        assertThat(outcome(post("{\"leader\":\"pg1\",\"timeout_ms\":1200}"))).isEqualTo("ANSWERED");
        assertThat(h.control.probeTimeout).isEqualTo(Duration.ofMillis(1200));
    }

    @Test
    void onlyNotAnsweringIsReportedAsSuchAnythingElseCountsAsAnswered() throws Exception {
        voter();
        h.control.probeOutcome = LeaderProbe.Outcome.VOTER_UNREACHABLE;
        assertThat(outcome(post("{\"leader\":\"pg1\"}"))).isEqualTo("ANSWERED");
    }

    @Test
    void aMemberThatDoesNotHoldTheKeyInTheVotersViewIsNotProbed() throws Exception {
        voter();
        ApiHarness.Response other = post("{\"leader\":\"pg3\"}");
        assertThat(other.status()).isEqualTo(409);
        JsonNode doc = json(other);
        assertThat(doc.path("holder").asText()).isEqualTo("pg1");
        assertThat(doc.path("leader").asText()).isEqualTo("pg3");
        assertThat(doc.path("by").asText()).isEqualTo("pg2");
        assertThat(doc.path("reason").asText()).isEqualTo("pg3 does not hold the leader key in my view (pg1 does)");

        h.report(LocalStates.replica().build(), Clusters.healthy().noLeader().build(), false);
        ApiHarness.Response none = post("{\"leader\":\"pg1\"}");
        assertThat(none.status()).isEqualTo(409);
        assertThat(json(none).path("holder").isNull()).isTrue();
        assertThat(json(none).path("reason").asText()).contains("nobody does");

        h.report(LocalStates.replica().build(), Clusters.healthy().without("pg1").build(), false);
        ApiHarness.Response noMember = post("{\"leader\":\"pg1\"}");
        assertThat(noMember.status()).isEqualTo(409);
        assertThat(json(noMember).path("reason").asText()).contains("no member key");

        assertThat(h.control.calls).doesNotContain("probeOther");
    }

    @Test
    void badRequestsAreRefusedWithTheProblemNamed() {
        voter();
        List<String> bodies = List.of("{\"leader\":", "[\"pg1\"]", "{}", "{\"name\":\"pg1\"}", "{\"leader\":1}",
                "{\"leader\":\" \"}", "{\"leader\":\"pg1\",\"timeout_ms\":99}",
                "{\"leader\":\"pg1\",\"timeout_ms\":5001}", "{\"leader\":\"pg1\",\"timeout_ms\":500.5}",
                "{\"leader\":\"pg1\",\"timeout_ms\":\"500\"}", "{\"leader\":\"pg1\",\"timeout_ms\":true}");
        for (String body : bodies) {
            assertThat(post(body).status()).as(body).isEqualTo(400);
        }
        assertThat(post("{\"leader\":1}").body()).startsWith("leader:");
        assertThat(post("{\"leader\":\"pg1\",\"timeout_ms\":6000}").body()).startsWith("timeout_ms:")
                .contains("100").contains("5000");
        assertThat(post("{\"leader\":").body()).contains("not JSON");
        assertThat(post(null).status()).as("no body").isIn(400, 411);
        assertThat(post("{\"leader\":\"pg1\",\"timeout_ms\":100}").status()).as("lowest bound").isEqualTo(200);
        assertThat(post("{\"leader\":\"pg1\",\"timeout_ms\":5000}").status()).as("highest bound").isEqualTo(200);
        assertThat(h.control.calls).containsExactly("probeOther", "probeOther");
    }

    @Test
    void otherMethodsAndPathsAreNotProbes() {
        voter();
        assertThat(h.send("PUT", PATH, "{\"leader\":\"pg1\"}", null).status()).isEqualTo(501);
        assertThat(h.send("POST", "/hapg/other", "{\"leader\":\"pg1\"}", null).status()).isEqualTo(501);
        assertThat(h.send("POST", PATH + "/x", "{\"leader\":\"pg1\"}", null).status()).isEqualTo(501);
        assertThat(h.get(PATH).status()).as("a GET is a health check, as any unknown path").isEqualTo(503);
        assertThat(h.control.calls).doesNotContain("probeOther");
    }

    @Test
    void beforeTheFirstLoopIterationTheVoterCannotTell() {
        h = ApiHarness.start("pg2");
        assertThat(post("{\"leader\":\"pg1\"}").status()).isEqualTo(503);
    }

    @Test
    void theCallNeedsCredentialsWhenConfigured() {
        h = ApiHarness.start("pg2", Tags.NONE, rest -> rest.authentication("admin", "s3cret"), a -> a);
        h.report(LocalStates.replica().build(), Clusters.withHealthyLeader(), false);
        ApiHarness.Response none = post("{\"leader\":\"pg1\"}");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).hasValue("Basic realm=\"Patroni\"");
        assertThat(h.send("POST", PATH, "{\"leader\":\"pg1\"}", "admin:wrong").status()).isEqualTo(401);
        assertThat(h.control.calls).doesNotContain("probeOther");
        assertThat(h.send("POST", PATH, "{\"leader\":\"pg1\"}", "admin:s3cret").status()).isEqualTo(200);
        assertThat(h.control.calls).containsExactly("probeOther");
    }

    @Test
    void theAllowlistGuardsTheCall() {
        h = ApiHarness.start("pg2", Tags.NONE, rest -> rest.allowlist(List.of("10.0.0.0/8")), a -> a);
        h.report(LocalStates.replica().build(), Clusters.withHealthyLeader(), false);
        ApiHarness.Response denied = post("{\"leader\":\"pg1\"}");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("Access is denied");
        h.close();
        h = ApiHarness.start("pg2", Tags.NONE, rest -> rest.allowlistIncludeMembers(true), a -> a);
        h.report(LocalStates.replica().build(), Clusters.withHealthyLeader(), false);
        assertThat(post("{\"leader\":\"pg1\"}").status()).as("members are pg1..pg3 on other hosts").isEqualTo(403);
        h.report(LocalStates.replica().build(), Clusters.healthy().member(new Member("pg3",
                "postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni", "replica", "running",
                Optional.empty(), Optional.empty(), Optional.empty(), 2, Optional.empty(), Tags.NONE, "")).build(),
                false);
        assertThat(post("{\"leader\":\"pg1\"}").status()).as("a member on this host").isEqualTo(200);
    }

    @Test
    void atMostFourProbesRunAtOnce() throws Exception {
        voter();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(ProbeLeaderEndpoint.MAX_CONCURRENT);
        h.control.duringProbe = () -> {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        List<CompletableFuture<ApiHarness.Response>> slow = new ArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(ProbeLeaderEndpoint.MAX_CONCURRENT);
        try {
            for (int i = 0; i < ProbeLeaderEndpoint.MAX_CONCURRENT; i++) {
                slow.add(CompletableFuture.supplyAsync(() -> post("{\"leader\":\"pg1\"}"), callers));
            }
            theFifthIsRefusedUntilOneEnds(entered, release, slow);
        } finally {
            release.countDown();
            callers.shutdownNow();
        }
    }

    private void theFifthIsRefusedUntilOneEnds(CountDownLatch entered, CountDownLatch release,
                                      List<CompletableFuture<ApiHarness.Response>> slow) throws Exception {
        assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
        ApiHarness.Response refused = post("{\"leader\":\"pg1\"}");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.body()).isEqualTo("too many leader probes in progress");
        assertThat(h.get("/replica").status()).as("health checks still answer").isEqualTo(200);
        release.countDown();
        for (CompletableFuture<ApiHarness.Response> f : slow) {
            assertThat(f.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        assertThat(post("{\"leader\":\"pg1\"}").status()).as("slots freed").isEqualTo(200);
    }
}
