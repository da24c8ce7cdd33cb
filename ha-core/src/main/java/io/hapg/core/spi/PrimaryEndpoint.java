package io.hapg.core.spi;

import java.util.Objects;

/**
 * Where the primary accepts connections.
 *
 * @param member  the leader's member name
 * @param host    host from its {@code conn_url}
 * @param port    port from its {@code conn_url}
 * @param connUrl the {@code conn_url} as published
 */
public record PrimaryEndpoint(String member, String host, int port, String connUrl) {
    public PrimaryEndpoint {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(host, "host");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        Objects.requireNonNull(connUrl, "connUrl");
    }
}
