package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.config.ConfigException;
import io.hapg.core.config.Credentials;
import io.hapg.core.config.CtlConfig;
import io.hapg.core.config.HaConfig;
import io.hapg.core.config.RestApiConfig;
import io.hapg.core.config.RestApiConfig.VerifyClient;
import io.hapg.core.internal.HttpPeerClient;
import io.hapg.core.model.Member;
import io.hapg.core.model.PeerStatus;
import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import io.hapg.core.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent calling its peers' {@code https} APIs (the leader race's {@code GET /patroni}) with
 * Patroni's client settings: the peers' certificates come from a private CA, and the peers
 * require client certificates. Real HTTPS servers, real {@link HttpPeerClient}.
 */
@Timeout(120)
class PeerTlsTest {
    @TempDir
    static Path dir;
    static TestCertificates certs;

    private ApiHarness peer;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create(dir);
    }

    @AfterEach
    void stop() {
        if (peer != null) {
            peer.close();
        }
    }

    /** A peer "pg2" serving https with the test CA's server certificate. */
    private Member peer(VerifyClient verify) throws Exception {
        peer = ApiHarness.start("pg2", Tags.NONE, rest -> rest.certfile(certs.serverCert).keyfile(certs.serverKey)
                .cafile(certs.caCert).verifyClient(verify), a -> a, ApiHarness.defaultClient(), "https");
        peer.report(LocalStates.replica().build(), Clusters.withHealthyLeader(), false);
        return Member.of("pg2", "postgres://127.0.0.1:5433/postgres", peer.base.resolve("/patroni").toString());
    }

    private static HaConfig agent(RestApiConfig rest, CtlConfig ctl) {
        return HaConfig.builder().scope("tls").name("pg1").restApi(rest).ctl(ctl).build();
    }

    /** What this agent's peer client sees of {@code member}. */
    private static Map<String, PeerStatus> statuses(HaConfig config, Member member) {
        try (HttpPeerClient client = new HttpPeerClient("pg1", ClientTls.credentials(config),
                ClientTls.context(config))) {
            return client.statuses(List.of(member), Duration.ofSeconds(5));
        }
    }

    @Test
    void theAgentsOwnRestapiCaAndCertificateReachPeersThatRequireClientCertificates() throws Exception {
        Member pg2 = peer(VerifyClient.REQUIRED);
        // Like Patroni: no ctl section, so restapi.cafile is trusted and restapi.certfile presented.
        HaConfig config = agent(RestApiConfig.builder().certfile(certs.serverCert).keyfile(certs.serverKey)
                .cafile(certs.caCert).build(), CtlConfig.NONE);
        assertThat(statuses(config, pg2)).containsKey("pg2");
        assertThat(statuses(config, pg2).get("pg2").role()).isEqualTo("replica");
    }

    @Test
    void theLeaderProbeGoesOverTheSameTlsWithTheClientCertificate() throws Exception {
        Member pg2 = peer(VerifyClient.REQUIRED);
        peer.control.probeOutcome = io.hapg.core.model.LeaderProbe.Outcome.NOT_ANSWERING;
        HaConfig config = agent(RestApiConfig.builder().certfile(certs.serverCert).keyfile(certs.serverKey)
                .cafile(certs.caCert).build(), CtlConfig.NONE);
        try (HttpPeerClient client = new HttpPeerClient("pg1", ClientTls.credentials(config),
                ClientTls.context(config))) {
            assertThat(client.probeLeader(List.of(pg2), "pg1", Duration.ofSeconds(5)))
                    .containsExactly(Map.entry("pg2", io.hapg.core.model.LeaderProbe.Outcome.NOT_ANSWERING));
        }
        HaConfig caOnly = agent(RestApiConfig.DEFAULTS, new CtlConfig(Optional.empty(), Optional.of(certs.caCert),
                Optional.empty(), Optional.empty(), Optional.empty(), false));
        try (HttpPeerClient client = new HttpPeerClient("pg1", ClientTls.credentials(caOnly),
                ClientTls.context(caOnly))) {
            assertThat(client.probeLeader(List.of(pg2), "pg1", Duration.ofSeconds(5))).as("no client certificate")
                    .containsExactly(Map.entry("pg2", io.hapg.core.model.LeaderProbe.Outcome.VOTER_UNREACHABLE));
        }
    }

    @Test
    void ctlCacertAndCertfileTakePrecedence() throws Exception {
        Member pg2 = peer(VerifyClient.REQUIRED);
        HaConfig config = agent(RestApiConfig.DEFAULTS, new CtlConfig(Optional.empty(), Optional.of(certs.caCert),
                Optional.of(certs.clientCert), Optional.of(certs.clientKey), Optional.empty(), false));
        assertThat(statuses(config, pg2)).containsKey("pg2");
    }

    @Test
    void withoutTheCaOrTheClientCertificateThePeerIsUnreachable() throws Exception {
        Member pg2 = peer(VerifyClient.REQUIRED);
        assertThat(ClientTls.context(agent(RestApiConfig.DEFAULTS, CtlConfig.NONE))).isEmpty();
        assertThat(statuses(agent(RestApiConfig.DEFAULTS, CtlConfig.NONE), pg2)).as("private CA not trusted")
                .isEmpty();
        HaConfig caOnly = agent(RestApiConfig.DEFAULTS, new CtlConfig(Optional.empty(), Optional.of(certs.caCert),
                Optional.empty(), Optional.empty(), Optional.empty(), false));
        assertThat(statuses(caOnly, pg2)).as("no client certificate").isEmpty();
    }

    @Test
    void insecureTrustsAnyServerCertificate() throws Exception {
        Member pg2 = peer(VerifyClient.NONE);
        HaConfig insecure = agent(RestApiConfig.DEFAULTS, new CtlConfig(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), true));
        assertThat(statuses(insecure, pg2)).containsKey("pg2");
    }

    @Test
    void credentialsComeFromCtlThenRestapi() {
        HaConfig rest = agent(RestApiConfig.builder().authentication("api", "a").build(), CtlConfig.NONE);
        assertThat(ClientTls.credentials(rest).map(Credentials::username)).contains("api");
        HaConfig ctl = agent(RestApiConfig.builder().authentication("api", "a").build(), new CtlConfig(
                Optional.of(Credentials.of("ctl", "c")), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), false));
        assertThat(ClientTls.credentials(ctl).map(Credentials::username)).contains("ctl");
    }

    @Test
    void anUnusableFileIsAConfigErrorNamingTheKey() throws Exception {
        Path notPem = Files.writeString(dir.resolve("not.pem"), "hello");
        HaConfig badCa = agent(RestApiConfig.DEFAULTS, new CtlConfig(Optional.empty(), Optional.of(notPem),
                Optional.empty(), Optional.empty(), Optional.empty(), false));
        assertThatThrownBy(() -> ClientTls.context(badCa)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ctl.cacert");
        HaConfig missingCert = agent(RestApiConfig.DEFAULTS, new CtlConfig(Optional.empty(), Optional.empty(),
                Optional.of(dir.resolve("absent.crt")), Optional.empty(), Optional.empty(), false));
        assertThatThrownBy(() -> ClientTls.context(missingCert)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ctl.certfile");
    }
}
