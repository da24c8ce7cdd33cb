package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Clients that never finish their request, and floods of checks, do not stall the health endpoints. */
@Timeout(60)
class SlowClientsTest {
    private ApiHarness h;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (h != null) {
            h.close();
        }
    }

    private void primary(UnaryOperator<HttpApi.Builder> options) {
        // A listen backlog (request_queue_size) large enough that a burst of test connections is
        // not dropped by the kernel: that would delay the check by a SYN retransmit, not a thread.
        h = ApiHarness.start("pg1", Tags.NONE, rest -> rest.requestQueueSize(256), options);
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
    }

    private Socket open(String sent) throws IOException {
        Socket s = new Socket("127.0.0.1", h.base.getPort());
        sockets.add(s);
        if (!sent.isEmpty()) {
            s.getOutputStream().write(sent.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
        return s;
    }

    private Duration timeHealthCheck() {
        long started = System.nanoTime();
        assertThat(h.get("/primary").status()).isEqualTo(200);
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** True if the server closed the connection within {@code within}. */
    private static boolean closedByServer(Socket s, Duration within) throws IOException {
        s.setSoTimeout((int) within.toMillis());
        InputStream in = s.getInputStream();
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void connectionsThatSendNothingHoldNoThread() throws IOException {
        primary(a -> a.maxThreads(2).requestTimeout(Duration.ofSeconds(30)));
        for (int i = 0; i < 50; i++) {
            open("");
        }
        assertThat(timeHealthCheck()).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void halfSentRequestsDoNotStallChecksWhileThreadsRemain() throws IOException {
        primary(a -> a);
        for (int i = 0; i < 20; i++) {
            open("GET /primary HTTP/1.1\r\nHost: x\r\n");
        }
        for (int i = 0; i < 20; i++) {
            open("");
        }
        assertThat(timeHealthCheck()).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void halfSentRequestsBeyondThePoolAreCutOffAfterTheRequestTimeout() throws IOException {
        primary(a -> a.maxThreads(3).requestTimeout(Duration.ofMillis(300)));
        List<Socket> stalled = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            stalled.add(open("GET /primary HTTP/1.1\r\nHost: x\r\nX-Slow: "));
        }
        assertThat(timeHealthCheck()).isLessThan(Duration.ofSeconds(3));
        for (Socket s : stalled) {
            assertThat(closedByServer(s, Duration.ofSeconds(5))).isTrue();
        }
        assertThat(timeHealthCheck()).as("the pool recovered").isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aBodyThatNeverArrivesIsCutOffToo() throws IOException {
        primary(a -> a.maxThreads(2).requestTimeout(Duration.ofMillis(300)));
        Socket s = open("POST /switchover HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"leader\":");
        assertThat(closedByServer(s, Duration.ofSeconds(5))).isTrue();
        assertThat(h.control.calls).isEmpty();
        assertThat(timeHealthCheck()).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aSlowManagementCallDoesNotCountAsASlowClient() {
        primary(a -> a.requestTimeout(Duration.ofMillis(200)));
        // The new leader appears only after a few polls: longer than the request timeout.
        h.control.onFailover = request -> h.control.cluster = Clusters.healthy().switchover("pg1", "pg2").build();
        h.control.onFailover = h.control.onFailover.andThen(request -> CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(600);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            h.control.cluster = Clusters.healthy().leader("pg2").build();
        }));
        ApiHarness.Response r = h.send("POST", "/switchover", "{\"leader\":\"pg1\",\"candidate\":\"pg2\"}", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("Successfully switched over to \"pg2\"");
    }

    @Test
    void aFloodOfChecksIsAnsweredFromMemory() {
        primary(a -> a);
        List<CompletableFuture<Integer>> checks = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            checks.add(CompletableFuture.supplyAsync(() -> h.code(i2m(checks.size()), "/primary")));
        }
        for (CompletableFuture<Integer> check : checks) {
            assertThat(check.join()).isEqualTo(200);
        }
    }

    @Test
    void connectionsBeyondTheCapAreClosedAndTheApiRecovers() throws IOException {
        primary(a -> a);
        int cap = HttpApi.MAX_CONNECTIONS;
        if (ApiHarness.TRANSPORT == HttpApi.Transport.JDK) {
            assertThat(Integer.getInteger("jdk.httpserver.maxConnections", -1))
                    .as("set by HttpApi unless the operator did").isEqualTo(cap);
        }
        List<Socket> flood = new ArrayList<>();
        for (int i = 0; i < cap + 5; i++) {
            flood.add(open(""));
        }
        // The JDK accepts in order and closes the ones past the cap at once.
        assertThat(closedByServer(flood.get(flood.size() - 1), Duration.ofSeconds(5))).isTrue();
        for (Socket s : flood.subList(0, cap - 10)) {
            s.close();
        }
        assertThat(h.get("/primary").status()).isEqualTo(200);
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheRequestTime() throws IOException {
        primary(a -> a);
        Socket silent = open("");
        assertThat(closedByServer(silent, Duration.ofSeconds(HttpApi.REQUEST_SECONDS + 3))).isTrue();
        assertThat(h.get("/primary").status()).isEqualTo(200);
    }

    private static String i2m(int i) {
        return i % 3 == 0 ? "GET" : i % 3 == 1 ? "HEAD" : "OPTIONS";
    }
}
