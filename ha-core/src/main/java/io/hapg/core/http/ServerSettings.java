package io.hapg.core.http;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * What either server needs besides the router.
 *
 * @param member          the member name, for thread names
 * @param bindAddress     where to listen
 * @param backlog         the listen backlog ({@code restapi.request_queue_size})
 * @param tls             the TLS context, when {@code restapi.certfile} is set
 * @param tlsParameters   cipher suites, protocols and client authentication applied to every connection
 * @param maxThreads      the most unsafe calls (and, for the JDK server, requests) handled at once
 * @param maxConnections  the most connections open at once; further ones are closed on accept
 * @param requestTimeout  how long a client may take to send a whole request, its first one included
 * @param idleTimeout     how long a keep-alive connection may wait between requests
 */
record ServerSettings(String member, InetSocketAddress bindAddress, int backlog, Optional<SSLContext> tls,
                      SSLParameters tlsParameters, int maxThreads, int maxConnections, Duration requestTimeout,
                      Duration idleTimeout) {
}
