package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.grpc.netty.GrpcSslContexts;
import io.hapg.core.config.ConfigException;
import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.Member;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** TLS with a client certificate plus etcd user/password authentication, with certificates made here. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsAuthIT {
    private static final String PASSWORD = "s3cret-Pa55word";

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @TempDir
    Path dir;

    @Test
    void clientCertificateAndPasswordAuthenticateAndWrongCredentialsAreRefused() throws Exception {
        TestCerts certs = TestCerts.create(dir);
        LocalEtcd.Tls tls = new LocalEtcd.Tls(certs.serverCert(), certs.serverKey(), certs.caCert());
        try (LocalEtcd etcd = LocalEtcd.builder().tls(tls).start()) {
            logs.watch(etcd);
            assertThat(etcd.clientEndpoint(0)).startsWith("https://127.0.0.1:");
            enableAuth(etcd, certs);
            String scope = EtcdTestSupport.freshScope("tls");
            EtcdConfig config = EtcdTestSupport.config(etcd, scope, "n0").ttl(Duration.ofSeconds(5))
                    .caCert(certs.caCert()).clientCert(certs.clientCert(), certs.clientKey())
                    .credentials("root", PASSWORD).build();
            assertThat(config.toString()).doesNotContain(PASSWORD).contains("root:******");

            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            PrintStream originalErr = System.err;
            System.setErr(new PrintStream(new TeeStream(originalErr, captured), true, StandardCharsets.UTF_8));
            try (EtcdConsensus n0 = new EtcdConsensus(config)) {
                assertThat(n0.tryAcquireLeader()).isTrue();
                n0.publishMember(Member.of("n0", "postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni"));
                assertThat(n0.renewLeader(ClusterStatus.EMPTY)).isTrue();
                assertThat(n0.read().isLeader("n0")).isTrue();
                assertThat(n0.read().members()).containsOnlyKeys("n0");
            } finally {
                System.setErr(originalErr);
            }
            assertThat(captured.toString(StandardCharsets.UTF_8)).as("the password is never logged")
                    .doesNotContain(PASSWORD).contains("acquired the leader key");

            EtcdConfig wrongPassword = EtcdTestSupport.config(etcd, scope, "n1").caCert(certs.caCert())
                    .clientCert(certs.clientCert(), certs.clientKey()).credentials("root", "wrong").build();
            try (EtcdConsensus n1 = new EtcdConsensus(wrongPassword)) {
                long ms = EtcdTestSupport.millis(() -> assertThatThrownBy(n1::read)
                        .isInstanceOf(ConsensusUnavailableException.class)
                        .hasMessageContaining("authentication failed")
                        .satisfies(e -> System.out.println("wrong password: " + e.getMessage())));
                System.out.printf("wrong password refused in %d ms%n", ms);
            }

            EtcdConfig noClientCert = EtcdTestSupport.config(etcd, scope, "n2").caCert(certs.caCert())
                    .credentials("root", PASSWORD).build();
            try (EtcdConsensus n2 = new EtcdConsensus(noClientCert)) {
                long ms = EtcdTestSupport.millis(() -> assertThatThrownBy(n2::read)
                        .isInstanceOf(ConsensusUnavailableException.class)
                        .satisfies(e -> System.out.println("no client certificate: " + e.getMessage())));
                System.out.printf("TLS without a client certificate refused in %d ms%n", ms);
            }

            EtcdConfig noPassword = EtcdTestSupport.config(etcd, scope, "n3").caCert(certs.caCert())
                    .clientCert(certs.clientCert(), certs.clientKey()).build();
            try (EtcdConsensus n3 = new EtcdConsensus(noPassword)) {
                assertThatThrownBy(n3::tryAcquireLeader).as("certificate CN hapg-client is no etcd user")
                        .isInstanceOf(ConsensusUnavailableException.class)
                        .satisfies(e -> System.out.println("no password: " + e.getMessage()));
            }
        }
    }

    @Test
    void theClientKeyMayBeInAnyFormOpensslWritesAndABadOneIsNamed() throws Exception {
        TestCerts certs = TestCerts.create(dir);
        // SEC1 'EC PRIVATE KEY', as 'openssl ecparam -genkey' writes it: Netty alone reads PKCS#8 only.
        Path sec1 = dir.resolve("client-sec1.key");
        Process convert = new ProcessBuilder("openssl", "ec", "-in", certs.clientKey().toString(), "-out",
                sec1.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("ec.log").toFile()).start();
        assertThat(convert.waitFor(30, TimeUnit.SECONDS) && convert.exitValue() == 0).as("openssl ec").isTrue();
        assertThat(java.nio.file.Files.readString(sec1)).contains("BEGIN EC PRIVATE KEY");
        LocalEtcd.Tls tls = new LocalEtcd.Tls(certs.serverCert(), certs.serverKey(), certs.caCert());
        try (LocalEtcd etcd = LocalEtcd.builder().tls(tls).start()) {
            logs.watch(etcd);
            String scope = EtcdTestSupport.freshScope("sec1");
            EtcdConfig config = EtcdTestSupport.config(etcd, scope, "n0").caCert(certs.caCert())
                    .clientCert(certs.clientCert(), sec1).build();
            try (EtcdConsensus n0 = new EtcdConsensus(config)) {
                assertThat(n0.tryAcquireLeader()).isTrue();
            }

            Path truncated = dir.resolve("truncated.key");
            String pem = java.nio.file.Files.readString(sec1);
            java.nio.file.Files.writeString(truncated, pem.substring(0, pem.length() / 2) + "\n-----END EC PRIVATE KEY-----\n");
            EtcdConfig bad = EtcdTestSupport.config(etcd, scope, "n1").caCert(certs.caCert())
                    .clientCert(certs.clientCert(), truncated).build();
            assertThatThrownBy(() -> new EtcdConsensus(bad).close()).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("etcd3.key");
        }
    }

    /** Creates user root with the root role and turns authentication on. */
    private static void enableAuth(LocalEtcd etcd, TestCerts certs) throws Exception {
        try (Client admin = Client.builder().endpoints(etcd.clientEndpoints().toArray(String[]::new))
                .sslContext(GrpcSslContexts.forClient().trustManager(certs.caCert().toFile())
                        .keyManager(certs.clientCert().toFile(), certs.clientKey().toFile()).build())
                .build()) {
            var auth = admin.getAuthClient();
            auth.userAdd(EtcdTestSupport.bytes("root"), EtcdTestSupport.bytes(PASSWORD)).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(EtcdTestSupport.bytes("root"), EtcdTestSupport.bytes("root")).get(10, TimeUnit.SECONDS);
            auth.authEnable().get(10, TimeUnit.SECONDS);
        }
    }

    /** Writes to two streams. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }
}
