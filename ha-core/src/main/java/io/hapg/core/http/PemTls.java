package io.hapg.core.http;

import io.hapg.core.config.ConfigException;
import io.hapg.core.config.RestApiConfig;
import io.hapg.core.config.Secret;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The REST API's TLS context from Patroni's PEM files, with the JDK only: {@code certfile} (the
 * certificate chain, possibly with the key), {@code keyfile} (PKCS#8 {@code PRIVATE KEY},
 * PKCS#8 {@code ENCRYPTED PRIVATE KEY} with {@code keyfile_password}, PKCS#1
 * {@code RSA PRIVATE KEY} or SEC1 {@code EC PRIVATE KEY}) and {@code cafile} (the CAs that
 * client certificates must chain to). Legacy OpenSSL-encrypted PEM ({@code Proc-Type}) is not
 * supported: convert it with {@code openssl pkcs8 -topk8}.
 */
final class PemTls {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final byte[] RSA_ALGORITHM = hex("300d06092a864886f70d0101010500");
    private static final byte[] EC_PUBLIC_KEY_OID = hex("06072a8648ce3d0201");

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
     * {@code certfile} itself); errors name {@code <section>.certfile} or {@code <section>.keyfile}.
     */
    static KeyManager[] keyManagers(Path certfile, Optional<Path> keyfile, Optional<Secret> password, String section) {
        String certKey = section + ".certfile";
        List<X509Certificate> chain = certificates(read(certfile, certKey), certKey);
        if (chain.isEmpty()) {
            throw new ConfigException(certKey, "no CERTIFICATE in " + certfile);
        }
        String keyKey = keyfile.isPresent() ? section + ".keyfile" : certKey;
        PrivateKey key = privateKey(read(keyfile.orElse(certfile), keyKey), password, keyKey);
        try {
            char[] storePassword = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry(section, key, storePassword, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, storePassword);
            return kmf.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(certKey, "cannot use the certificate and key: " + e.getMessage());
        }
    }

    /** Trust managers for the CAs in {@code cafile}; errors name {@code key}. */
    static TrustManager[] trustManagers(Path cafile, String key) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (X509Certificate ca : certificates(read(cafile, key), key)) {
                trust.setCertificateEntry("ca" + i++, ca);
            }
            if (i == 0) {
                throw new ConfigException(key, "no CERTIFICATE in " + cafile);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf.getTrustManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(key, "cannot use " + cafile + ": " + e.getMessage());
        }
    }

    static List<X509Certificate> certificates(String pem, String key) {
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Matcher m = BLOCK.matcher(pem);
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE") || m.group(1).equals("TRUSTED CERTIFICATE")) {
                    certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der(m.group(2)))));
                }
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException(key, "not a PEM certificate: " + e.getMessage());
        }
        return certs;
    }

    static PrivateKey privateKey(String pem, Optional<Secret> password, String key) {
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            String type = m.group(1);
            if (!type.endsWith("PRIVATE KEY")) {
                continue;
            }
            if (m.group(2).contains("Proc-Type:")) {
                throw new ConfigException(key, "legacy encrypted PEM keys are not supported; convert with"
                        + " 'openssl pkcs8 -topk8' (PKCS#8, optionally encrypted)");
            }
            try {
                byte[] der = der(m.group(2));
                switch (type) {
                    case "PRIVATE KEY":
                        return pkcs8(der);
                    case "ENCRYPTED PRIVATE KEY":
                        return encrypted(der, password.orElseThrow(() -> new ConfigException(
                                "restapi.keyfile_password", "required: the key is encrypted")));
                    case "RSA PRIVATE KEY":
                        return pkcs8(sequence(concat(hex("020100"), RSA_ALGORITHM, tlv(0x04, der))));
                    case "EC PRIVATE KEY":
                        return pkcs8(ecToPkcs8(der));
                    default:
                        throw new ConfigException(key, "unsupported key type " + type);
                }
            } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
                throw new ConfigException(key, "cannot read the private key: " + e.getMessage());
            }
        }
        throw new ConfigException(key, "no PRIVATE KEY found");
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    private static PrivateKey encrypted(byte[] der, Secret password) throws GeneralSecurityException, IOException {
        EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
        // PBES2 parameters name the real algorithm (e.g. PBEWithHmacSHA256AndAES_256).
        String algorithm = info.getAlgParameters() != null ? info.getAlgParameters().toString() : info.getAlgName();
        SecretKeyFactory factory = SecretKeyFactory.getInstance(algorithm);
        Cipher cipher = Cipher.getInstance(algorithm);
        cipher.init(Cipher.DECRYPT_MODE, factory.generateSecret(new PBEKeySpec(password.reveal().toCharArray())),
                info.getAlgParameters());
        return pkcs8(info.getKeySpec(cipher).getEncoded());
    }

    /** SEC1 {@code ECPrivateKey} to PKCS#8, taking the curve from its {@code [0]} parameters. */
    private static byte[] ecToPkcs8(byte[] sec1) {
        int[] outer = header(sec1, 0);
        int pos = outer[0];
        int end = outer[0] + outer[1];
        byte[] curve = null;
        while (pos < end) {
            int[] h = header(sec1, pos);
            if ((sec1[pos] & 0xFF) == 0xA0) {
                int[] oid = header(sec1, h[0]);
                curve = Arrays.copyOfRange(sec1, h[0], oid[0] + oid[1]);
            }
            pos = h[0] + h[1];
        }
        if (curve == null) {
            throw new IllegalArgumentException("EC key without named curve parameters");
        }
        return sequence(concat(hex("020100"), sequence(concat(EC_PUBLIC_KEY_OID, curve)), tlv(0x04, sec1)));
    }

    /** {content start, content length} of the DER element at {@code pos}. */
    private static int[] header(byte[] der, int pos) {
        int len = der[pos + 1] & 0xFF;
        int start = pos + 2;
        if (len > 0x80) {
            int n = len & 0x7F;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[start + i] & 0xFF);
            }
            start += n;
        }
        if (start + len > der.length) {
            throw new IllegalArgumentException("truncated DER");
        }
        return new int[] {start, len};
    }

    private static byte[] sequence(byte[] content) {
        return tlv(0x30, content);
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else {
            int bytes = len > 0xFFFFFF ? 4 : len > 0xFFFF ? 3 : len > 0xFF ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(len >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] der(String base64) {
        return Base64.getMimeDecoder().decode(base64.replaceAll("\\s", ""));
    }

    private static byte[] hex(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    private static String read(Path path, String key) {
        try {
            return Files.readString(path, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + path + ": " + e.getMessage());
        }
    }
}
