package io.hapg.etcd.internal;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * A linearizable range read on jetcd's channel ({@link ChannelTap}) whose answer completes the
 * future on gRPC's event loop. Through jetcd, a read's request and answer each cross two more
 * threads (jetcd's executor, gRPC's default executor, Vert.x's context): a sixth of an idle
 * agent's CPU, for the one read of every loop iteration. Same request, same answer, same
 * authentication (jetcd's call credentials); a failed read should be retried through jetcd,
 * which refreshes an expired auth token.
 */
public final class DirectRange {
    private final ChannelTap tap;

    public DirectRange(ChannelTap tap) {
        this.tap = tap;
    }

    /**
     * Reads {@code [key, end)}; empty until jetcd has made its first call. The call has no gRPC
     * deadline: the caller bounds its wait and must cancel the future when it gives up, which
     * cancels the call.
     */
    public Optional<CompletableFuture<GetResponse>> range(ByteSequence key, ByteSequence end) {
        return tap.tapped().map(t -> {
            // No gRPC deadline: its timer is a task on one of gRPC's event loops, scheduled and
            // cancelled from this thread on every call, waking that loop twice. The caller's wait is
            // bounded by its own deadline, and abandoning the future cancels the call.
            ClientCall<RangeRequest, RangeResponse> call = t.channel().newCall(KVGrpc.getRangeMethod(), t.options()
                    .withExecutor(Runnable::run));
            CompletableFuture<GetResponse> f = new CompletableFuture<>();
            call.start(new ClientCall.Listener<>() {
                private RangeResponse answer; // only gRPC's serialized callbacks touch it

                @Override
                public void onMessage(RangeResponse message) {
                    answer = message;
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    if (!status.isOk()) {
                        f.completeExceptionally(status.asRuntimeException(trailers));
                    } else if (answer == null) {
                        f.completeExceptionally(Status.INTERNAL.withDescription("etcd closed the read without an answer")
                                .asRuntimeException());
                    } else {
                        f.complete(new GetResponse(answer, ByteSequence.EMPTY));
                    }
                }
            }, new Metadata());
            call.request(2); // one answer; asking for more lets gRPC report a second one as an error
            call.sendMessage(RangeRequest.newBuilder().setKey(ByteString.copyFrom(key.getBytes()))
                    .setRangeEnd(ByteString.copyFrom(end.getBytes())).build());
            call.halfClose();
            f.whenComplete((r, e) -> {
                if (e instanceof CancellationException) {
                    call.cancel("read abandoned", null);
                }
            });
            return f;
        });
    }
}
