package io.hapg.agent.ctl;

import io.hapg.core.model.ClusterView;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A {@link MemberApi} that records calls and answers from a table; and a {@link Session} around it. */
final class FakeApi implements MemberApi {
    /** One recorded call. */
    record Call(String apiUrl, String method, String endpoint, String json) {
    }

    final List<Call> calls = new ArrayList<>();
    private final Map<String, RestClient.Response> answers = new HashMap<>();
    private final Set<String> down = new HashSet<>();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    /** {@code "POST switchover"} (any member) or {@code "http://pg2:8008/patroni POST restart"} (one member). */
    FakeApi answer(String key, int status, String body) {
        answers.put(key, new RestClient.Response(status, body));
        return this;
    }

    /** The member with this api_url does not answer. */
    FakeApi down(String apiUrl) {
        down.add(apiUrl);
        return this;
    }

    @Override
    public RestClient.Response call(String apiUrl, String method, String endpoint, String json, Duration timeout)
            throws RestClient.Unreachable {
        calls.add(new Call(apiUrl, method, endpoint, json));
        if (down.contains(apiUrl)) {
            throw new RestClient.Unreachable(apiUrl + ": Connection refused", null);
        }
        RestClient.Response r = answers.get(apiUrl + " " + method + " " + endpoint);
        if (r == null) {
            r = answers.get(method + " " + endpoint);
        }
        return r != null ? r : new RestClient.Response(200, "OK");
    }

    /** A session on a fixed view, at 2026-04-30T12:00Z in Europe/Paris. */
    Session session(ClusterView view) {
        return new Session("demo", () -> view, this, new PrintStream(buffer, true, StandardCharsets.UTF_8),
                Clock.fixed(Instant.parse("2026-04-30T12:00:00Z"), ZoneId.of("Europe/Paris")), Duration.ofMillis(1));
    }

    String output() {
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
