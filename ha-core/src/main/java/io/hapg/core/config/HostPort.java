package io.hapg.core.config;

import java.util.Objects;

/**
 * A {@code host:port} pair as Patroni writes them ({@code 10.0.0.1:8008}, {@code [::1]:5432}).
 *
 * @param host host name or IP address (IPv6 without brackets); empty only for a listen address,
 *             where it means every interface
 * @param port 1..65535
 */
public record HostPort(String host, int port) {
    public HostPort {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be between 1 and 65535, got " + port);
        }
    }

    /**
     * Parses {@code host:port}; the port is required.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static HostPort parse(String text) {
        return parse(text, 0, false);
    }

    /**
     * Parses {@code host:port} or {@code host}, which then gets {@code defaultPort}.
     *
     * @param defaultPort the port when the text has none; 0 when a port is required
     * @throws IllegalArgumentException saying what is wrong
     */
    public static HostPort parse(String text, int defaultPort) {
        return parse(text, defaultPort, false);
    }

    /**
     * Parses {@code host:port} or {@code host}.
     *
     * @param defaultPort the port when the text has none; 0 when a port is required
     * @param emptyHost   whether {@code :port} (every interface) is allowed
     */
    static HostPort parse(String text, int defaultPort, boolean emptyHost) {
        String s = text.strip();
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("expected host:port, got '" + text + "'");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            port = rest.startsWith(":") ? rest.substring(1) : rest.isEmpty() ? null : "?";
        } else {
            int colon = s.lastIndexOf(':');
            host = colon < 0 ? s : s.substring(0, colon);
            port = colon < 0 ? null : s.substring(colon + 1);
        }
        if (host.isEmpty() && !emptyHost || host.contains(" ") || host.contains(",")) {
            throw new IllegalArgumentException("expected host:port, got '" + text + "'");
        }
        if (port == null) {
            if (defaultPort == 0) {
                throw new IllegalArgumentException("expected host:port, got '" + text + "' (no port)");
            }
            return new HostPort(host, defaultPort);
        }
        try {
            return new HostPort(host, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected host:port, got '" + text + "' (bad port)");
        }
    }

    /** {@code host:port}, with IPv6 hosts in brackets. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
