package io.hapg.hikari.internal;

import java.net.URI;
import java.net.URISyntaxException;

/** Parses the {@code conn_url} a member publishes ({@code postgres://host:port/db}). */
public final class ConnUrls {
    private static final int DEFAULT_PORT = 5432;

    private ConnUrls() {
    }

    /** Host and port of a connection URL. */
    public record HostPort(String host, int port) {
    }

    /**
     * Accepts {@code postgres://}, {@code postgresql://} and {@code jdbc:postgresql://} URLs, with
     * or without user info, port (default 5432) and database; IPv6 hosts in brackets.
     *
     * @throws IllegalArgumentException naming the URL and what is wrong with it
     */
    public static HostPort parse(String connUrl) {
        if (connUrl == null || connUrl.isBlank()) {
            throw new IllegalArgumentException("conn_url is empty");
        }
        String text = connUrl.strip();
        if (text.startsWith("jdbc:")) {
            text = text.substring("jdbc:".length());
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("conn_url '" + connUrl + "' does not parse: " + e.getReason());
        }
        String scheme = uri.getScheme();
        if (!"postgres".equals(scheme) && !"postgresql".equals(scheme)) {
            throw new IllegalArgumentException("conn_url '" + connUrl
                    + "' does not parse: expected postgres://host:port/database");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("conn_url '" + connUrl + "' does not parse: no host");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("conn_url '" + connUrl + "' does not parse: port " + port);
        }
        return new HostPort(host, port);
    }

    /**
     * {@code host:port} as configured for a member (e.g. a REST member's database address).
     *
     * @throws IllegalArgumentException naming the text
     */
    public static HostPort parseAddress(String hostPort) {
        return parse("postgres://" + hostPort.strip() + "/");
    }
}
