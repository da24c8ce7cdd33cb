package io.hapg.core.http;

import java.net.InetSocketAddress;

/** A started HTTP server carrying the {@link Router}'s answers: the JDK's or Netty's. */
interface ApiServer extends AutoCloseable {
    /** The address actually bound. */
    InetSocketAddress address();

    /** Stops listening, drops open connections and stops the server's threads. Idempotent. */
    @Override
    void close();
}
