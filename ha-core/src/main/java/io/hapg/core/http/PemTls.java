package io.hapg.core.http;

import io.hapg.core.config.ConfigException;
import io.hapg.core.config.RestApiConfig;
import io.hapg.core.config.Secret;
import io.hapg.core.tls.PemMaterial;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The REST API's TLS context from Patroni's PEM files: {@code certfile} (the certificate chain,
 * possibly with the key), {@code keyfile} (any form OpenSSL writes, encrypted with
 * {@code keyfile_password} or not) and {@code cafile} (the CAs that client certificates must chain
 * to). The files are read by {@link PemMaterial}, the one reader shared with the etcd client.
 */
final class PemTls {
    private PemTls() {
    }

    /** @throws ConfigException naming the {@code restapi.*} key whose file is unusable */
    static SSLContext context(RestApiConfig config) {
        KeyManager[] keys = keyManagers(config.certfile().orElseThrow(), config.keyfile(), config.keyfilePassword(),
                "restapi");
        TrustManager[] trust = config.cafile().map(ca -> trustManagers(ca, "restapi.cafile")).orElse(null);
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("restapi.certfile", "cannot set up TLS: " + e.getMessage());
        }
    }

    /**
     * The key managers presenting {@code certfile}'s chain with the key of {@code keyfile} (or of
     * {@code certfile} itself); errors name {@code <section>.certfile}, {@code <section>.keyfile} or
     * {@code <section>.keyfile_password}.
     */
    static KeyManager[] keyManagers(Path certfile, Optional<Path> keyfile, Optional<Secret> password, String section) {
        return PemMaterial.keyManagers(certfile, section + ".certfile", keyfile, section + ".keyfile", password,
                section + ".keyfile_password").getKeyManagers();
    }

    /** Trust managers for the CAs in {@code cafile}; errors name {@code key}. */
    static TrustManager[] trustManagers(Path cafile, String key) {
        return PemMaterial.trustManagers(cafile, key).getTrustManagers();
    }

    static PrivateKey privateKey(String pem, Optional<Secret> password, String key) {
        return PemMaterial.privateKey(pem, password, key, "restapi.keyfile_password");
    }
}
