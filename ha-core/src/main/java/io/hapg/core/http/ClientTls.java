package io.hapg.core.http;

import io.hapg.core.config.ConfigException;
import io.hapg.core.config.Credentials;
import io.hapg.core.config.CtlConfig;
import io.hapg.core.config.HaConfig;
import io.hapg.core.config.RestApiConfig;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client side of the members' REST APIs, as Patroni's {@code PatroniRequest} sets it up from
 * the {@code ctl} and {@code restapi} sections (see {@link CtlConfig}): what an agent uses to call
 * its peers and hactl to call the members. Without it, an {@code https} api_url signed by a
 * private CA could not be called, and the leader race would go on without the peers' positions.
 */
public final class ClientTls {
    private ClientTls() {
    }

    /**
     * The TLS context for calls to the members' APIs; empty when neither section configures
     * anything (the JDK's defaults then apply: its trust store, no client certificate).
     *
     * @throws ConfigException naming the {@code ctl.*} or {@code restapi.*} key whose file is unusable
     */
    public static Optional<SSLContext> context(HaConfig config) {
        CtlConfig ctl = config.ctl();
        RestApiConfig rest = config.restApi();
        Optional<Path> cacert = ctl.cacert().or(rest::cafile);
        String caKey = ctl.cacert().isPresent() ? "ctl.cacert" : "restapi.cafile";
        boolean ownCert = ctl.certfile().isPresent();
        Optional<Path> certfile = ownCert ? ctl.certfile() : rest.certfile();
        if (!ctl.insecure() && cacert.isEmpty() && certfile.isEmpty()) {
            return Optional.empty();
        }
        KeyManager[] keys = certfile.map(cert -> ownCert
                ? PemTls.keyManagers(cert, ctl.keyfile(), ctl.keyfilePassword(), "ctl")
                : PemTls.keyManagers(cert, rest.keyfile(), rest.keyfilePassword(), "restapi")).orElse(null);
        TrustManager[] trust = ctl.insecure() ? new TrustManager[] {new TrustAnyServer()}
                : cacert.map(ca -> PemTls.trustManagers(ca, caKey)).orElse(null);
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return Optional.of(context);
        } catch (GeneralSecurityException e) {
            throw new ConfigException("ctl", "cannot set up TLS for REST API calls: " + e.getMessage());
        }
    }

    /** The credentials for the unsafe calls: {@code ctl.authentication}, else {@code restapi.authentication}. */
    public static Optional<Credentials> credentials(HaConfig config) {
        return config.ctl().authentication().or(() -> config.restApi().authentication());
    }

    /**
     * {@code ctl.insecure: true}: any server certificate, any host name. An extended trust manager,
     * because the JDK checks host names inside it: a plain one would be wrapped and checked anyway.
     */
    private static final class TrustAnyServer extends X509ExtendedTrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            throw new UnsupportedOperationException("a client context does not judge clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException("a client context does not judge clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("a client context does not judge clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
