package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.config.ConfigException;
import io.hapg.core.config.RestApiConfig.VerifyClient;
import io.hapg.core.config.Secret;
import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import io.hapg.core.testing.TestCertificates;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS from PEM files made by openssl, with and without client certificates. */
@Timeout(120)
class TlsTest {
    @TempDir
    static Path dir;
    static TestCertificates certs;

    private ApiHarness h;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create(dir);
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private static HttpClient client(SSLContext tls) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private ApiHarness https(VerifyClient verify, boolean clientCert, UnaryOperator<HttpApi.Builder> options)
            throws Exception {
        h = ApiHarness.start("pg1", Tags.NONE, rest -> rest.certfile(certs.serverCert).keyfile(certs.serverKey)
                .cafile(certs.caCert).verifyClient(verify), options, client(certs.clientContext(clientCert)), "https");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        return h;
    }

    @Test
    void servesHealthChecksOverHttps() throws Exception {
        https(VerifyClient.NONE, false, a -> a);
        assertThat(h.get("/primary").status()).isEqualTo(200);
        assertThat(h.code("OPTIONS", "/primary")).isEqualTo(200);
        assertThat(h.send("POST", "/reload", null, null).status()).isEqualTo(202);
    }

    @Test
    void requiredClientCertificatesAreCheckedInTheHandshake() throws Exception {
        https(VerifyClient.REQUIRED, true, a -> a);
        assertThat(h.get("/primary").status()).isEqualTo(200);
        h.close();
        https(VerifyClient.REQUIRED, false, a -> a);
        assertThatThrownBy(() -> h.get("/primary")).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void optionalClientCertificatesAreNeededForUnsafeCallsOnly() throws Exception {
        https(VerifyClient.OPTIONAL, false, a -> a);
        assertThat(h.get("/primary").status()).isEqualTo(200);
        ApiHarness.Response refused = h.send("POST", "/reload", null, null);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body()).isEqualTo("client certificate required");
        h.close();
        https(VerifyClient.OPTIONAL, true, a -> a);
        assertThat(h.send("POST", "/reload", null, null).status()).isEqualTo(202);
    }

