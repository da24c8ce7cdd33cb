package io.hapg.core.http;

import io.hapg.core.spi.NodeStatus;
import io.hapg.core.config.HaConfig;
import io.hapg.core.config.RestApiConfig;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.ManualClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A started {@link HttpApi} on 127.0.0.1 (a free port), a manual clock, a {@link FakeNodeControl}
 * and a real HTTP client. Tests report a {@link NodeStatus} and then ask over HTTP.
 */
final class ApiHarness implements AutoCloseable {
    static final Duration TTL = Duration.ofSeconds(30);
    /**
     * The server under test: Netty by default (it is on ha-core's test class path); the pom's
     * {@code jdk-http-server} execution runs the HTTP tests again with {@code JDK}.
     */
    static final HttpApi.Transport TRANSPORT = HttpApi.Transport.valueOf(
            System.getProperty("hapg.test.httpTransport", "NETTY"));

    final ManualClock clock = new ManualClock();
    final FakeNodeControl control = new FakeNodeControl();
    final String member;
    final HttpApi api;
    final URI base;
    final HttpClient client;

    private ApiHarness(String member, HaConfig config, UnaryOperator<HttpApi.Builder> options, HttpClient client,
                       String scheme) {
        this.member = member;
        this.api = options.apply(HttpApi.builder(config).transport(TRANSPORT).control(control).timeSource(clock)
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .switchoverPollInterval(Duration.ofMillis(20))).build();
        api.start();
        this.base = URI.create(scheme + "://127.0.0.1:" + api.address().getPort());
        this.client = client;
    }

    static ApiHarness start(String member) {
        return start(member, Tags.NONE, rest -> rest, api -> api);
    }

    static ApiHarness start(String member, Tags tags, UnaryOperator<RestApiConfig.Builder> rest,
                            UnaryOperator<HttpApi.Builder> options) {
        return start(member, tags, rest, options, defaultClient(), "http");
    }

    static ApiHarness start(String member, Tags tags, UnaryOperator<RestApiConfig.Builder> rest,
                            UnaryOperator<HttpApi.Builder> options, HttpClient client, String scheme) {
        HaConfig config = HaConfig.builder().scope(Clusters.SCOPE).name(member).tags(tags)
                .restApi(rest.apply(RestApiConfig.builder().listen("127.0.0.1:8008")).build()).build();
        return new ApiHarness(member, config, options, client, scheme);
    }

    static HttpClient defaultClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** Publishes a loop status taken now, as the HA loop would. */
    /** A loop's status with {@code view}; the store (the fake control's fresh reads) shows the same view. */
    void report(LocalState local, ClusterView view, boolean holdsLock) {
        report(local, view, holdsLock, false);
    }

    /** {@link #report(LocalState, ClusterView, boolean)} with a required watchdog that failed or not. */
    void report(LocalState local, ClusterView view, boolean holdsLock, boolean watchdogFailed) {
        control.cluster = view;
        api.report(new NodeStatus(Clusters.SCOPE, member, local, view, holdsLock, "test", clock.now(),
                clock.nanoTime(), Optional.of(clock.now()), watchdogFailed));
    }

    /** A lease deadline {@code ttl} from now, as a freshly renewed leader has. */
    long leaseDeadline() {
        return clock.nanoTime() + TTL.toNanos();
    }

    Response get(String path) {
        return send("GET", path, null, null);
    }

    Response send(String method, String path, String body, String credentials) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (credentials != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    credentials.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            HttpResponse<String> r;
            try {
                r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException stale) {
                // The JDK client may pick a pooled connection the server has just closed (after an
                // error answer whose body it did not read) and does not retry a POST itself.
                r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            }
            return new Response(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    int code(String method, String path) {
        return send(method, path, null, null).status();
    }

    @Override
    public void close() {
        api.close();
    }

    /** One answer. */
    record Response(int status, String body, HttpResponse<String> raw) {
        Optional<String> header(String name) {
            return raw.headers().firstValue(name);
        }
    }
}
