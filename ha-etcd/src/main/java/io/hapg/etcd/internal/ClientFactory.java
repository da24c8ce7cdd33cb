package io.hapg.etcd.internal;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.netty.GrpcSslContexts;
import io.hapg.core.config.ConfigException;
import io.hapg.core.tls.PemMaterial;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Builds the jetcd client: every endpoint behind gRPC round-robin (a dead or partitioned member
 * costs one failed attempt, not the session), fail-fast calls that {@link EtcdErrors} retries
 * within the SPI deadline, a gRPC deadline on every call except the watch stream (so an RPC
 * abandoned at our deadline does not linger on a black-holed connection), TLS and
 * user/password authentication.
 */
public final class ClientFactory {
    private ClientFactory() {
    }

    /**
     * @param callTimeout the gRPC deadline of one call (the SPI call budget)
     * @param tap          told jetcd's channel at the first call, for {@link KeepAliveStream}
     * @throws ConfigException naming {@code etcd3.cacert}, {@code etcd3.cert} or {@code etcd3.key} when
     *                         a certificate or key file cannot be read or used
     */
    public static Client build(List<URI> endpoints, Duration callTimeout, Optional<Path> caCert,
                               Optional<Path> clientCert, Optional<Path> clientKey,
                               Optional<String> user, Optional<String> password, ChannelTap tap) {
        ClientBuilder builder = Client.builder()
                .endpoints(endpoints.toArray(URI[]::new))
                .loadBalancerPolicy("round_robin")
                .waitForReady(false)
                // EtcdErrors owns retrying. jetcd still refreshes an expired auth token when a
                // call fails with it (its failure predicate runs even with no retries).
                .retryMaxAttempts(0)
                .retryDelay(50)
                .retryMaxDelay(200)
                .retryChronoUnit(ChronoUnit.MILLIS)
                .retryMaxDuration(callTimeout)
                .connectTimeout(callTimeout)
                // The tap first: gRPC runs the last interceptor added first, so the tap sees the
                // channel below the deadline interceptor, and a stream opened on it has no deadline.
                .interceptor(tap, new DeadlineInterceptor(callTimeout));
        boolean tls = caCert.isPresent() || clientCert.isPresent()
                || endpoints.stream().anyMatch(u -> "https".equals(u.getScheme()));
        if (tls) {
            // The files are read by PemMaterial, as the REST API's are: Netty alone reads PKCS#8 only.
            SslContextBuilder ssl = GrpcSslContexts.forClient();
            caCert.ifPresent(ca -> ssl.trustManager(PemMaterial.trustManagers(ca, "etcd3.cacert")));
            clientCert.ifPresent(cert -> ssl.keyManager(PemMaterial.keyManagers(cert, "etcd3.cert", clientKey,
                    "etcd3.key", Optional.empty(), "etcd3.key")));
            try {
                builder.sslContext(ssl.build());
            } catch (SSLException e) {
                throw new ConfigException("etcd3.cert", "cannot set up TLS to etcd: " + e.getMessage());
            }
        }
        if (user.isPresent()) {
            builder.user(KeyLayout.bytes(user.get())).password(KeyLayout.bytes(password.orElse("")));
        }
        return builder.build();
    }

    /** Puts a deadline on every call but the long-lived watch stream. */
    static final class DeadlineInterceptor implements ClientInterceptor {
        private final long nanos;

        DeadlineInterceptor(Duration timeout) {
            this.nanos = timeout.toNanos();
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            boolean watchStream = "etcdserverpb.Watch".equals(method.getServiceName());
            CallOptions effective = watchStream || options.getDeadline() != null ? options
                    : options.withDeadlineAfter(nanos, TimeUnit.NANOSECONDS);
            return next.newCall(method, effective);
        }
    }
}
