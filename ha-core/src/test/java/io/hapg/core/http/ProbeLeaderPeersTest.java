package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.hapg.core.config.Credentials;
import io.hapg.core.internal.HttpPeerClient;
import io.hapg.core.model.LeaderProbe.Outcome;
import io.hapg.core.model.Member;
import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link HttpPeerClient#probeLeader} against real {@link HttpApi} voters: what a candidate gathers
 * from {@code POST /hapg/probe-leader}, and that anything but a proper answer in time counts as
 * {@link Outcome#VOTER_UNREACHABLE}.
 */
@Timeout(60)
class ProbeLeaderPeersTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final List<AutoCloseable> open = new ArrayList<>();
    private final HttpPeerClient client = new HttpPeerClient("pg9");

    @AfterEach
    void stop() throws Exception {
        client.close();
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** A voter named {@code name} that sees pg1 as the leader and whose probe of it finds {@code outcome}. */
    private ApiHarness voter(String name, Outcome outcome) {
        return voter(ApiHarness.start(name), outcome);
    }

    private ApiHarness voter(ApiHarness h, Outcome outcome) {
        open.add(h);
        h.control.probeOutcome = outcome;
        h.report(LocalStates.replica().build(), Clusters.withHealthyLeader(), false);
        return h;
    }

    private static Member member(String name, String apiUrl) {
        return Member.of(name, "postgres://" + name + ":5432/postgres", apiUrl);
    }

    private static Member member(ApiHarness h) {
        return member(h.member, h.base + "/patroni");
    }

    /** A port nothing listens on. */
    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void eachVotersOutcomeComesBackUnderItsName() {
        ApiHarness dead = voter("pg2", Outcome.NOT_ANSWERING);
        ApiHarness alive = voter("pg3", Outcome.ANSWERED);

        Map<String, Outcome> outcomes = client.probeLeader(List.of(member(dead), member(alive)), "pg1", TIMEOUT);

        assertThat(outcomes).containsExactly(Map.entry("pg2", Outcome.NOT_ANSWERING), Map.entry("pg3", Outcome.ANSWERED));
        assertThat(dead.control.probed.name()).isEqualTo("pg1");
        assertThat(dead.control.probeTimeout).as("timeout / 4").isEqualTo(Duration.ofMillis(500));
        client.probeLeader(List.of(member(dead)), "pg1", Duration.ofSeconds(60));
        assertThat(dead.control.probeTimeout).as("at most 5 s").isEqualTo(Duration.ofSeconds(5));
        client.probeLeader(List.of(member(dead)), "pg1", Duration.ofMillis(200));
        assertThat(dead.control.probeTimeout).as("at least 100 ms").isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void unreachableSlowRefusingOrMisaddressedVotersCountAsUnreachableWithinTheTimeout() throws Exception {
        ApiHarness dead = voter("pg2", Outcome.NOT_ANSWERING);
        CountDownLatch release = new CountDownLatch(1);
        ApiHarness slow = voter("pg3", Outcome.NOT_ANSWERING);
        slow.control.duringProbe = () -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        ApiHarness otherLeader = voter("pg4", Outcome.NOT_ANSWERING);
        otherLeader.report(LocalStates.replica().build(), Clusters.healthy().leader("pg2").build(), false);
        List<Member> voters = List.of(member(dead),
                member("pg5", "http://127.0.0.1:" + closedPort() + "/patroni"),
                member(slow),
                member(otherLeader),
                member("pg6", ""),
                member("pg7", "not a url"),
                // pg8's api_url reaches pg2's API: pg2 must not be counted twice.
                member("pg8", dead.base + "/patroni"));
        try {
            long started = System.nanoTime();
            Map<String, Outcome> outcomes = client.probeLeader(voters, "pg1", TIMEOUT);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertThat(outcomes).containsExactly(Map.entry("pg2", Outcome.NOT_ANSWERING),
                    Map.entry("pg5", Outcome.VOTER_UNREACHABLE), Map.entry("pg3", Outcome.VOTER_UNREACHABLE),
                    Map.entry("pg4", Outcome.VOTER_UNREACHABLE), Map.entry("pg6", Outcome.VOTER_UNREACHABLE),
                    Map.entry("pg7", Outcome.VOTER_UNREACHABLE), Map.entry("pg8", Outcome.VOTER_UNREACHABLE));
            assertThat(tookMs).as("the slow voter is not waited for past the timeout").isBetween(1900L, 3500L);
            assertThat(otherLeader.control.calls).as("409: it sees pg2 as leader").doesNotContain("probeOther");
        } finally {
            release.countDown();
        }
    }

    @Test
    void garbageAndNonProbeAnswersCountAsUnreachable() throws Exception {
        List<String> answers = List.of("not json", "{}", "{\"outcome\":\"DEAD\",\"leader\":\"pg1\",\"by\":\"g0\"}",
                "{\"outcome\":\"NOT_ANSWERING\",\"leader\":\"pg2\",\"by\":\"g3\"}",
                "{\"outcome\":\"NOT_ANSWERING\",\"leader\":\"pg1\"}",
                "{\"outcome\":\"NOT_ANSWERING\",\"leader\":\"pg1\",\"by\":\"g5\"}");
        List<Member> voters = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
            voters.add(member("g" + i, fixedServer(200, answers.get(i)) + "/patroni"));
        }
        voters.add(member("g6", fixedServer(500, "{\"outcome\":\"NOT_ANSWERING\",\"leader\":\"pg1\",\"by\":\"g6\"}")
                + "/patroni"));

        Map<String, Outcome> outcomes = client.probeLeader(voters, "pg1", TIMEOUT);

        assertThat(outcomes).containsOnlyKeys("g0", "g1", "g2", "g3", "g4", "g5", "g6");
        assertThat(outcomes.get("g5")).as("the only proper answer").isEqualTo(Outcome.NOT_ANSWERING);
        outcomes.remove("g5");
        assertThat(outcomes.values()).containsOnly(Outcome.VOTER_UNREACHABLE);
    }

    @Test
    void credentialsAreSentWhenConfigured() {
        ApiHarness guarded = voter(ApiHarness.start("pg2", Tags.NONE, rest -> rest.authentication("api", "s3cret"),
                a -> a), Outcome.NOT_ANSWERING);
        assertThat(client.probeLeader(List.of(member(guarded)), "pg1", TIMEOUT))
                .as("no credentials: 401").containsExactly(Map.entry("pg2", Outcome.VOTER_UNREACHABLE));
        try (HttpPeerClient withCredentials = new HttpPeerClient("pg9", Optional.of(Credentials.of("api", "s3cret")),
                Optional.empty())) {
            assertThat(withCredentials.probeLeader(List.of(member(guarded)), "pg1", TIMEOUT))
                    .containsExactly(Map.entry("pg2", Outcome.NOT_ANSWERING));
        }
    }

    @Test
    void noVotersNoOutcomes() {
        assertThat(client.probeLeader(List.of(), "pg1", TIMEOUT)).isEmpty();
    }

    /** An HTTP server answering every request with {@code status} and {@code body}; its base URL. */
    private String fixedServer(int status, String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        open.add(() -> server.stop(0));
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }
}
