package io.hapg.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The load generator against a keep-alive server and against one that closes after each answer. */
@Timeout(30)
class PrimaryLoadTest {
    @Test
    void keepAliveAnswersAreCountedWithoutReconnects() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        ExecutorService pool = Executors.newFixedThreadPool(4, r -> new Thread(r, "test-http"));
        server.setExecutor(pool);
        server.createContext("/primary", x -> {
            byte[] body = "{\"role\": \"primary\"}".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(body);
            }
        });
        server.start();
        try {
            PrimaryLoad.Result r = new PrimaryLoad("127.0.0.1", server.getAddress().getPort(), "/primary")
                    .run(2, 200, 1000);
            assertThat(r.requestsPerSecond()).isGreaterThan(10);
            assertThat(r.errors()).isZero();
            assertThat(r.reconnects()).isZero();
            assertThat(r.p50Millis()).isLessThanOrEqualTo(r.p99Millis());
        } finally {
            server.stop(0);
            pool.shutdownNow();
        }
    }

    @Test
    void anHttp10ServerIsReconnectedAndCounted() throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                while (!listen.isClosed()) {
                    try (Socket s = listen.accept()) {
                        s.getInputStream().read(new byte[4096]);
                        s.getOutputStream().write("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{}"
                                .getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "test-http10");
            server.setDaemon(true);
            server.start();
            PrimaryLoad.Result r = new PrimaryLoad("127.0.0.1", listen.getLocalPort(), "/primary").run(1, 100, 500);
            assertThat(r.requestsPerSecond()).isGreaterThan(1);
            assertThat(r.reconnects()).isGreaterThan(0);
            assertThat(r.errors()).isZero();
        }
    }

    @Test
    void percentileIsTheNearestRank() {
        long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(PrimaryLoad.percentile(sorted, 0.5)).isEqualTo(5);
        assertThat(PrimaryLoad.percentile(sorted, 0.99)).isEqualTo(10);
        assertThat(PrimaryLoad.percentile(new long[0], 0.5)).isNaN();
    }

    @Test
    void commitsAreBinnedPer100MillisecondsAroundTheFault() {
        long s = 1_000_000_000L;
        FaultBench.Timeline t = new FaultBench.Timeline("kill #1", "hapg", 10 * s,
                new long[] {10 * s - 150_000_000L, 10 * s - 120_000_000L, 10 * s + 250_000_000L});
        assertThat(BenchPlots.bins(t)).containsExactly(java.util.Map.entry(-2L, 2), java.util.Map.entry(-1L, 0),
                java.util.Map.entry(0L, 0), java.util.Map.entry(1L, 0), java.util.Map.entry(2L, 1));
    }
}
