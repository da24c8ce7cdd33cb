package io.hapg.core.testing;

import io.hapg.core.config.CtlConfig;
import io.hapg.core.config.HaConfig;
import io.hapg.core.http.ClientTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A test CA, a server certificate for 127.0.0.1 (usable as a client certificate too, as an
 * agent presents its own when it calls its peers) and a client certificate, made with the
 * {@code openssl} CLI.
 */
public final class TestCertificates {
    public final Path dir;
    public final Path caCert;
    public final Path serverCert;
    public final Path serverKey;
    public final Path clientCert;
    public final Path clientKey;

    /** The files in {@code dir}, made by {@link #create} or to be made with {@link #openssl}. */
    public TestCertificates(Path dir) {
        this.dir = dir;
        this.caCert = dir.resolve("ca.crt");
        this.serverCert = dir.resolve("server.crt");
        this.serverKey = dir.resolve("server.key");
        this.clientCert = dir.resolve("client.crt");
        this.clientKey = dir.resolve("client.key");
    }

    /** Makes the certificates in {@code dir}; needs {@code openssl} on the PATH. */
    public static TestCertificates create(Path dir) throws Exception {
        TestCertificates c = new TestCertificates(dir);
        c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days",
                "2", "-subj", "/CN=hapg test CA");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        c.signed("server", "/CN=127.0.0.1", "server.ext");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        c.signed("client", "/CN=hactl", "client.ext");
        return c;
    }

    private void signed(String name, String subject, String ext) throws Exception {
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj",
                subject);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".crt", "-days", "2", "-extfile", ext);
    }

    /** Runs openssl in the directory; fails the test with its output when it fails. */
    public void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }

    /** A client TLS context trusting the test CA, presenting the client certificate if asked. */
    public SSLContext clientContext(boolean withCertificate) {
        CtlConfig ctl = new CtlConfig(Optional.empty(), Optional.of(caCert),
                withCertificate ? Optional.of(clientCert) : Optional.empty(),
                withCertificate ? Optional.of(clientKey) : Optional.empty(), Optional.empty(), false);
        return ClientTls.context(HaConfig.builder().scope("tls").name("client").ctl(ctl).build()).orElseThrow();
    }
}
