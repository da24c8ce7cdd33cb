package io.hapg.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Health of {@link LocalEtcd} members through {@code GET /health} on loopback. etcd answers
 * {@code {"health":"true"}} only when it has a leader and a quorum read succeeds, so a member
 * that is frozen, cut off from its quorum or still starting reads as unhealthy.
 */
final class EtcdHealth {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final int LOG_LINES = 30;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            // Loopback only: never route through a proxy configured for the JVM.
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(1))
            .build();

    /** True when the member answered healthy within 2 s; any failure or silence is false. */
    boolean isHealthy(EtcdMember member) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(member.healthUrl() + "/health"))
                .timeout(REQUEST_TIMEOUT)
                .GET()
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200
                    && response.body().replace(" ", "").contains("\"health\":\"true\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Polls every 100 ms until {@code needed} of the members at {@code indexes} are healthy.
     *
     * @throws PortClash when one of them exited because a port was taken
     * @throws IllegalStateException on timeout, when fewer than {@code needed} of them run, or
     *     when {@code open} turns false; the message holds every member's log tail
     */
    void await(List<EtcdMember> members, int[] indexes, int needed, Duration timeout, BooleanSupplier open) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!open.getAsBoolean()) {
                throw new IllegalStateException("LocalEtcd is closed");
            }
            int running = 0;
            int healthy = 0;
            for (int index : indexes) {
                EtcdMember member = members.get(index);
                if (member.isRunning()) {
                    running++;
                    healthy += isHealthy(member) ? 1 : 0;
                } else if (member.exitedOnPortClash()) {
                    throw new PortClash(member.name());
                }
            }
            if (healthy >= needed) {
                return;
            }
            if (running < needed) {
                throw new IllegalStateException("etcd: only " + running + " of the " + needed
                        + " members that must be healthy are running" + logs(members));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("etcd: " + healthy + " of " + needed
                        + " required members healthy after " + timeout + logs(members));
            }
            pause();
        }
    }

    static String logs(List<EtcdMember> members) {
        StringBuilder out = new StringBuilder();
        for (EtcdMember member : members) {
            out.append(System.lineSeparator()).append("--- ").append(member.describe()).append(", last ")
                    .append(LOG_LINES).append(" log lines:").append(System.lineSeparator())
                    .append(member.logTail(LOG_LINES));
        }
        return out.toString();
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for etcd", e);
        }
    }

    /** A member exited because a port picked by {@link FreePorts} was taken before it bound it. */
    static final class PortClash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PortClash(String member) {
            super("etcd member " + member + " found a port already in use");
        }
    }
}
