package io.hapg.agent.ctl;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Calls one member's REST API, as patronictl's {@code request_patroni} does: the endpoint is
 * resolved against the member's {@code api_url} ({@code http://host:8008/patroni} +
 * {@code switchover} = {@code http://host:8008/switchover}), unsafe methods carry HTTP Basic
 * credentials, bodies are JSON. Every call has a deadline; a member that cannot be reached is an
 * {@link Unreachable}, any HTTP answer (including 4xx/5xx) is a {@link Response}.
 */
final class RestClient implements MemberApi {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** An HTTP answer: the status code and the body as text. */
    record Response(int status, String body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    /** The member's API did not answer (connection refused, timeout, TLS failure). */
    static final class Unreachable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final HttpClient http;
    private final Optional<String> authorization;

    RestClient(CtlConfig config) {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER);
        config.tls().ifPresent(builder::sslContext);
        this.http = builder.build();
        this.authorization = config.credentials().map(c -> "Basic " + Base64.getEncoder().encodeToString(
                (c.username() + ":" + c.password().reveal()).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * @param apiUrl   the member's {@code api_url}
     * @param method   GET, POST, PATCH, DELETE...
     * @param endpoint {@code switchover}, {@code config}...
     * @param json     the request body, or null for none
     * @param timeout  how long to wait for the whole answer
     * @throws Unreachable when there is no HTTP answer within {@code timeout}
     */
    @Override
    public Response call(String apiUrl, String method, String endpoint, String json, Duration timeout) throws Unreachable {
        URI uri = url(apiUrl, endpoint);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (!method.equals("GET")) {
            authorization.ifPresent(a -> request.header("Authorization", a));
        }
        try {
            HttpResponse<String> response = http.send(request.build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new Unreachable(uri + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable(uri + ": interrupted", e);
        }
    }

    /** {@code api_url} with its last path segment replaced by {@code endpoint} (Python's urljoin). */
    static URI url(String apiUrl, String endpoint) {
        try {
            return URI.create(apiUrl).resolve(endpoint);
        } catch (IllegalArgumentException e) {
            throw CtlException.failed("the member's api_url '" + apiUrl + "' is not a URL: " + e.getMessage());
        }
    }
}
