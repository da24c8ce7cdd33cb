package io.hapg.agent.ctl;

import java.time.Duration;

/** How hactl calls a member's REST API; {@link RestClient} over HTTP, a fake in tests. */
@FunctionalInterface
interface MemberApi {
    /**
     * Sends one request and waits up to {@code timeout} for the answer.
     *
     * @param apiUrl   the member's {@code api_url}
     * @param method   the HTTP method
     * @param endpoint the path relative to the API root, e.g. {@code switchover}
     * @param json     the JSON body, or null
     * @throws RestClient.Unreachable when the member gave no HTTP answer
     */
    RestClient.Response call(String apiUrl, String method, String endpoint, String json, Duration timeout)
            throws RestClient.Unreachable;
}
