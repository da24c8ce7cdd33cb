package io.hapg.etcd.internal;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lease renewals on one {@code LeaseKeepAlive} stream kept open between them: a request per
 * renewal, sent only when the caller asks, never in the background (a stuck loop must lose its
 * lease). jetcd's {@code keepAliveOnce} opens a new stream for every renewal, and setting up and
 * tearing down a gRPC stream (headers both ways, HPACK, stream state) was most of what the gRPC
 * thread of an idle agent did; on an open stream a renewal is one small message each way.
 *
 * <p>The stream is opened on the first renewal after jetcd's first call ({@link ChannelTap}); until
 * then a renewal is jetcd's {@code keepAliveOnce}. A stream that fails, or whose renewal its
 * caller abandoned (a deadline passed: its answer could come late and be taken for the next one's),
 * is dropped, and the next renewal opens a new one, through gRPC's load balancing, so possibly on
 * another etcd member. One renewal at a time: the caller waits for each answer (the lease keeper's
 * methods are synchronized).
 *
 * <p>Thread-safety: all state is guarded by this; gRPC's callbacks run on its event loop and only
 * complete futures.
 */
public final class KeepAliveStream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeepAliveStream.class);
    private static final String NOT_FOUND = "etcdserver: requested lease not found";

    private final ChannelTap tap;
    private final Lease fallback;
    private final String context;
    private Stream current; // guarded by this
    private boolean closed; // guarded by this

    public KeepAliveStream(ChannelTap tap, Lease fallback, String context) {
        this.tap = tap;
        this.fallback = fallback;
        this.context = context;
    }

    /**
     * Renews lease {@code id} once.
     *
     * @return completes with the lease's new ttl in seconds; fails with gRPC's NOT_FOUND "requested
     *         lease not found" when etcd does not know the lease, or with the stream's status when
     *         the stream ends first. Cancelling it drops the stream.
     */
    public synchronized CompletableFuture<Long> keepAlive(long id) {
        if (closed) {
            return CompletableFuture.failedFuture(Status.CANCELLED.withDescription("keepalive stream closed")
                    .asRuntimeException());
        }
        var tapped = tap.tapped();
        if (tapped.isEmpty()) {
            return fallback.keepAliveOnce(id).thenApply(r -> r.getTTL());
        }
        if (current == null) {
            current = new Stream(tapped.get().channel().newCall(LeaseGrpc.getLeaseKeepAliveMethod(),
                    tapped.get().options().withExecutor(Runnable::run)));
            current.call.start(current, new Metadata());
            LOG.debug("{} - keepalive stream opened", context);
        }
        return current.send(id);
    }

    /** Ends the open stream, if any; later renewals fail. */
    @Override
    public synchronized void close() {
        closed = true;
        drop("closed");
    }

    private void drop(String why) { // under this
        Stream s = current;
        current = null;
        if (s != null) {
            s.call.cancel(why, null);
        }
    }

    /** One open stream, and the renewal waiting for its answer. */
    private final class Stream extends ClientCall.Listener<LeaseKeepAliveResponse> {
        final ClientCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call;
        private CompletableFuture<Long> pending; // guarded by KeepAliveStream.this
        private long pendingId; // guarded by KeepAliveStream.this

        Stream(ClientCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call) {
            this.call = call;
        }

        CompletableFuture<Long> send(long id) { // under KeepAliveStream.this
            CompletableFuture<Long> f = new CompletableFuture<>();
            if (pending != null) { // cannot happen with one caller at a time; an answer must not be misread
                drop("a renewal was still unanswered");
                return keepAlive(id);
            }
            pending = f;
            pendingId = id;
            f.whenComplete((ttl, e) -> {
                if (e instanceof CancellationException) {
                    synchronized (KeepAliveStream.this) {
                        if (current == this) {
                            drop("renewal abandoned");
                        }
                    }
                }
            });
            try {
                call.request(1);
                call.sendMessage(LeaseKeepAliveRequest.newBuilder().setID(id).build());
            } catch (RuntimeException e) {
                pending = null;
                if (current == this) {
                    drop("send failed");
                }
                f.completeExceptionally(e);
            }
            return f;
        }

        @Override
        public void onMessage(LeaseKeepAliveResponse r) {
            synchronized (KeepAliveStream.this) {
                CompletableFuture<Long> f = pending;
                if (f == null || r.getID() != pendingId) {
                    return; // the answer to an abandoned renewal: its stream is being dropped
                }
                pending = null;
                if (r.getTTL() <= 0) {
                    f.completeExceptionally(Status.NOT_FOUND.withDescription(NOT_FOUND).asRuntimeException());
                } else {
                    f.complete(r.getTTL());
                }
            }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            synchronized (KeepAliveStream.this) {
                if (current == this) {
                    current = null;
                }
                CompletableFuture<Long> f = pending;
                pending = null;
                if (f != null) {
                    f.completeExceptionally(status.isOk() ? Status.UNAVAILABLE
                            .withDescription("etcd ended the keepalive stream").asRuntimeException()
                            : status.asRuntimeException(trailers));
                }
            }
            LOG.debug("{} - keepalive stream closed: {}", context, status);
        }
    }
}
