package io.hapg.core.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code restapi}: where this member's Patroni-compatible REST API listens and who may call its
 * unsafe (POST/PUT/PATCH/DELETE) endpoints. Validated on construction; errors name
 * {@code restapi.<key>}.
 *
 * @param listen                  bind address (default {@code 0.0.0.0:8008}; {@code :8008} = every interface)
 * @param connectAddress          address peers and load balancers use (published in the member key)
 * @param authentication          HTTP Basic credentials required for unsafe endpoints
 * @param certfile                PEM certificate; TLS is on when set
 * @param keyfile                 PEM key (may be inside {@code certfile})
 * @param keyfilePassword         password of {@code keyfile}
 * @param cafile                  CA bundle for verifying client certificates
 * @param ciphers                 permitted cipher suites (OpenSSL syntax)
 * @param verifyClient            client-certificate policy
 * @param allowlist               hosts, IPs or CIDRs allowed to call unsafe endpoints (empty = all)
 * @param allowlistIncludeMembers also allow the members' {@code api_url} hosts
 * @param httpExtraHeaders        headers added to every response
 * @param httpsExtraHeaders       headers added to every response when TLS is on
 * @param requestQueueSize        TCP listen backlog, 0..4096 (default 128; Patroni's is 5, which
 *                                makes the kernel drop the SYNs of a burst of new connections:
 *                                each waits a 1 s retransmit; 12 of 100 clients timed out)
 * @param threadPoolSize          request threads, at least 5 (default 5)
 * @param serverTokens            {@code Server} header style: minimal, productonly or original
 */
