package io.hapg.postgres.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.stream.Collectors;

/** libpq connection strings, and the {@code postgres://host:port/db} URLs members publish. */
public final class Conninfo {
    private Conninfo() {
    }

    /** A host and port parsed from a member's {@code conn_url}. */
    public record Endpoint(String host, int port) {
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * Parses {@code postgres://host[:port]/...} or {@code postgresql://...}; a missing port is 5432.
     * User information and query parameters are ignored: hapg connects with its own roles.
     *
     * @throws IllegalArgumentException naming the URL when it is not one
     */
    public static Endpoint endpoint(String connUrl) {
        try {
            URI uri = new URI(connUrl);
            String scheme = uri.getScheme();
            String host = uri.getHost();
            if (!("postgres".equals(scheme) || "postgresql".equals(scheme)) || host == null || host.isEmpty()) {
                throw new IllegalArgumentException("not a postgres:// URL with a host: '" + connUrl + "'");
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new Endpoint(host, uri.getPort() < 0 ? 5432 : uri.getPort());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a postgres:// URL: '" + connUrl + "'", e);
        }
    }

    /** {@code key='value' ...}, with quotes and backslashes escaped as libpq expects. */
    public static String format(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> e.getKey() + "='" + e.getValue().replace("\\", "\\\\").replace("'", "\\'") + "'")
                .collect(Collectors.joining(" "));
    }

    /**
     * {@code dbname=postgres user=U host=H port=P}: the connection string Patroni hands to
     * {@code post_bootstrap} and to a replica method's {@code --connstring}, values escaped as its
     * {@code format_dsn} does (a backslash before quotes, backslashes and spaces; no quoting).
     */
    public static String patroniDsn(String user, String host, int port) {
        return "dbname=postgres user=" + dsnValue(user) + " host=" + dsnValue(host) + " port=" + port;
    }

    private static String dsnValue(String value) {
        return value.replaceAll("(['\\\\ ])", "\\\\$1");
    }
}
