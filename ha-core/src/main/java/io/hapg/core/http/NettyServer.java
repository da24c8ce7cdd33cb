package io.hapg.core.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API on Netty (already on the agent's class path through jetcd): the default when its
 * classes are present.
 *
 * <p><b>Why</b>: the JDK server hands every request from its selector thread to a worker and back
 * and allocates ~12 KiB per exchange; its p99 at 10 keep-alive clients was several ms on 2 cores.
 * Here a health check (GET, HEAD, OPTIONS: every one answered from memory) is answered on the
 * I/O thread that read it, with no hand-off.
 *
 * <p><b>Threads</b>: one I/O thread {@code ha-http-<member>-io} accepts, reads and writes every
 * connection; unsafe calls (switchover, restart, PATCH /config...), which may wait on the
 * consensus store or the database, run on up to {@link ServerSettings#maxThreads} threads
 * {@code ha-http-<member>-N} (idle ones exit after 30 s). While one runs, its connection reads
 * nothing more, so pipelined requests are answered in order.
 *
 * <p><b>Limits</b>: connections past {@link ServerSettings#maxConnections} are closed on accept; a
 * connection must deliver a whole request (TLS handshake included) within
 * {@link ServerSettings#requestTimeout} of connecting or of its first byte, and may wait
 * {@link ServerSettings#idleTimeout} between requests; request lines over 4 KiB get 414, headers
 * over 8 KiB 431, bodies over {@link Router#MAX_BODY} 413 — each then closes the connection.
 */
final class NettyServer implements ApiServer {
    private static final Logger LOG = LoggerFactory.getLogger(NettyServer.class);
    private static final AttributeKey<Boolean> HAS_BODY = AttributeKey.valueOf("hapg.hasBody");
    private static final byte[] NO_BODY = new byte[0];
    private static final int MAX_LINE = 4096;
    private static final int MAX_HEADERS = 8192;
    /** Header names as the JDK server and Patroni spell them, for scripts that grep them. */
    private static final String CONNECTION = "Connection";

    private final EventLoopGroup group;
    private final Channel listener;
    private final ThreadPoolExecutor blocking;

    private NettyServer(EventLoopGroup group, Channel listener, ThreadPoolExecutor blocking) {
        this.group = group;
        this.listener = listener;
        this.blocking = blocking;
    }

    /** Whether Netty's HTTP codec is on the class path (it is optional for ha-core). */
    static boolean available() {
        try {
            Class.forName("io.netty.handler.codec.http.HttpServerCodec", false, NettyServer.class.getClassLoader());
            Class.forName("io.netty.channel.MultiThreadIoEventLoopGroup", false, NettyServer.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** @throws IOException when the address cannot be bound */
    static NettyServer start(ServerSettings s, Router router) throws IOException {
        String member = s.member();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new FastThreadLocalThread(r, "ha-http-" + member + "-io");
            t.setDaemon(true);
            return t;
        }, NioIoHandler.newFactory());
        // Netty 4.2's event loop, with no task scheduled, wakes every second anyway (its select
        // waits SingleThreadEventExecutor's 1 s purge interval): 60 wake-ups a minute, about 4 CPU
        // ticks of an idle agent. A far-future task lets the select wait for I/O or a connection's
        // own deadline (those are scheduled tasks and wake it earlier).
        group.forEach(loop -> loop.scheduleAtFixedRate(() -> { }, 1, 1, TimeUnit.HOURS));
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor blocking = new ThreadPoolExecutor(s.maxThreads(), s.maxThreads(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(s.maxConnections()), r -> {
                    Thread t = new Thread(r, "ha-http-" + member + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        blocking.allowCoreThreadTimeOut(true);
        AtomicInteger open = new AtomicInteger();
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, s.backlog())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (open.incrementAndGet() > s.maxConnections()) {
                            open.decrementAndGet();
                            LOG.debug("REST API: connection from {} closed: {} connections open",
                                    ch.remoteAddress(), s.maxConnections());
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        pipeline(ch, s, router, blocking);
                    }
                });
        ChannelFuture bound = bootstrap.bind(s.bindAddress()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            blocking.shutdownNow();
            Throwable cause = bound.cause();
            throw cause instanceof IOException ? (IOException) cause
                    : new IOException(String.valueOf(cause.getMessage()), cause);
        }
        return new NettyServer(group, bound.channel(), blocking);
    }

    private static void pipeline(SocketChannel ch, ServerSettings s, Router router, ThreadPoolExecutor blocking) {
        ChannelPipeline p = ch.pipeline();
        RequestDeadline deadline = new RequestDeadline(s.requestTimeout().toNanos());
        p.addLast("deadline", deadline);
        s.tls().ifPresent(tls -> {
            SSLEngine engine = tls.createSSLEngine();
            engine.setUseClientMode(false);
            engine.setSSLParameters(s.tlsParameters());
            p.addLast("tls", new SslHandler(engine));
        });
        p.addLast("idle", new IdleStateHandler(0, 0, s.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast("codec", new HttpServerCodec(MAX_LINE, MAX_HEADERS, 8192));
        p.addLast("body-marker", new BodyMarker());
        p.addLast("aggregator", new BodyLimit());
        p.addLast("api", new Exchanges(router, blocking, deadline));
    }

    @Override
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        blocking.shutdownNow();
    }

    /**
     * Closes a connection that has not delivered a whole request within the timeout of connecting
     * or of the request's first byte: a client that sends half a request, or stalls a TLS
     * handshake, frees its slot (Patroni #3705: silent TLS clients made HAProxy mark a node down).
     */
    private static final class RequestDeadline extends ChannelInboundHandlerAdapter {
        private final long timeoutNanos;
        private ScheduledFuture<?> timer;
        private boolean answering;

        RequestDeadline(long timeoutNanos) {
            this.timeoutNanos = timeoutNanos;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            arm(ctx);
            super.channelActive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (timer == null && !answering) {
                arm(ctx);
            }
            super.channelRead(ctx, msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            disarm();
            super.channelInactive(ctx);
        }

        /** The whole request is in; while it is answered, more bytes start no deadline. */
        void requestIn() {
            disarm();
            answering = true;
        }

        /** The answer is written; the next byte starts the next request's deadline. */
        void answered() {
            answering = false;
        }

        private void arm(ChannelHandlerContext ctx) {
            timer = ctx.executor().schedule(() -> {
                LOG.debug("REST API: {} sent no whole request within {} ms; closing", ctx.channel().remoteAddress(),
                        TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
                ctx.close();
            }, timeoutNanos, TimeUnit.NANOSECONDS);
        }

        private void disarm() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }

    /**
     * Remembers whether the client sent a body ({@code Content-Length} or chunked) before the
     * aggregator sets {@code Content-Length} on every request: a required body that was never
     * announced is 411, as in Patroni.
     */
    private static final class BodyMarker extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof HttpRequest) {
                HttpRequest r = (HttpRequest) msg;
                ctx.channel().attr(HAS_BODY).set(HttpUtil.isContentLengthSet(r) || HttpUtil.isTransferEncodingChunked(r));
            }
            super.channelRead(ctx, msg);
        }
    }

    /** The aggregator, answering an oversized body with the same 413 text as the JDK server and closing. */
    private static final class BodyLimit extends HttpObjectAggregator {
        BodyLimit() {
            super(Router.MAX_BODY);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse response = response(
                    Reply.text(413, "Request body larger than " + Router.MAX_BODY + " bytes"), false, Map.of());
            response.headers().set(CONNECTION, "close");
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Answers each whole request of one connection, in order: health checks at once on the I/O
     * thread, unsafe calls on a worker while the connection reads nothing more. Every field is
     * touched on the connection's I/O thread only.
     */
    private static final class Exchanges extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Router router;
        private final ThreadPoolExecutor blocking;
        private final RequestDeadline deadline;
        private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
        private boolean busy;

        Exchanges(Router router, ThreadPoolExecutor blocking, RequestDeadline deadline) {
            super(false);
            this.router = router;
            this.blocking = blocking;
            this.deadline = deadline;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            deadline.requestIn();
            waiting.add(request);
            drain(ctx);
        }

        private void drain(ChannelHandlerContext ctx) {
            while (!busy && !waiting.isEmpty() && ctx.channel().isActive()) {
                serve(ctx, waiting.poll());
            }
            if (!busy && waiting.isEmpty()) {
                deadline.answered();
            }
        }

        private void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
            Optional<Reply> malformed = malformed(request);
            if (malformed.isPresent()) {
                write(ctx, request, malformed.get());
                request.release();
                return;
            }
            String method = request.method().name();
            if (!(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"))) {
                busy = true;
                ctx.channel().config().setAutoRead(false);
                try {
                    blocking.execute(() -> {
                        Reply reply = answer(ctx, request);
                        try {
                            ctx.executor().execute(() -> {
                                busy = false;
                                write(ctx, request, reply);
                                request.release();
                                ctx.channel().config().setAutoRead(true);
                                drain(ctx);
                            });
                        } catch (RejectedExecutionException closing) {
                            // The server is closing: its event loop takes no more tasks.
                            request.release();
                        }
                    });
                } catch (RejectedExecutionException e) {
                    busy = false;
                    write(ctx, request, Reply.text(503, "too many requests in progress")
                            .withHeader("Connection", "close"));
                    request.release();
                }
                return;
            }
            try {
                write(ctx, request, answer(ctx, request));
            } finally {
                request.release();
            }
        }

        /** The request's own fault found by the decoder: 414, 431 or 400, and the connection closes. */
        private static Optional<Reply> malformed(FullHttpRequest request) {
            if (request.decoderResult().isSuccess()) {
                return Optional.empty();
            }
            Throwable cause = request.decoderResult().cause();
            int status = cause instanceof TooLongHttpLineException ? 414
                    : cause instanceof TooLongHttpHeaderException ? 431
                    : cause instanceof TooLongFrameException ? 413 : 400;
            return Optional.of(Reply.text(status, "Bad request").withHeader("Connection", "close"));
        }

        private Reply answer(ChannelHandlerContext ctx, FullHttpRequest request) {
            String uri = request.uri();
            int question = uri.indexOf('?');
            String rawPath = question < 0 ? uri : uri.substring(0, question);
            InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
            try {
                return router.answer(request.method().name(), rawPath, peer, () -> read(ctx, request, peer));
            } catch (IOException | RuntimeException e) {
                // Neither happens (the reader does no I/O; the router maps failures to replies),
                // but a connection must never be left without its answer.
                LOG.error("REST API: {} {} failed", request.method(), rawPath, e);
                return Reply.text(500, "internal error; see the agent's log").withHeader("Connection", "close");
            }
        }

        private static Request read(ChannelHandlerContext ctx, FullHttpRequest request, InetSocketAddress peer) {
            String raw = request.uri();
            int question = raw.indexOf('?');
            String path = question < 0 ? raw : raw.substring(0, question);
            String query = question < 0 ? null : raw.substring(question + 1);
            // A plain origin-form path (every load balancer's check) needs no URI parser and its garbage.
            if (!path.startsWith("/") || path.indexOf('%') >= 0 || path.indexOf('#') >= 0
                    || query != null && query.indexOf('#') >= 0) {
                try {
                    URI uri = new URI(raw);
                    path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
                    query = uri.getRawQuery();
                } catch (URISyntaxException e) {
                    throw new Request.BadRequest(400, "Bad request URI");
                }
            }
            byte[] body = request.content().isReadable() ? ByteBufUtil.getBytes(request.content()) : NO_BODY;
            Boolean hasBody = ctx.channel().attr(HAS_BODY).get();
            return new Request(request.method().name().toUpperCase(Locale.ROOT), path,
                    Request.parseQuery(query),
                    Optional.ofNullable(request.headers().get(HttpHeaderNames.AUTHORIZATION)),
                    hasBody != null && hasBody, body, peer.getAddress(), hasClientCertificate(ctx));
        }

        private static boolean hasClientCertificate(ChannelHandlerContext ctx) {
            SslHandler tls = ctx.pipeline().get(SslHandler.class);
            if (tls == null) {
                return false;
            }
            try {
                return tls.engine().getSession().getPeerCertificates().length > 0;
            } catch (SSLPeerUnverifiedException e) {
                return false;
            }
        }

        private void write(ChannelHandlerContext ctx, FullHttpRequest request, Reply reply) {
            boolean keepAlive = HttpUtil.isKeepAlive(request) && !"close".equalsIgnoreCase(reply.headers().get("Connection"));
            boolean head = request.method().name().equalsIgnoreCase("HEAD");
            FullHttpResponse response = response(reply, head, router.extraHeaders());
            HttpHeaders headers = response.headers();
            if (!keepAlive) {
                headers.set(CONNECTION, "close");
            } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                headers.set(CONNECTION, "keep-alive");
            }
            ChannelFuture written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof IdleStateEvent) {
                // A long unsafe call (a switchover waits for the new leader) is not idleness.
                if (!busy && waiting.isEmpty()) {
                    ctx.close();
                }
                return;
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            waiting.forEach(FullHttpRequest::release);
            waiting.clear();
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("REST API: connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    /**
     * The reply as a Netty response: the extra headers, then the reply's own (which win); a HEAD
     * answer keeps its length and sends no body. Always HTTP/1.1, as the JDK server and Patroni
     * answer, whatever the request's version (HAProxy's default check is HTTP/1.0).
     */
    private static FullHttpResponse response(Reply reply, boolean head, Map<String, String> extra) {
        byte[] body = reply.body();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()),
                head || body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        HttpHeaders headers = response.headers();
        extra.forEach(headers::set);
        reply.headers().forEach(headers::set);
        if (body.length > 0) {
            headers.set("Content-Type", reply.contentType());
        }
        headers.setInt("Content-Length", body.length);
        return response;
    }
}
