package io.hapg.etcd.internal;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

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
     * @throws UncheckedIOException when a certificate or key file cannot be read
     */
    public static Client build(List<URI> endpoints, Duration callTimeout, Optional<Path> caCert,
                               Optional<Path> clientCert, Optional<Path> clientKey,
                               Optional<String> user, Optional<String> password) {
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
                .interceptor(new DeadlineInterceptor(callTimeout));
        boolean tls = caCert.isPresent() || clientCert.isPresent()
                || endpoints.stream().anyMatch(u -> "https".equals(u.getScheme()));
        if (tls) {
            try {
                SslContextBuilder ssl = GrpcSslContexts.forClient();
                caCert.ifPresent(ca -> ssl.trustManager(ca.toFile()));
                if (clientCert.isPresent()) {
                    ssl.keyManager(clientCert.get().toFile(), clientKey.orElse(clientCert.get()).toFile());
                }
                builder.sslContext(ssl.build());
            } catch (IOException | IllegalArgumentException e) {
                throw new UncheckedIOException("etcd TLS: cannot load the CA certificate, client certificate or key"
                        + " (" + e.getMessage() + ")", e instanceof IOException ? (IOException) e : new IOException(e));
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
