package io.hapg.etcd;

import io.hapg.core.config.Credentials;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How one agent reaches etcd and where its cluster lives there. Immutable; {@link Builder#build()}
 * validates every field and names the one that is wrong. {@link #toString()} never shows the
 * password.
 *
 * @param endpoints    etcd client URLs ({@code http://10.0.0.1:2379}, or {@code https://} for TLS);
 *                     all of one scheme
 * @param namespace    key prefix (Patroni {@code namespace}, default {@code /service/})
 * @param scope        cluster name (Patroni {@code scope})
 * @param member       this agent's member name
 * @param ttl          lifetime of the agent's lease (Patroni {@code ttl}); whole seconds, at least 1
 *                     (etcd rounds up to its minimum, 2 s with the usual timings)
 * @param retryTimeout how long one SPI call may take, all retries included (Patroni
 *                     {@code retry_timeout})
 * @param caCert       PEM CA certificate that signed etcd's certificate ({@code etcd3.cacert})
 * @param clientCert   PEM client certificate ({@code etcd3.cert})
 * @param clientKey    PEM client key in any form OpenSSL writes, unencrypted ({@code etcd3.key}); empty when
 *                     it is inside {@code clientCert}
 * @param credentials  etcd user and password ({@code etcd3.username}, {@code etcd3.password})
 */
public record EtcdConfig(
        List<URI> endpoints,
        String namespace,
        String scope,
        String member,
        Duration ttl,
        Duration retryTimeout,
        Optional<Path> caCert,
        Optional<Path> clientCert,
        Optional<Path> clientKey,
        Optional<Credentials> credentials) {

    public static final String DEFAULT_NAMESPACE = "/service/";
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_RETRY_TIMEOUT = Duration.ofSeconds(10);

    public EtcdConfig {
        endpoints = List.copyOf(Objects.requireNonNull(endpoints, "endpoints"));
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("endpoints: at least one etcd endpoint is required");
        }
        String scheme = null;
        for (URI uri : endpoints) {
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null
                    || uri.getPort() < 1) {
                throw new IllegalArgumentException("endpoints: expected http://host:port or https://host:port, got '"
                        + uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort() + "'");
            }
            if (scheme != null && !scheme.equals(uri.getScheme())) {
                throw new IllegalArgumentException("endpoints: mixes http and https");
            }
            scheme = uri.getScheme();
        }
        requireText(namespace, "namespace");
        requireName(scope, "scope");
        if (scope.equals(RESERVED_SCOPE)) {
            // hapg's own keys (the fast-failover heartbeats) live under /<namespace>/.hapg/.
            throw new IllegalArgumentException("scope: '" + RESERVED_SCOPE + "' is reserved for hapg's own keys");
        }
        requireName(member, "member");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException("ttl: must be whole seconds, at least 1 s, got " + ttl);
        }
        Objects.requireNonNull(retryTimeout, "retryTimeout");
        if (retryTimeout.isNegative() || retryTimeout.isZero()) {
            throw new IllegalArgumentException("retryTimeout: must be > 0, got " + retryTimeout);
        }
        Objects.requireNonNull(caCert, "caCert");
        Objects.requireNonNull(clientCert, "clientCert");
        Objects.requireNonNull(clientKey, "clientKey");
        Objects.requireNonNull(credentials, "credentials");
        if (clientKey.isPresent() && clientCert.isEmpty()) {
            throw new IllegalArgumentException("clientKey: requires clientCert");
        }
    }

    /** Whether the client talks TLS: https endpoints, or a CA or client certificate given. */
    public boolean tls() {
        return caCert.isPresent() || clientCert.isPresent() || "https".equals(endpoints.get(0).getScheme());
    }

    /** {@code scope/member}, the prefix of this agent's log lines and messages. */
    public String context() {
        return scope + "/" + member;
    }

    @Override
    public String toString() {
        return "EtcdConfig[endpoints=" + endpoints + ", namespace=" + namespace + ", scope=" + scope + ", member="
                + member + ", ttl=" + ttl + ", retryTimeout=" + retryTimeout + ", caCert=" + caCert + ", clientCert="
                + clientCert + ", clientKey=" + clientKey + ", credentials="
                + credentials.map(c -> c.username() + ":******").orElse("none") + "]";
    }

    public static Builder builder() {
        return new Builder();
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + ": required");
        }
    }

    /** The one scope refused: {@code /<namespace>/.hapg/} holds hapg's keys outside every cluster's prefix. */
    static final String RESERVED_SCOPE = ".hapg";

    private static void requireName(String value, String field) {
        requireText(value, field);
        if (value.contains("/")) {
            throw new IllegalArgumentException(field + ": must not contain '/', got '" + value + "'");
        }
    }

    /** Builder with Patroni's defaults: namespace {@code /service/}, ttl 30 s, retry_timeout 10 s. */
    public static final class Builder {
        private final List<URI> endpoints = new ArrayList<>();
        private String namespace = DEFAULT_NAMESPACE;
        private String scope;
        private String member;
        private Duration ttl = DEFAULT_TTL;
        private Duration retryTimeout = DEFAULT_RETRY_TIMEOUT;
        private Path caCert;
        private Path clientCert;
        private Path clientKey;
        private Credentials credentials;

        private Builder() {
        }

        /** Adds endpoint URLs ({@code http://host:port}); a comma-separated list is split. */
        public Builder endpoints(String... urls) {
            for (String url : urls) {
                for (String part : url.split(",")) {
                    if (!part.isBlank()) {
                        endpoints.add(uri(part.strip()));
                    }
                }
            }
            return this;
        }

        public Builder endpoints(List<String> urls) {
            return endpoints(urls.toArray(String[]::new));
        }

        /** Adds one endpoint URL as is ({@code http://host:port}); {@link #build()} validates it. */
        public Builder endpoint(URI url) {
            endpoints.add(Objects.requireNonNull(url, "endpoint"));
            return this;
        }

        public Builder namespace(String v) {
            namespace = v;
            return this;
        }

        public Builder scope(String v) {
            scope = v;
            return this;
        }

        public Builder member(String v) {
            member = v;
            return this;
        }

        public Builder ttl(Duration v) {
            ttl = v;
            return this;
        }

        public Builder retryTimeout(Duration v) {
            retryTimeout = v;
            return this;
        }

        public Builder caCert(Path v) {
            caCert = v;
            return this;
        }

        public Builder clientCert(Path cert, Path key) {
            clientCert = cert;
            clientKey = key;
            return this;
        }

        public Builder credentials(String username, String password) {
            credentials = Credentials.of(username, password);
            return this;
        }

        public Builder credentials(Credentials v) {
            credentials = v;
            return this;
        }

        /** @throws IllegalArgumentException naming the field that is missing or invalid */
        public EtcdConfig build() {
            return new EtcdConfig(endpoints, namespace, scope, member, ttl, retryTimeout, Optional.ofNullable(caCert),
                    Optional.ofNullable(clientCert), Optional.ofNullable(clientKey), Optional.ofNullable(credentials));
        }

        private static URI uri(String text) {
            try {
                return new URI(text.contains("://") ? text : "http://" + text);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("endpoints: not a URL: '" + text + "'");
            }
        }
    }
}
