package io.hapg.testkit.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/** A small HTTP client for the agents' REST API, with bounded timeouts. */
final class Rest {
    private final HttpClient client;
    private final Optional<String> authorization;

    Rest(Optional<LocalCluster.Credentials> credentials, Optional<SSLContext> tls) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                .version(HttpClient.Version.HTTP_1_1);
        tls.ifPresent(b::sslContext);
        this.client = b.build();
        this.authorization = credentials.map(c -> "Basic " + Base64.getEncoder().encodeToString(
                (c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * One request. A body is sent as JSON.
     *
     * @return the response; status {@code -1} when the agent did not answer (refused, reset, timed out)
     */
    ClusterNode.Response send(URI uri, String method, String body, boolean withCredentials, Duration timeout) {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        if (withCredentials) {
            authorization.ifPresent(a -> r.header("Authorization", a));
        }
        try {
            HttpResponse<String> response = client.send(r.build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new ClusterNode.Response(response.statusCode(), response.body());
        } catch (IOException e) {
            return new ClusterNode.Response(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ClusterNode.Response(-1, e.toString());
        }
    }
}
