package io.hapg.agent.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.ClusterView;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/** A {@link MemberApi} that records calls and answers from a table; and a {@link Session} around it. */
final class FakeApi implements MemberApi {
    /** One recorded call. */
    record Call(String apiUrl, String method, String endpoint, String json) {
    }

    final List<Call> calls = new ArrayList<>();
    /** The questions asked, as shown. */
    final List<String> prompts = new ArrayList<>();
    /** The operator's next answers; when none is left, nobody answers (no terminal). */
    final Deque<String> replies = new ArrayDeque<>();
    /** The environment the session's commands see ({@code EDITOR}, {@code PATH}...); empty by default. */
    final Map<String, String> env = new HashMap<>();
    /** How often the session deleted the cluster's keys. */
    int wipes;
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

    /** A session on a fixed view, at 2026-04-30T12:00Z in Europe/Paris, answering from {@link #replies}. */
    Session session(ClusterView view) {
        return session(() -> view);
    }

    /** {@link #session(ClusterView)} reading from {@code reader} (which may change or throw between reads). */
    Session session(Supplier<ClusterView> reader) {
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        Confirmation.Terminal terminal = new Confirmation.Terminal() {
            @Override
            public Optional<String> readLine(String prompt) {
                prompts.add(prompt);
                return Optional.ofNullable(replies.poll());
            }

            @Override
            public void println(String line) {
                out.println(line);
            }
        };
        return new Session("demo", reader, this, out,
                Clock.fixed(Instant.parse("2026-04-30T12:00:00Z"), ZoneId.of("Europe/Paris")), Duration.ofMillis(1),
                new Confirmation(terminal), () -> {
                    wipes++;
                    return 9;
                }, env);
    }

    /** Runs {@code hactl args...} on {@code view} through {@link CtlMain#dispatch}; returns the exit code. */
    int run(ClusterView view, String... args) {
        return CtlMain.dispatch(CtlArgs.parse(args), session(view));
    }

    /** {@link #run} throws a {@link CtlException} with exactly this message and exit code. */
    void assertFails(ClusterView view, int code, String message, String... args) {
        assertThatThrownBy(() -> run(view, args)).isInstanceOf(CtlException.class).hasMessage(message)
                .satisfies(e -> assertThat(((CtlException) e).exitCode()).isEqualTo(code));
    }

    String output() {
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