    @Test
    void halfFinishedHandshakesDoNotStarveHealthChecks() throws Exception {
        https(VerifyClient.NONE, false, a -> a.maxThreads(4).requestTimeout(Duration.ofMillis(300)));
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Socket s = new Socket("127.0.0.1", h.base.getPort());
                OutputStream out = s.getOutputStream();
                // The start of a TLS record header for a ClientHello, then nothing.
                out.write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
                out.flush();
                stalled.add(s);
            }
            long started = System.nanoTime();
            assertThat(h.get("/primary").status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    @Test
    void readsTheKeyFormatsOpensslWrites() throws Exception {
        Path d = Files.createDirectories(dir.resolve("keys"));
        TestCertificates k = new TestCertificates(d);
        k.openssl("genrsa", "-traditional", "-out", "rsa1.key", "2048");
        k.openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key");
        k.openssl("pkcs8", "-topk8", "-in", certs.serverKey.toString(), "-out", "enc.key", "-passout",
                "pass:secret");
        k.openssl("genpkey", "-algorithm", "ed25519", "-out", "ed.key");
        assertThat(Files.readString(d.resolve("rsa1.key"))).contains("BEGIN RSA PRIVATE KEY");
        assertThat(Files.readString(d.resolve("ec.key"))).contains("BEGIN EC PRIVATE KEY");
        assertThat(Files.readString(d.resolve("enc.key"))).contains("BEGIN ENCRYPTED PRIVATE KEY");
        assertThat(key(d.resolve("rsa1.key"), null).getAlgorithm()).isEqualTo("RSA");
        assertThat(key(d.resolve("ec.key"), null).getAlgorithm()).isEqualTo("EC");
        assertThat(key(d.resolve("ed.key"), null).getAlgorithm()).isIn("EdDSA", "Ed25519");
        PrivateKey decrypted = key(d.resolve("enc.key"), "secret");
        assertThat(decrypted.getEncoded()).isEqualTo(key(certs.serverKey, null).getEncoded());
        assertThatThrownBy(() -> key(d.resolve("enc.key"), null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("restapi.keyfile_password");
        assertThatThrownBy(() -> key(d.resolve("enc.key"), "wrong")).isInstanceOf(ConfigException.class);
    }

    @Test
    void readsLegacyEncryptedPemAndPkcs1() throws Exception {
        Path d = Files.createDirectories(dir.resolve("legacy"));
        TestCertificates k = new TestCertificates(d);
        // "Proc-Type: 4,ENCRYPTED": what 'openssl genrsa -aes256 -traditional' and older tools write.
        k.openssl("rsa", "-in", certs.serverKey.toString(), "-traditional", "-aes256", "-out", "legacy.key",
                "-passout", "pass:secret");
        assertThat(Files.readString(d.resolve("legacy.key"))).contains("Proc-Type: 4,ENCRYPTED");
        assertThat(key(d.resolve("legacy.key"), "secret").getEncoded())
                .isEqualTo(key(certs.serverKey, null).getEncoded());
        assertThatThrownBy(() -> key(d.resolve("legacy.key"), null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("restapi.keyfile_password");
        assertThatThrownBy(() -> key(d.resolve("legacy.key"), "wrong")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("restapi.keyfile").hasMessageNotContaining("wrong");
    }

    @Test
    void aTruncatedOrCorruptKeyIsAConfigErrorNamingTheKey() throws Exception {
        String pem = Files.readString(certs.serverKey);
        String body = pem.substring(pem.indexOf('\n') + 1, pem.indexOf("-----END"));
        // A block cut in the middle of its DER (the old hand-written parser threw an index exception).
        String truncated = "-----BEGIN PRIVATE KEY-----\n" + body.substring(0, body.length() / 2).strip()
                + "\n-----END PRIVATE KEY-----\n";
        String sec1Truncated = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI\n-----END EC PRIVATE KEY-----\n";
        String notBase64 = "-----BEGIN RSA PRIVATE KEY-----\n!!!not base64!!!\n-----END RSA PRIVATE KEY-----\n";
        for (String bad : List.of(truncated, sec1Truncated, notBase64, "", "no pem here")) {
            assertThatThrownBy(() -> PemTls.privateKey(bad, Optional.empty(), "restapi.keyfile")).as(bad)
                    .isInstanceOf(ConfigException.class).hasMessageContaining("restapi.keyfile");
        }
        assertThatThrownBy(() -> io.hapg.core.tls.PemMaterial.certificates(
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "restapi.certfile"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("restapi.certfile");
    }

    @Test
    void anEcCertificateWithItsKeyInTheCertfileWorks() throws Exception {
        Path d = Files.createDirectories(dir.resolve("ec"));
        TestCertificates k = new TestCertificates(d);
        k.openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key");
        Files.writeString(d.resolve("ext"), "subjectAltName=IP:127.0.0.1\n");
        k.openssl("req", "-new", "-key", "ec.key", "-out", "ec.csr", "-subj", "/CN=127.0.0.1");
        k.openssl("x509", "-req", "-in", "ec.csr", "-CA", certs.caCert.toString(), "-CAkey",
                dir.resolve("ca.key").toString(), "-CAcreateserial", "-out", "ec.crt", "-days", "2", "-extfile", "ext");
        Path bundle = d.resolve("bundle.pem");
        Files.writeString(bundle, Files.readString(d.resolve("ec.crt")) + Files.readString(d.resolve("ec.key")));
        h = ApiHarness.start("pg1", Tags.NONE, rest -> rest.certfile(bundle), a -> a,
                client(certs.clientContext(false)), "https");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        assertThat(h.get("/primary").status()).isEqualTo(200);
    }

    private static PrivateKey key(Path file, String password) throws Exception {
        return PemTls.privateKey(Files.readString(file), Optional.ofNullable(password).map(Secret::of),
                "restapi.keyfile");
    }

    /** The suite the server picks when a client offers {@code suites} over {@code protocol}; empty if none. */
    private String negotiated(String protocol, String... suites) throws Exception {
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) certs.clientContext(false).getSocketFactory()
                .createSocket("127.0.0.1", h.base.getPort())) {
            s.setSoTimeout(5000);
            s.setEnabledProtocols(new String[] {protocol});
            if (suites.length > 0) {
                s.setEnabledCipherSuites(suites);
            }
            s.startHandshake();
            return s.getSession().getCipherSuite();
        } catch (javax.net.ssl.SSLException e) {
            return "";
        }
    }

    @Test
    void ciphersNamedOneByOneAreTheOnlyTls12SuitesOffered() throws Exception {
        h = ApiHarness.start("pg1", Tags.NONE, rest -> rest.certfile(certs.serverCert).keyfile(certs.serverKey)
                .ciphers("ECDHE-RSA-AES128-GCM-SHA256:TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:!SSLv3:!TLSv1:"
                        + "!TLSv1.1:!aNULL:!MD5"), a -> a, client(certs.clientContext(false)), "https");
        assertThat(negotiated("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")).isEqualTo("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assertThat(negotiated("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")).as("not listed").isEmpty();
        assertThat(negotiated("TLSv1.2", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"))
                .isEqualTo("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        assertThat(negotiated("TLSv1.3")).as("TLS 1.3 suites stay the JDK's, as with OpenSSL's cipher list")
                .startsWith("TLS_");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        assertThat(h.get("/primary").status()).isEqualTo(200);
    }

    @Test
    void aCipherStringThatCannotBeAppliedStopsTheStart() {
        for (String ciphers : List.of("HIGH:!aNULL", "ECDHE-RSA-AES128-GCM-SHA256:@STRENGTH", "RC4-SHA",
                "ECDHE-RSA-AES128-GCM-SHA256:!kRSA")) {
            assertThatThrownBy(() -> ApiHarness.start("pg1", Tags.NONE, rest -> rest.certfile(certs.serverCert)
                    .keyfile(certs.serverKey).ciphers(ciphers), a -> a, client(certs.clientContext(false)), "https"))
                    .as(ciphers).isInstanceOf(ConfigException.class).hasMessageContaining("restapi.ciphers");
        }
        assertThatThrownBy(() -> ApiHarness.start("pg1", Tags.NONE, rest -> rest.certfile(certs.serverCert)
                .keyfile(certs.serverKey).ciphers("HIGH"), a -> a, client(certs.clientContext(false)), "https"))
                .hasMessageContaining("cannot apply 'HIGH'");
    }
}
