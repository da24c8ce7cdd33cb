package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Requests sent back to back on one connection are answered in the order sent, even when the
 * first is a slow unsafe call answered off the I/O thread and the second a health check answered
 * on it.
 */
@Timeout(30)
class PipeliningTest {
    private ApiHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void aHealthCheckBehindASlowReloadIsAnsweredAfterIt() throws IOException {
        h = ApiHarness.start("pg1");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        h.control.duringReload = () -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (Socket s = new Socket("127.0.0.1", h.base.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                    + "GET /primary HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answers = readAll(s.getInputStream());
            int reload = answers.indexOf("reload");
            int primary = answers.indexOf("\"role\"");
            assertThat(answers).startsWith("HTTP/1.1 202");
            assertThat(reload).as("the reload's answer").isPositive();
            assertThat(primary).as("the health check's answer").isGreaterThan(reload);
            assertThat(answers.substring(reload)).contains("HTTP/1.1 200");
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
