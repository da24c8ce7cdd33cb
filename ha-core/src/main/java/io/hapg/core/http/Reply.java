package io.hapg.core.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One HTTP answer, built by an endpoint and written by {@link Router}.
 *
 * @param status      the status code
 * @param contentType the body's media type; ignored without a body
 * @param body        the body; empty for a status-line-only answer
 * @param headers     extra headers (e.g. {@code WWW-Authenticate})
 */
record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
    static final String JSON = "application/json";
    static final String TEXT = "text/plain; charset=utf-8";
    /** Prometheus' text exposition format. */
    static final String METRICS = "text/plain; version=0.0.4; charset=utf-8";

    Reply {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
        headers = Map.copyOf(headers);
    }

    /** The status line only, no body (HAProxy's {@code OPTIONS}/{@code HEAD} checks, liveness). */
    static Reply statusOnly(int status) {
        return new Reply(status, TEXT, new byte[0], Map.of());
    }

    static Reply text(int status, String message) {
        return new Reply(status, TEXT, message.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    static Reply json(int status, byte[] body) {
        return new Reply(status, JSON, body, Map.of());
    }

    Reply withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new Reply(status, contentType, body, copy);
    }
}
