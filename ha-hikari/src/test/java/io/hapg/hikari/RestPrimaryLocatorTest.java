package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.hapg.core.spi.PrimaryEndpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Against tiny HTTP servers that answer like Patroni's REST API. */
@Timeout(30)
class RestPrimaryLocatorTest {
    /** One member's API: 200 or 503 on /primary, and a /cluster document. */
    static final class FakeMember implements AutoCloseable {
        final String name;
        final int dbPort;
        volatile boolean primary;
        volatile Supplier<String> cluster = () -> "{\"members\":[]}";
        /** Answers to /primary come this late (a slow API at peak); 0 = at once. */
        volatile int delayMillis;
        /** /primary connections are closed without an answer (an agent restarting). */
        volatile boolean reset;
        volatile boolean clusterFails;
        /** The ttl GET /config reports; 0 = no config (502). */
        volatile int ttl;
        /** Answers GET /primary as Patroni 3.0 does: {@code patroni} holds only the version and scope. */
        volatile boolean withoutName;
        /** The database_system_identifier GET /primary reports (a made-up one unless a test sets the real one). */
        volatile String systemIdentifier;
        final HttpServer server;

        FakeMember(String name, int dbPort) throws IOException {
            this.name = name;
            this.dbPort = dbPort;
            this.systemIdentifier = "730000000000000" + dbPort;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/primary", x -> {
                if (slow(x)) {
                    return;
                }
                answer(x, primary ? 200 : 503, "{\"state\":\"running\",\"role\":\""
                        + (primary ? "primary" : "replica") + "\",\"patroni\":{\"version\":\"3.0.2\",\"scope\":\"shop\""
                        + (withoutName ? "" : ",\"name\":\"" + name + "\"") + "},\"database_system_identifier\":\""
                        + systemIdentifier
                        + "\"}");
            });
            server.createContext("/cluster", x -> {
                if (clusterFails) {
                    answer(x, 500, "");
                } else {
                    answer(x, 200, cluster.get());
                }
            });
            server.createContext("/config", x -> answer(x, ttl > 0 ? 200 : 502, ttl > 0 ? "{\"ttl\":" + ttl + "}" : ""));
            // Many threads, so that a slow /primary does not hold up the other requests.
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            server.start();
        }

        /** Delays or drops the answer as configured; true when it was dropped. */
        private boolean slow(com.sun.net.httpserver.HttpExchange x) throws IOException {
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (reset) {
                x.close();
                return true;
            }
            return false;
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        private static void answer(com.sun.net.httpserver.HttpExchange x, int code, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(bytes);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    static String cluster(String leader, FakeMember... members) {
        StringBuilder out = new StringBuilder("{\"members\":[");
        for (int i = 0; i < members.length; i++) {
            FakeMember m = members[i];
            boolean lead = m.name.equals(leader);
            out.append(i == 0 ? "" : ",").append("{\"name\":\"").append(m.name).append("\",\"role\":\"")
                    .append(lead ? "leader" : "replica").append("\",\"state\":\"").append(lead ? "running" : "streaming")
                    .append("\",\"api_url\":\"").append(m.url()).append("/patroni\",\"host\":\"127.0.0.1\",\"port\":")
                    .append(m.dbPort).append(lead ? "" : ",\"lag\":" + (m.dbPort % 7) * 1000).append("}");
        }
        return out.append("],\"scope\":\"shop\"}").toString();
    }

    private FakeMember a;
    private FakeMember b;
    private RestPrimaryLocator locator;

    @AfterEach
    void close() {
        if (locator != null) {
            locator.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as("timed out waiting until " + what).isTrue();
            Thread.sleep(10);
        }
    }

    @Test
    void theMemberAnswering200IsThePrimaryAndClusterSaysWhereItListens() throws Exception {
        a = new FakeMember("a", 5001);
        b = new FakeMember("b", 5002);
        a.primary = true;
        a.cluster = () -> cluster("a", a, b);
        b.cluster = () -> cluster(b.primary ? "b" : "a", a, b);
        locator = RestPrimaryLocator.builder().cluster("shop").member(a.url() + "/patroni").member(b.url())
                .pollInterval(Duration.ofMillis(100)).timeout(Duration.ofMillis(500)).build().start();
        java.util.List<Optional<PrimaryEndpoint>> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        locator.subscribe(seen::add);
        await("a is primary", () -> locator.current().map(PrimaryEndpoint::member).equals(Optional.of("a")));
        assertThat(locator.current().get().port()).isEqualTo(5001);
        assertThat(locator.replicas()).extracting(ReplicaEndpoint::member).containsExactly("b");
        assertThat(locator.systemIdentifier()).as("the primary's database_system_identifier")
                .contains("7300000000000005001");
        assertThat(locator.systemIdentifierSource()).as("where the identifier came from, for the pool's refusal")
                .isEqualTo("database_system_identifier in the GET /primary answer of a (" + a.url() + "/)");

        a.primary = false;
        await("no primary", () -> locator.current().isEmpty());
        assertThat(locator.problem()).hasValueSatisfying(p -> assertThat(p).contains("no member answered 200")
                .contains(a.url() + "/: 503"));
        b.primary = true;
        await("b is primary", () -> locator.current().map(PrimaryEndpoint::member).equals(Optional.of("b")));
        assertThat(locator.current().get().port()).isEqualTo(5002);
        // Subscribers hear of a change after current() shows it (they are called on the locator's thread).
        await("the subscriber heard of b", () -> seen.contains(locator.current()));
        assertThat(seen).extracting(p -> p.map(PrimaryEndpoint::member).orElse("-")).containsSubsequence("a", "-", "b");
    }

    @Test
    void aPatroni30MemberIsNamedByItsApiUrlInCluster() throws Exception {
        a = new FakeMember("a", 5001);
        b = new FakeMember("b", 5002);
        a.withoutName = true;
        b.withoutName = true;
        a.primary = true;
        a.cluster = () -> cluster("a", a, b);
        b.cluster = () -> cluster("a", a, b);
        locator = RestPrimaryLocator.builder().cluster("shop").member(a.url()).member(b.url())
                .pollInterval(Duration.ofMillis(100)).timeout(Duration.ofMillis(500)).build().start();
        await("a is primary", () -> locator.current().map(PrimaryEndpoint::member).equals(Optional.of("a")));
        assertThat(locator.current().get().port()).isEqualTo(5001);

        a.cluster = () -> cluster("a", b);   // a's /cluster does not list a's own api_url
        a.primary = false;
        await("no primary", () -> locator.current().isEmpty());
        a.primary = true;
        await("the missing name is named", () -> locator.problem().map(p -> p.contains("no member with that api_url"))
                .orElse(false));
        assertThat(locator.current()).isEmpty();
    }

    @Test
    void twoMembersAnswering200IsNoPrimary() throws Exception {
        a = new FakeMember("a", 5001);
        b = new FakeMember("b", 5002);
        a.primary = true;
        b.primary = true;
        locator = RestPrimaryLocator.builder().cluster("shop").member(a.url(), "127.0.0.1:5001")
                .member(b.url(), "127.0.0.1:5002").pollInterval(Duration.ofMillis(100)).build().start();
        await("a problem", () -> locator.problem().filter(p -> p.contains("more than one")).isPresent());
        assertThat(locator.current()).isEmpty();
        b.primary = false;
        await("a is primary", () -> locator.current().isPresent());
        assertThat(locator.current().get().port()).isEqualTo(5001);
    }

    @Test
    void membersThatCannotBeReachedAreNamed() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        locator = RestPrimaryLocator.builder().cluster("shop").members(List.of("http://127.0.0.1:" + dead))
                .pollInterval(Duration.ofMillis(100)).timeout(Duration.ofMillis(300)).build().start();
        await("a problem", () -> locator.problem().filter(p -> p.contains("unreachable")).isPresent());
        assertThat(locator.problem().get()).contains("http://127.0.0.1:" + dead + "/: unreachable");
        assertThat(locator.current()).isEmpty();
    }

    private void startAWithReplicaB(RestPrimaryLocator.Builder builder) throws Exception {
        a = new FakeMember("a", 5001);
        b = new FakeMember("b", 5002);
        a.primary = true;
        a.cluster = () -> cluster("a", a, b);
        b.cluster = () -> cluster("a", a, b);
        locator = builder.member(a.url()).member(b.url()).pollInterval(Duration.ofMillis(100))
                .timeout(Duration.ofMillis(200)).build().start();
        await("a is primary", () -> locator.current().map(PrimaryEndpoint::member).equals(Optional.of("a")));
        await("b is a replica", () -> !locator.replicas().isEmpty());
    }

    /** Holds {@code condition} for {@code millis}, checking every 10 ms. */
    private static void during(long millis, String what, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            assertThat(condition.getAsBoolean()).as(what).isTrue();
            Thread.sleep(10);
        }
    }

    @Test
    void aSlowOrResetPrimaryMemberKeepsTheLastPrimaryUpToTheBoundThenNoPrimary() throws Exception {
        startAWithReplicaB(RestPrimaryLocator.builder().cluster("shop").keepLastPrimaryFor(Duration.ofMillis(2500)));
        a.delayMillis = 600; // three times the request timeout
        during(1000, "a is kept while its API is slow", () -> locator.current().map(PrimaryEndpoint::member)
                .equals(Optional.of("a")) && !locator.replicas().isEmpty());
        assertThat(locator.problem()).hasValueSatisfying(p -> assertThat(p).contains("timed out").contains("keeping a"));
        a.delayMillis = 0;
        await("a confirmed again", () -> locator.problem().isEmpty());
        a.reset = true;
        during(1000, "a is kept while its agent restarts", () -> locator.current().isPresent());
        long lost = System.nanoTime();
        await("no primary once the bound passed", () -> locator.current().isEmpty());
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lost)).isBetween(1000L, 3000L);
        assertThat(locator.replicas()).extracting(ReplicaEndpoint::member).containsExactly("b");
    }

    @Test
    void thePrimarysOwn503IsNoPrimaryAtOnceAndAnotherMembers200IsTheNewPrimary() throws Exception {
        startAWithReplicaB(RestPrimaryLocator.builder().cluster("shop"));
        b.delayMillis = 600; // the replica's API is slow: says nothing about a
        during(500, "a is still primary", () -> locator.current().isPresent() && locator.problem().isEmpty());
        a.primary = false;
        long t0 = System.nanoTime();
        await("no primary", () -> locator.current().isEmpty());
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1500L);
        b.delayMillis = 0;
        b.primary = true;
        await("b is primary", () -> locator.current().map(PrimaryEndpoint::member).equals(Optional.of("b")));
    }

    @Test
    void theClusterTtlFromConfigBoundsHowLongTheLastPrimaryIsKept() throws Exception {
        a = new FakeMember("a", 5001);
        a.ttl = 1;
        a.primary = true;
        a.cluster = () -> cluster("a", a);
        locator = RestPrimaryLocator.builder().cluster("shop").member(a.url()).pollInterval(Duration.ofMillis(100))
                .timeout(Duration.ofMillis(200)).build().start();
        await("a is primary", () -> locator.current().isPresent());
        a.reset = true;
        long t0 = System.nanoTime();
        await("no primary after the ttl", () -> locator.current().isEmpty());
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(700L, 2500L);
    }

    @Test
    void aFailingClusterEndpointReusesTheLastAddress() throws Exception {
        startAWithReplicaB(RestPrimaryLocator.builder().cluster("shop"));
        a.clusterFails = true;
        b.clusterFails = true;
        during(600, "a stays primary at its address", () -> locator.current().map(PrimaryEndpoint::port)
                .equals(Optional.of(5001)));
        assertThat(locator.replicas()).extracting(ReplicaEndpoint::member).containsExactly("b");
    }

    @Test
    void anAnswerFromAnotherScopeIsNotUsed() throws Exception {
        a = new FakeMember("a", 5001);
        a.primary = true;
        locator = RestPrimaryLocator.builder().cluster("billing").member(a.url(), "127.0.0.1:5001")
                .pollInterval(Duration.ofMillis(100)).build().start();
        await("a problem", () -> locator.problem().isPresent() && !locator.problem().get().equals("not checked yet"));
        assertThat(locator.problem().get()).contains("answers for scope 'shop', not 'billing'");
        during(300, "no primary", () -> locator.current().isEmpty());
    }

    @Test
    void blindForCountsFromTheLastAnswerThatCouldBeTrusted() throws Exception {
        startAWithReplicaB(RestPrimaryLocator.builder().cluster("shop").keepLastPrimaryFor(Duration.ofMillis(1500)));
        assertThat(locator.blindFor()).as("a answers 200").isZero();
        long cut = System.nanoTime();
        a.reset = true; // the primary's member cannot tell; b's 503 says nothing about a
        await("blind for more than 500 ms", () -> locator.blindFor().toMillis() > 500);
        assertThat(locator.current()).as("kept, within keepLastPrimaryFor").isPresent();
        await("no primary once the bound passed", () -> locator.current().isEmpty());
        Duration blind = locator.blindFor();
        assertThat(blind.toNanos()).as("counted from a's last 200, not from the 'no primary'")
                .isLessThanOrEqualTo(System.nanoTime() - cut + TimeUnit.MILLISECONDS.toNanos(300))
                .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(1400));
        a.reset = false;
        a.primary = false; // the last primary's own 503 is a positive answer: not blind, no primary
        await("not blind on a's 503", () -> locator.blindFor().isZero());
        assertThat(locator.current()).isEmpty();
        b.delayMillis = 600; // b times out; a, no longer the primary, answers 503 but no primary is known
        await("blind again", () -> locator.blindFor().toMillis() > 300);
        b.delayMillis = 0;
        b.primary = true;
        await("b is primary, not blind", () -> locator.current().map(PrimaryEndpoint::member)
                .equals(Optional.of("b")) && locator.blindFor().isZero());
    }
}