public record RestApiConfig(
        HostPort listen,
        Optional<HostPort> connectAddress,
        Optional<Credentials> authentication,
        Optional<Path> certfile,
        Optional<Path> keyfile,
        Optional<Secret> keyfilePassword,
        Optional<Path> cafile,
        Optional<String> ciphers,
        VerifyClient verifyClient,
        List<String> allowlist,
        boolean allowlistIncludeMembers,
        Map<String, String> httpExtraHeaders,
        Map<String, String> httpsExtraHeaders,
        int requestQueueSize,
        int threadPoolSize,
        String serverTokens) {

    public static final RestApiConfig DEFAULTS = builder().build();

    /** {@code restapi.verify_client}. */
    public enum VerifyClient {
        /** No client certificate is checked. */
        NONE,
        /** A client certificate is required for unsafe methods only. */
        OPTIONAL,
        /** A client certificate is required for every request. */
        REQUIRED;

        /** Patroni's spelling: {@code none}, {@code optional}, {@code required}. */
        public String yamlName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public RestApiConfig {
        Objects.requireNonNull(listen, "restapi.listen");
        Objects.requireNonNull(connectAddress, "restapi.connect_address");
        Objects.requireNonNull(authentication, "restapi.authentication");
        Objects.requireNonNull(certfile, "restapi.certfile");
        Objects.requireNonNull(keyfile, "restapi.keyfile");
        Objects.requireNonNull(keyfilePassword, "restapi.keyfile_password");
        Objects.requireNonNull(cafile, "restapi.cafile");
        Objects.requireNonNull(ciphers, "restapi.ciphers");
        Objects.requireNonNull(verifyClient, "restapi.verify_client");
        allowlist = Checks.list(allowlist, "restapi.allowlist");
        httpExtraHeaders = Checks.map(httpExtraHeaders, "restapi.http_extra_headers");
        httpsExtraHeaders = Checks.map(httpsExtraHeaders, "restapi.https_extra_headers");
        Checks.between(requestQueueSize, 0, 4096, "restapi.request_queue_size");
        Checks.atLeast(threadPoolSize, 5, "restapi.thread_pool_size");
        serverTokens = serverTokens.toLowerCase(Locale.ROOT);
        if (!List.of("minimal", "productonly", "original").contains(serverTokens)) {
            throw new ConfigException("restapi.server_tokens",
                    "expected minimal, productonly or original, got '" + serverTokens + "'");
        }
        if (connectAddress.isPresent() && connectAddress.get().host().isEmpty()) {
            throw new ConfigException("restapi.connect_address", "a host is required");
        }
        if (certfile.isEmpty() && (keyfile.isPresent() || keyfilePassword.isPresent())) {
            throw new ConfigException(keyfile.isPresent() ? "restapi.keyfile" : "restapi.keyfile_password",
                    "requires restapi.certfile");
        }
        if (certfile.isEmpty() && verifyClient != VerifyClient.NONE) {
            throw new ConfigException("restapi.verify_client", "'" + verifyClient.yamlName()
                    + "' requires TLS (restapi.certfile)");
        }
    }

    /** Whether the API serves HTTPS. */
    public boolean tls() {
        return certfile.isPresent();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with Patroni's defaults; {@link #build()} validates. */
    public static final class Builder {
        private String listen = "0.0.0.0:8008";
        private String connectAddress;
        private Credentials authentication;
        private Path certfile;
        private Path keyfile;
        private Secret keyfilePassword;
        private Path cafile;
        private String ciphers;
        private VerifyClient verifyClient = VerifyClient.NONE;
        private List<String> allowlist = List.of();
        private boolean allowlistIncludeMembers;
        private Map<String, String> httpExtraHeaders = Map.of();
        private Map<String, String> httpsExtraHeaders = Map.of();
        private int requestQueueSize = 128;
        private int threadPoolSize = 5;
        private String serverTokens = "original";

        private Builder() {
        }

        /** {@code host:port}; {@code :port} listens on every interface. */
        public Builder listen(String v) { listen = v; return this; }
        /** {@code host:port} that the other members can reach. */
        public Builder connectAddress(String v) { connectAddress = v; return this; }
        public Builder authentication(Credentials v) { authentication = v; return this; }
        public Builder authentication(String username, String password) {
            return authentication(Credentials.of(username, password));
        }
        public Builder certfile(Path v) { certfile = v; return this; }
        public Builder keyfile(Path v) { keyfile = v; return this; }
        public Builder keyfilePassword(Secret v) { keyfilePassword = v; return this; }
        public Builder cafile(Path v) { cafile = v; return this; }
        public Builder ciphers(String v) { ciphers = v; return this; }
        public Builder verifyClient(VerifyClient v) { verifyClient = v; return this; }
        public Builder allowlist(List<String> v) { allowlist = v; return this; }
        public Builder allowlistIncludeMembers(boolean v) { allowlistIncludeMembers = v; return this; }
        public Builder httpExtraHeaders(Map<String, String> v) { httpExtraHeaders = v; return this; }
        public Builder httpsExtraHeaders(Map<String, String> v) { httpsExtraHeaders = v; return this; }
        public Builder requestQueueSize(int v) { requestQueueSize = v; return this; }
        public Builder threadPoolSize(int v) { threadPoolSize = v; return this; }
        public Builder serverTokens(String v) { serverTokens = v; return this; }

        /** @throws ConfigException naming the {@code restapi.*} key that is invalid */
        public RestApiConfig build() {
            HostPort listenAt = Checks.hostPort(Checks.required(listen, "restapi.listen"), "restapi.listen", 0, true);
            Optional<HostPort> connectTo = Optional.ofNullable(connectAddress)
                    .map(a -> Checks.hostPort(a, "restapi.connect_address", 0, false));
            return new RestApiConfig(listenAt, connectTo, Optional.ofNullable(authentication),
                    Optional.ofNullable(certfile), Optional.ofNullable(keyfile), Optional.ofNullable(keyfilePassword),
                    Optional.ofNullable(cafile), Optional.ofNullable(ciphers), verifyClient, allowlist,
                    allowlistIncludeMembers, httpExtraHeaders, httpsExtraHeaders, requestQueueSize, threadPoolSize,
                    Checks.required(serverTokens, "restapi.server_tokens"));
        }
    }
}
