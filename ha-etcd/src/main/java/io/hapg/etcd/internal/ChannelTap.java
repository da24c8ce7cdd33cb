package io.hapg.etcd.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.util.Optional;

/**
 * Remembers the channel under jetcd's stubs, and the call options jetcd gives its calls (the
 * authentication credentials among them), from the first call that passes: {@link KeepAliveStream}
 * keeps a stream of its own open on them, which jetcd's API offers only with a background renewal
 * that hapg must not have. Passes every call on unchanged.
 */
public final class ChannelTap implements ClientInterceptor {
    private volatile Tapped tapped;

    /** jetcd's channel and call options, without the first call's deadline. */
    public record Tapped(Channel channel, CallOptions options) {
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        if (tapped == null) {
            tapped = new Tapped(next, options.withDeadline(null));
        }
        return next.newCall(method, options);
    }

    /** Empty until jetcd has made its first call. */
    public Optional<Tapped> tapped() {
        return Optional.ofNullable(tapped);
    }
}
