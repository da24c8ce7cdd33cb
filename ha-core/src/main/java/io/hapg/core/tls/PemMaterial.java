package io.hapg.core.tls;

import io.hapg.core.config.ConfigException;
import io.hapg.core.config.Secret;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.X509TrustedCertificateBlock;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Certificates and keys from PEM files, in every form OpenSSL writes, for the REST API, calls between
 * members and the etcd client alike: one code path, so a key that works for one works for all.
 *
 * <p>Keys: PKCS#8 ({@code PRIVATE KEY}), encrypted PKCS#8 ({@code ENCRYPTED PRIVATE KEY}), PKCS#1
 * ({@code RSA PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}) and legacy OpenSSL-encrypted PEM
 * ({@code Proc-Type: 4,ENCRYPTED}), RSA, EC and EdDSA. Certificates: {@code CERTIFICATE} and
 * {@code TRUSTED CERTIFICATE} blocks; a file may hold the chain and the key together, as Patroni's
 * {@code certfile} may.
 *
 * <p>Every failure — a missing or unreadable file, a truncated or corrupt block, a wrong or missing
 * password — is a {@link ConfigException} naming the configuration key whose file it is; nothing
 * else escapes (a corrupt block that makes the parser throw an unchecked exception included).
 * Passwords never appear in a message.
 */
public final class PemMaterial {
    private PemMaterial() {
    }

    /**
     * The key managers presenting {@code certfile}'s chain with the key in {@code keyfile}, or in
     * {@code certfile} itself when {@code keyfile} is empty.
     *
     * @param certKey     the configuration key naming {@code certfile}, e.g. {@code restapi.certfile}
     * @param keyKey      the configuration key naming {@code keyfile}, e.g. {@code etcd3.key}
     * @param password    the key's password, for an encrypted key
     * @param passwordKey the configuration key naming the password, e.g. {@code restapi.keyfile_password}
     * @throws ConfigException naming {@code certKey}, {@code keyKey} or {@code passwordKey}
     */
    public static KeyManagerFactory keyManagers(Path certfile, String certKey, Optional<Path> keyfile, String keyKey,
                                                Optional<Secret> password, String passwordKey) {
        List<X509Certificate> chain = certificates(read(certfile, certKey), certKey);
        if (chain.isEmpty()) {
            throw new ConfigException(certKey, "no CERTIFICATE in " + certfile);
        }
        String whereKey = keyfile.isPresent() ? keyKey : certKey;
        PrivateKey key = privateKey(read(keyfile.orElse(certfile), whereKey), password, whereKey, passwordKey);
        try {
            char[] storePassword = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("key", key, storePassword, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, storePassword);
            return kmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(certKey, "cannot use the certificate and key: " + e.getMessage());
        }
    }

    /**
     * Trust managers for the CAs in {@code cafile}.
     *
     * @throws ConfigException naming {@code key} when the file is unreadable or holds no certificate
     */
    public static TrustManagerFactory trustManagers(Path cafile, String key) {
        List<X509Certificate> cas = certificates(read(cafile, key), key);
        if (cas.isEmpty()) {
            throw new ConfigException(key, "no CERTIFICATE in " + cafile);
        }
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                trust.setCertificateEntry("ca" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(key, "cannot use " + cafile + ": " + e.getMessage());
        }
    }

    /**
     * The certificates in a PEM text, in file order; other blocks (keys) are skipped.
     *
     * @throws ConfigException naming {@code key} when a block cannot be read
     */
    public static List<X509Certificate> certificates(String pem, String key) {
        List<X509Certificate> certs = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                if (block instanceof X509TrustedCertificateBlock trusted) {
                    block = trusted.getCertificateHolder();
                }
                if (block instanceof X509CertificateHolder holder) {
                    certs.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new ConfigException(key, "not a readable PEM certificate: " + describe(e));
        }
        return certs;
    }

    /**
     * The first private key in a PEM text.
     *
     * @param password    the password of an encrypted key; required for one
     * @param passwordKey the configuration key to name when the password is missing or wrong
     * @throws ConfigException naming {@code key} (or {@code passwordKey}) when there is no key, it
     *                         cannot be read or decrypted
     */
    public static PrivateKey privateKey(String pem, Optional<Secret> password, String key, String passwordKey) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                PrivateKeyInfo info = keyInfo(block, password, key, passwordKey);
                if (info != null) {
                    return toKey(info);
                }
            }
        } catch (ConfigException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(key, "cannot read the private key: " + describe(e));
        }
        throw new ConfigException(key, "no PRIVATE KEY found");
    }

    private static PrivateKeyInfo keyInfo(Object block, Optional<Secret> password, String key, String passwordKey)
            throws IOException {
        if (block instanceof PrivateKeyInfo info) {
            return info;
        }
        if (block instanceof PEMKeyPair pair) {
            return pair.getPrivateKeyInfo();
        }
        if (block instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
            char[] secret = required(password, passwordKey);
            try {
                return encrypted.decryptPrivateKeyInfo(new JceOpenSSLPKCS8DecryptorProviderBuilder()
                        .setProvider(Bc.PROVIDER).build(secret));
            } catch (Exception e) {
                throw wrongPassword(key, passwordKey, e);
            }
        }
        if (block instanceof PEMEncryptedKeyPair encrypted) {
            char[] secret = required(password, passwordKey);
            try {
                return encrypted.decryptKeyPair(new JcePEMDecryptorProviderBuilder().setProvider(Bc.PROVIDER)
                        .build(secret)).getPrivateKeyInfo();
            } catch (Exception e) {
                throw wrongPassword(key, passwordKey, e);
            }
        }
        return null;
    }

    /** With the JDK's providers when they know the algorithm (no BouncyCastle in the TLS path), else BC's. */
    private static PrivateKey toKey(PrivateKeyInfo info) throws IOException {
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (PEMException e) {
            return new JcaPEMKeyConverter().setProvider(Bc.PROVIDER).getPrivateKey(info);
        }
    }

    private static char[] required(Optional<Secret> password, String passwordKey) {
        return password.map(p -> p.reveal().toCharArray())
                .orElseThrow(() -> new ConfigException(passwordKey, "required: the key is encrypted"));
    }

    private static ConfigException wrongPassword(String key, String passwordKey, Exception e) {
        return new ConfigException(key, "cannot decrypt the private key (is " + passwordKey + " right?): "
                + describe(e));
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /** A PEM file as text; a {@link ConfigException} naming {@code key} when it cannot be read. */
    private static String read(Path path, String key) {
        try {
            return Files.readString(path, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + path + ": " + e.getMessage());
        }
    }

    /**
     * BouncyCastle's provider, built on first use only (it takes a while and most keys never need it),
     * used by instance: never registered in the JVM's global provider list.
     */
    private static final class Bc {
        static final Provider PROVIDER = new BouncyCastleProvider();
    }
}
