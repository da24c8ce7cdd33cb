package io.hapg.hikari;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * A running replica a read-only connection may go to.
 *
 * @param member   its member name
 * @param host     host from its {@code conn_url}
 * @param port     port from its {@code conn_url}
 * @param lagBytes how far its WAL position is behind the primary's last published one; empty when
 *                 unknown
 * @param noloadbalance its {@code noloadbalance} tag: not to be used for read scaling
 */
public record ReplicaEndpoint(String member, String host, int port, OptionalLong lagBytes, boolean noloadbalance) {
    public ReplicaEndpoint {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(lagBytes, "lagBytes");
    }

    /** {@code host:port}. */
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
