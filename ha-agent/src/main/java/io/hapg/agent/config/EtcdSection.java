package io.hapg.agent.config;

import io.hapg.core.config.Checks;
import io.hapg.core.config.ConfigException;
import io.hapg.core.config.Credentials;
import io.hapg.core.config.HostPort;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code etcd3} (or Patroni's {@code etcd}) section: how to reach the etcd cluster. hapg always
 * speaks the etcd v3 API; {@link #section()} only records which YAML key the settings came from,
 * so error messages name it. Validated on construction. {@link AdapterConfigs#etcd(EtcdSection)}
 * turns it into ha-etcd's own config.
 *
 * @param section     {@code etcd3} or {@code etcd}
 * @param hosts       endpoints from {@code host}/{@code hosts} (port defaults to 2379)
 * @param url         {@code url}: a single endpoint URL; wins over {@code hosts}
 * @param proxy       {@code proxy}: an endpoint URL that is a proxy; wins over {@code url}
 * @param useProxies  {@code use_proxies}: treat {@code hosts} as proxies. hapg never discovers
 *                    other members from the ones given, so this is recorded only
 * @param protocol    {@code http} or {@code https} (for {@code hosts})
 * @param cacert      CA certificate to verify etcd's certificate
 * @param cert        client certificate
 * @param key         client key (may be inside {@code cert})
 * @param credentials etcd user name and password
 */
public record EtcdSection(
        String section,
        List<HostPort> hosts,
        Optional<URI> url,
        Optional<URI> proxy,
        boolean useProxies,
        String protocol,
        Optional<Path> cacert,
        Optional<Path> cert,
        Optional<Path> key,
        Optional<Credentials> credentials) {

    /** etcd's client port, Patroni's default when a host has none. */
    public static final int DEFAULT_PORT = 2379;

    public EtcdSection {
        Objects.requireNonNull(section, "section");
        if (!section.equals("etcd3") && !section.equals("etcd")) {
            throw new IllegalArgumentException("section must be etcd3 or etcd, got '" + section + "'");
        }
        hosts = Checks.list(hosts, section + ".hosts");
        Objects.requireNonNull(url, section + ".url");
        Objects.requireNonNull(proxy, section + ".proxy");
        Objects.requireNonNull(cacert, section + ".cacert");
        Objects.requireNonNull(cert, section + ".cert");
        Objects.requireNonNull(key, section + ".key");
        Objects.requireNonNull(credentials, section + ".username");
        if (!"http".equals(protocol) && !"https".equals(protocol)) {
            throw new ConfigException(section + ".protocol", "expected http or https, got '" + protocol + "'");
        }
        checkUrl(url, section + ".url");
        checkUrl(proxy, section + ".proxy");
        if (hosts.isEmpty() && url.isEmpty() && proxy.isEmpty()) {
            throw new ConfigException(section, "one of host, hosts, url or proxy is required");
        }
        if (key.isPresent() && cert.isEmpty()) {
            throw new ConfigException(section + ".key", "requires " + section + ".cert");
        }
    }

    /**
     * The endpoint URLs to give the etcd client: {@code proxy} if set, else {@code url}, else
     * {@code protocol://host:port} for each of {@code hosts}.
     */
    public List<URI> endpoints() {
        if (proxy.isPresent()) {
            return List.of(proxy.get());
        }
        if (url.isPresent()) {
            return List.of(url.get());
        }
        List<URI> out = new ArrayList<>();
        for (HostPort h : hosts) {
            out.add(URI.create(protocol + "://" + h));
        }
        return List.copyOf(out);
    }

    /** Whether the client talks TLS to etcd. */
    public boolean tls() {
        return endpoints().stream().anyMatch(u -> "https".equals(u.getScheme()));
    }

    private static void checkUrl(Optional<URI> uri, String path) {
        if (uri.isPresent()) {
            String scheme = uri.get().getScheme();
            if (!"http".equals(scheme) && !"https".equals(scheme) || uri.get().getHost() == null) {
                // No echo: a URL may carry user:password.
                throw new ConfigException(path, "expected an http:// or https:// URL with a host");
            }
        }
    }

    /** A builder for the {@code etcd3} section. */
    public static Builder builder() {
        return new Builder("etcd3");
    }

    /** A builder for a section named {@code etcd3} or {@code etcd} (used in error messages). */
    public static Builder builder(String section) {
        return new Builder(section);
    }

    /** Builder; {@link #build()} validates. */
    public static final class Builder {
        private final String section;
        private final List<String> hosts = new ArrayList<>();
        private String url;
        private String proxy;
        private boolean useProxies;
        private String protocol = "http";
        private Path cacert;
        private Path cert;
        private Path key;
        private Credentials credentials;

        private Builder(String section) {
            this.section = section;
        }

        /** Adds endpoints, each {@code host:port} or {@code host}; a comma-separated list is split. */
        public Builder hosts(String... values) {
            for (String value : values) {
                for (String part : value.split(",")) {
                    if (!part.isBlank()) {
                        hosts.add(part.strip());
                    }
                }
            }
            return this;
        }

        public Builder hosts(List<String> values) { return hosts(values.toArray(String[]::new)); }
        public Builder url(String v) { url = v; return this; }
        public Builder proxy(String v) { proxy = v; return this; }
        public Builder useProxies(boolean v) { useProxies = v; return this; }
        public Builder protocol(String v) { protocol = v; return this; }
        public Builder cacert(Path v) { cacert = v; return this; }
        public Builder cert(Path v) { cert = v; return this; }
        public Builder key(Path v) { key = v; return this; }
        public Builder credentials(Credentials v) { credentials = v; return this; }
        public Builder credentials(String username, String password) {
            return credentials(Credentials.of(username, password));
        }

        /** @throws ConfigException naming the {@code etcd3.*} key that is invalid */
        public EtcdSection build() {
            List<HostPort> parsed = new ArrayList<>();
            for (String h : hosts) {
                parsed.add(Checks.hostPort(h, section + ".hosts", DEFAULT_PORT, false));
            }
            return new EtcdSection(section, parsed, uri(url, section + ".url"), uri(proxy, section + ".proxy"),
                    useProxies, protocol, Optional.ofNullable(cacert), Optional.ofNullable(cert),
                    Optional.ofNullable(key), Optional.ofNullable(credentials));
        }

        private static Optional<URI> uri(String value, String path) {
            if (value == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(new URI(value.strip()));
            } catch (URISyntaxException e) {
                throw new ConfigException(path, "not a valid URL"); // no echo: may carry user:password
            }
        }
    }
}
