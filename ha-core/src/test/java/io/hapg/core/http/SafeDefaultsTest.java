package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.config.RestApiConfig;
import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The REST API's defaults an operator relies on: a broken allowlist refuses, failures do not leak
 * into answers, unsafe calls are on record, open endpoints are announced.
 */
@Timeout(120)
class SafeDefaultsTest {
    private ApiHarness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private void primary(UnaryOperator<RestApiConfig.Builder> rest) {
        h = ApiHarness.start("pg1", Tags.NONE, rest, a -> a);
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
    }

    @Test
    void anAllowlistNoneOfWhoseEntriesParseRefusesEveryUnsafeCall() {
        try (LogCapture log = new LogCapture()) {
            primary(rest -> rest.allowlist(List.of("10.0.0.0/99", "not-an-ip/8")));
            ApiHarness.Response r = h.send("POST", "/reload", null, null);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.body()).isEqualTo("Access is denied");
            assertThat(h.send("PATCH", "/config", "{\"ttl\":20}", null).status()).isEqualTo(403);
            assertThat(h.control.calls).doesNotContain("reload", "writeConfig");
            assertThat(h.get("/primary").status()).as("reads stay open").isEqualTo(200);
            assertThat(log.text()).contains("None of the 2 entries of restapi.allowlist could be parsed")
                    .contains("is refused with 403");
        }
    }

    @Test
    void anInternalErrorAnswersAGenericBodyAndLogsTheCause() {
        try (LogCapture log = new LogCapture()) {
            primary(rest -> rest);
            h.control.reloadFailure = new IllegalStateException("secret detail at /etc/hapg/x.yml");
            ApiHarness.Response r = h.send("POST", "/reload", null, null);
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.body()).doesNotContain("secret detail", "IllegalStateException", "/etc/hapg")
                    .isEqualTo("internal error; see the agent's log");
            assertThat(log.text()).contains("POST /reload failed").contains("secret detail at /etc/hapg/x.yml");
        }
    }

    @Test
    void everyUnsafeCallAndEveryRefusalWritesOneAuditLine() {
        try (LogCapture log = new LogCapture()) {
            primary(rest -> rest.authentication("admin", "s3cret-pw"));
            assertThat(h.send("POST", "/reload", null, "admin:s3cret-pw").status()).isEqualTo(202);
            assertThat(h.send("POST", "/reload", null, "admin:wrong-pw").status()).isEqualTo(401);
            assertThat(h.get("/primary").status()).isEqualTo(200);
            List<String> audit = log.text().lines().filter(l -> l.contains("REST API audit")).toList();
            assertThat(audit).hasSize(2);
            assertThat(audit.get(0)).contains("INFO io.hapg.audit").contains(Clusters.SCOPE + "/pg1")
                    .contains("POST /reload -> 202 from 127.0.0.1:").endsWith("user=admin");
            assertThat(audit.get(1)).contains("WARN io.hapg.audit").contains("POST /reload -> 401 from 127.0.0.1:")
                    .endsWith("user=-");
            assertThat(log.text()).doesNotContain("s3cret-pw", "wrong-pw");
        }
        h.close();
        try (LogCapture log = new LogCapture()) {
            primary(rest -> rest.allowlist(List.of("10.0.0.0/8")));
            assertThat(h.send("DELETE", "/switchover", null, null).status()).isEqualTo(403);
            assertThat(log.text().lines().filter(l -> l.contains("REST API audit")))
                    .singleElement().asString().contains("DELETE /switchover -> 403 from 127.0.0.1:");
        }
    }

    @Test
    void openUnsafeEndpointsAreAnnouncedOnlyWhereOthersCanReachThem() {
        RestApiConfig open = RestApiConfig.builder().build();
        InetSocketAddress any = new InetSocketAddress("0.0.0.0", 8008);
        InetSocketAddress lan = new InetSocketAddress("10.1.2.3", 8008);
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 8008);
        assertThat(HttpApi.openToNetwork(any, new AccessControl(open))).isTrue();
        assertThat(HttpApi.openToNetwork(lan, new AccessControl(open))).isTrue();
        assertThat(HttpApi.openToNetwork(loopback, new AccessControl(open))).isFalse();
        assertThat(HttpApi.openToNetwork(any, new AccessControl(RestApiConfig.builder()
                .authentication("admin", "pw").build()))).isFalse();
        assertThat(HttpApi.openToNetwork(any, new AccessControl(RestApiConfig.builder()
                .allowlist(List.of("10.0.0.0/8")).build()))).isFalse();
        assertThat(HttpApi.openToNetwork(any, new AccessControl(RestApiConfig.builder()
                .allowlistIncludeMembers(true).build()))).isFalse();
        try (LogCapture log = new LogCapture()) {
            primary(rest -> rest);
            assertThat(log.text()).contains("REST API listening on").doesNotContain("are open to anyone");
        }
    }
}
