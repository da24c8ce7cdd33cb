package io.hapg.core.http;

import io.hapg.core.config.ConfigException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLParameters;

/**
 * {@code restapi.ciphers} (an OpenSSL cipher string, as Patroni hands it to
 * {@code SSLContext.set_ciphers}) turned into the JDK's cipher suites and protocols.
 *
 * <p>What is understood: suites named one by one, in OpenSSL spelling
 * ({@code ECDHE-RSA-AES128-GCM-SHA256}) or IANA/JDK spelling
 * ({@code TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}), separated by {@code :}, {@code ,} or spaces;
 * {@code !SSLv3}, {@code !TLSv1}, {@code !TLSv1.1} (and {@code -}) switch the protocol off; the
 * exclusions {@code !aNULL}, {@code !eNULL}, {@code !NULL}, {@code !MD5}, {@code !RC4},
 * {@code !DES}, {@code !3DES}, {@code !EXPORT}, {@code !EXP}, {@code !LOW}, {@code !PSK},
 * {@code !SRP} are accepted since no suite this class maps belongs to them. Patroni's documented
 * example is of this form. Anything else (keywords such as {@code HIGH} or {@code DEFAULT},
 * {@code +}, {@code @STRENGTH}) is refused: applying it as OpenSSL would needs OpenSSL's whole
 * suite database, and silently using the JDK's defaults instead is what the operator's setting
 * tried to prevent.
 *
 * <p>As with OpenSSL's cipher list, TLS 1.3 suites stay the JDK's unless the string names some.
 */
final class CipherSuites {
    private static final String KEY = "restapi.ciphers";
    private static final Set<String> PROTOCOLS = Set.of("SSLV2", "SSLV3", "TLSV1", "TLSV1.1", "TLSV1.2",
            "TLSV1.3");
    private static final Set<String> EMPTY_EXCLUSIONS = Set.of("ANULL", "ENULL", "NULL", "MD5", "RC4", "DES",
            "3DES", "EXPORT", "EXP", "LOW", "PSK", "SRP", "SSLV1");

    private CipherSuites() {
    }

    /**
     * Applies {@code ciphers} to {@code params}, whose suites and protocols are the context's
     * defaults and {@code supported} the context's supported suites.
     *
     * @throws ConfigException naming {@code restapi.ciphers} and the word that cannot be applied
     */
    static void apply(String ciphers, SSLParameters params, String[] supported) {
        Set<String> known = Set.of(supported);
        List<String> suites = new ArrayList<>();
        Set<String> offProtocols = new LinkedHashSet<>();
        for (String word : ciphers.strip().split("[:,\\s]+")) {
            if (word.isEmpty()) {
                continue;
            }
            char first = word.charAt(0);
            if (first == '!' || first == '-') {
                exclusion(word.substring(1), offProtocols);
            } else {
                String suite = jdkName(word);
                if (!known.contains(suite)) {
                    throw new ConfigException(KEY, "cannot apply '" + word + "'" + (word.equals(suite) ? ""
                            : " (" + suite + ")") + ": not a cipher suite this JDK supports; name the suites one "
                            + "by one, e.g. ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384 (OpenSSL "
                            + "keywords such as HIGH or DEFAULT are not supported)");
                }
                suites.add(suite);
            }
        }
        if (!suites.isEmpty()) {
            if (suites.stream().noneMatch(CipherSuites::tls13)) {
                Arrays.stream(params.getCipherSuites()).filter(CipherSuites::tls13).forEach(suites::add);
            }
            params.setCipherSuites(suites.toArray(new String[0]));
        }
        if (!offProtocols.isEmpty()) {
            String[] left = Arrays.stream(params.getProtocols())
                    .filter(p -> !offProtocols.contains(p.toUpperCase(Locale.ROOT))).toArray(String[]::new);
            if (left.length == 0) {
                throw new ConfigException(KEY, "switches every TLS protocol off");
            }
            params.setProtocols(left);
        }
    }

    private static void exclusion(String what, Set<String> offProtocols) {
        String upper = what.toUpperCase(Locale.ROOT);
        if (PROTOCOLS.contains(upper)) {
            offProtocols.add(upper);
        } else if (!EMPTY_EXCLUSIONS.contains(upper)) {
            throw new ConfigException(KEY, "cannot apply the exclusion '!" + what + "'; supported: protocol "
                    + "names (!SSLv3, !TLSv1, !TLSv1.1) and !aNULL, !eNULL, !MD5, !RC4, !DES, !3DES, !EXPORT");
        }
    }

    private static boolean tls13(String suite) {
        return suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_");
    }

    /**
     * The JDK (IANA) name of an OpenSSL suite name; IANA names are returned as they are. Covers
     * the AEAD and CBC suites with ECDHE, DHE or RSA key exchange that JDK 17 implements.
     */
    static String jdkName(String openssl) {
        if (openssl.startsWith("TLS_") || openssl.startsWith("SSL_")) {
            return openssl;
        }
        String rest = openssl.toUpperCase(Locale.ROOT);
        String kx = "RSA";
        for (String prefix : List.of("ECDHE-ECDSA-", "ECDHE-RSA-", "DHE-RSA-", "DHE-DSS-", "ECDH-ECDSA-",
                "ECDH-RSA-")) {
            if (rest.startsWith(prefix)) {
                kx = prefix.substring(0, prefix.length() - 1).replace('-', '_');
                rest = rest.substring(prefix.length());
                break;
            }
        }
        if (rest.equals("CHACHA20-POLY1305")) {
            return "TLS_" + kx + "_WITH_CHACHA20_POLY1305_SHA256";
        }
        String[] parts = rest.split("-");
        if (parts.length == 3 && parts[1].equals("GCM") && aes(parts[0]) != null) {
            return "TLS_" + kx + "_WITH_" + aes(parts[0]) + "_GCM_" + parts[2];
        }
        if (parts.length == 2 && aes(parts[0]) != null) {
            return "TLS_" + kx + "_WITH_" + aes(parts[0]) + "_CBC_" + parts[1];
        }
        return openssl;
    }

    private static String aes(String word) {
        return word.equals("AES128") ? "AES_128" : word.equals("AES256") ? "AES_256" : null;
    }
}
