package io.hapg.core.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One parsed HTTP request: what the endpoints see instead of the JDK's exchange.
 *
 * @param method        {@code GET}, {@code POST}, ... (upper case)
 * @param path          the path without the query, e.g. {@code /replica}
 * @param query         the query parameters, first value of each (Patroni reads {@code parse_qs(...)[0]})
 * @param authorization the {@code Authorization} header, if sent
 * @param hasBody       whether the client sent {@code Content-Length} or a chunked body
 * @param body          the body as read (at most {@link Router#MAX_BODY} bytes)
 * @param client        the peer's address
 * @param clientCert    whether the client presented a verified TLS certificate
 */
record Request(String method, String path, Map<String, String> query, Optional<String> authorization,
               boolean hasBody, byte[] body, InetAddress client, boolean clientCert) {

    Request {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        query = query.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(query));
        Objects.requireNonNull(authorization, "authorization");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(client, "client");
    }

    /** GET, HEAD and OPTIONS never change anything; the others need access checks. */
    boolean isUnsafe() {
        return !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"));
    }

    /** The first segment of the path: {@code /switchover} for {@code /switchover/x}, {@code /} for {@code /}. */
    String endpoint() {
        String rest = path.startsWith("/") ? path.substring(1) : path;
        int slash = rest.indexOf('/');
        return "/" + (slash < 0 ? rest : rest.substring(0, slash));
    }

    /** {@code a=1&b=x%20y} to a map, first value wins, as Patroni's {@code parse_qs(...)[0]}. */
    static Map<String, String> parseQuery(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            // parse_qs drops parameters without a value.
            if (eq <= 0 || eq == pair.length() - 1) {
                continue;
            }
            try {
                String key = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.putIfAbsent(key, value);
            } catch (IllegalArgumentException e) {
                // A malformed escape: ignore the parameter, as a lenient parser would.
            }
        }
        return query;
    }

    /**
     * The body as a JSON object, as Patroni's {@code _read_json_content}: a required body must be
     * a non-empty object; an optional one may be absent or empty.
     *
     * @throws BadRequest 411 without {@code Content-Length} for a required body, 400 for anything
     *                    that is not a (non-empty, when required) JSON object
     */
    Map<String, Object> jsonObject(ObjectMapper json, boolean optional) {
        if (!hasBody || body.length == 0) {
            if (optional) {
                return new LinkedHashMap<>();
            }
            throw new BadRequest(hasBody ? 400 : 411, hasBody ? "a JSON object is required" : "Length Required");
        }
        Object parsed;
        try {
            parsed = json.readValue(body, Object.class);
        } catch (JsonProcessingException e) {
            throw new BadRequest(400, "Bad request: not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest(400, "Bad request: unreadable body");
        }
        if (!(parsed instanceof Map) || ((Map<?, ?>) parsed).isEmpty() && !optional) {
            throw new BadRequest(400, "Bad request: a JSON object is required");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) parsed;
        return new LinkedHashMap<>(map);
    }

    /** A request the endpoint refuses with a 4xx status and a message. */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;

        BadRequest(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        int status() {
            return status;
        }
    }
}
