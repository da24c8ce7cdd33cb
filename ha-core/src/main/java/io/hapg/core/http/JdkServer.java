package io.hapg.core.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API on the JDK's built-in server ({@code com.sun.net.httpserver}): used when Netty is
 * not on the class path, or when asked for ({@link HttpApi.Transport#JDK}).
 *
 * <p>The JDK server's limits are JVM-wide system properties read when its first server starts;
 * unless the operator set them, this sets {@code sun.net.httpserver.nodelay} (without it a
 * keep-alive client waits ~40 ms per request: headers and body are written apart and Nagle holds
 * the body until the client's delayed ACK), {@code jdk.httpserver.maxConnections},
 * {@code sun.net.httpserver.maxReqTime} ({@value HttpApi#REQUEST_SECONDS} s for a connection to
 * deliver a whole request) and {@code sun.net.httpserver.clockTick} (1 s). Idle keep-alive
 * connections keep the JDK's 30 s. The JDK reads headers on the executor's thread in blocking
 * mode, hence the {@link RequestExecutor}'s reaper.
 */
final class JdkServer implements ApiServer {
    private static final Logger LOG = LoggerFactory.getLogger(JdkServer.class);
    private static final byte[] NO_BODY = new byte[0];

    private final HttpServer server;
    private final RequestExecutor executor;

    private JdkServer(HttpServer server, RequestExecutor executor) {
        this.server = server;
        this.executor = executor;
    }

    /** @throws IOException when the address cannot be bound */
    static JdkServer start(ServerSettings s, Router router) throws IOException {
        defaultProperty("sun.net.httpserver.nodelay", "true");
        defaultProperty("jdk.httpserver.maxConnections", Integer.toString(s.maxConnections()));
        defaultProperty("sun.net.httpserver.maxReqTime", Integer.toString(HttpApi.REQUEST_SECONDS));
        defaultProperty("sun.net.httpserver.clockTick", "1000");
        RequestExecutor pool = new RequestExecutor(s.member(), s.maxThreads(), waitingRequests(s),
                s.requestTimeout());
        try {
            HttpServer created = s.tls().isPresent() ? https(s) : HttpServer.create(s.bindAddress(), s.backlog());
            created.createContext("/", exchange -> handle(router, exchange));
            created.setExecutor(pool);
            created.start();
            return new JdkServer(created, pool);
        } catch (IOException | RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * Room for a request from every connection the server admits. A request the executor refuses
     * makes the JDK close its connection, which a keep-alive client sees as a read error (measured:
     * thousands per 10 s at 100 clients with a queue of {@code 4 * request_queue_size + 64}); the
     * connection cap, not this queue, is what bounds the load.
     */
    private static int waitingRequests(ServerSettings s) {
        int cap = Integer.getInteger("jdk.httpserver.maxConnections", s.maxConnections());
        return cap > 0 ? cap : s.maxConnections();
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    private static HttpsServer https(ServerSettings s) throws IOException {
        HttpsServer https = HttpsServer.create(s.bindAddress(), s.backlog());
        SSLParameters template = s.tlsParameters();
        https.setHttpsConfigurator(new HttpsConfigurator(s.tls().orElseThrow()) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setCipherSuites(template.getCipherSuites());
                p.setProtocols(template.getProtocols());
                if (template.getNeedClientAuth()) {
                    p.setNeedClientAuth(true);
                } else if (template.getWantClientAuth()) {
                    p.setWantClientAuth(true);
                }
                params.setSSLParameters(p);
            }
        });
        return https;
    }

    private static void handle(Router router, HttpExchange exchange) {
        try (exchange) {
            Reply reply = router.answer(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRemoteAddress(), () -> read(exchange));
            write(exchange, router, reply);
        } catch (IOException e) {
            LOG.debug("REST API: client {} went away: {}", exchange.getRemoteAddress(), e.toString());
        }
    }

    private static Request read(HttpExchange exchange) throws IOException {
        Headers headers = exchange.getRequestHeaders();
        String length = headers.getFirst("Content-Length");
        boolean chunked = "chunked".equalsIgnoreCase(headers.getFirst("Transfer-Encoding"));
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > Router.MAX_BODY) {
                    throw new Request.BadRequest(413, "Request body larger than " + Router.MAX_BODY + " bytes");
                }
            } catch (NumberFormatException e) {
                throw new Request.BadRequest(400, "Bad Content-Length");
            }
        }
        byte[] body = readBody(exchange.getRequestBody());
        return new Request(exchange.getRequestMethod().toUpperCase(Locale.ROOT), exchange.getRequestURI().getPath(),
                Request.parseQuery(exchange.getRequestURI().getRawQuery()),
                Optional.ofNullable(headers.getFirst("Authorization")), length != null || chunked, body,
                exchange.getRemoteAddress().getAddress(), hasClientCertificate(exchange));
    }

    private static byte[] readBody(InputStream in) throws IOException {
        // Health checks have no body: no buffer for them (it was a third of a check's garbage).
        int first = in.read();
        if (first < 0) {
            return NO_BODY;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(first);
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            if (out.size() > Router.MAX_BODY) {
                throw new Request.BadRequest(413, "Request body larger than " + Router.MAX_BODY + " bytes");
            }
        }
        return out.toByteArray();
    }

    private static boolean hasClientCertificate(HttpExchange exchange) {
        if (!(exchange instanceof HttpsExchange)) {
            return false;
        }
        try {
            return ((HttpsExchange) exchange).getSSLSession().getPeerCertificates().length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }

    private static void write(HttpExchange exchange, Router router, Reply reply) throws IOException {
        Headers out = exchange.getResponseHeaders();
        router.extraHeaders().forEach(out::set);
        reply.headers().forEach(out::set);
        if (reply.body().length == 0) {
            exchange.sendResponseHeaders(reply.status(), -1);
            return;
        }
        out.set("Content-Type", reply.contentType());
        boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
        exchange.sendResponseHeaders(reply.status(), head ? -1 : reply.body().length);
        if (!head) {
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(reply.body());
            }
        }
    }

    @Override
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }
}
