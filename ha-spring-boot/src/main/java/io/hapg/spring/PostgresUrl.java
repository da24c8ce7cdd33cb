package io.hapg.spring;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the pool keeps of a {@code spring.datasource.url} written for a fixed host or a load
 * balancer: the database and the pgjdbc properties. The hosts are reported, not used; properties
 * that choose among hosts ({@code targetServerType}, {@code loadBalanceHosts}, ...) are dropped,
 * since the pool chooses the host; {@code user}/{@code password} are returned apart, as the pool
 * takes them through its own setters.
 *
 * @param hosts      {@code host[:port]} as written, in order; empty for {@code jdbc:postgresql:db}
 * @param database   the database, when the URL names one
 * @param properties the remaining query parameters, decoded
 */
record PostgresUrl(List<String> hosts, Optional<String> database, Optional<String> user, Optional<String> password,
                   Map<String, String> properties) {
    private static final String PREFIX = "jdbc:postgresql:";
    /** Properties about choosing among several hosts: meaningless when the pool picks the one host. */
    private static final List<String> HOST_CHOICE = List.of("targetservertype", "loadbalancehosts",
            "hostrecheckseconds", "pghost", "pgport");

    /**
     * @param url {@code null} or blank for none
     * @throws IllegalStateException naming {@code spring.datasource.url} when it is not a PostgreSQL URL
     */
    static PostgresUrl parse(String url) {
        if (url == null || url.isBlank()) {
            return new PostgresUrl(List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Map.of());
        }
        if (!url.startsWith(PREFIX)) {
            throw new IllegalStateException("spring.datasource.url: not a PostgreSQL URL (jdbc:postgresql:...): "
                    + url.replaceAll("password=[^&]*", "password=******"));
        }
        String rest = url.substring(PREFIX.length());
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        List<String> hosts = new ArrayList<>();
        String path = rest;
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            String authority = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
            path = slash < 0 ? "" : rest.substring(slash + 1);
            for (String host : authority.split(",")) {
                if (!host.isBlank()) {
                    hosts.add(host);
                }
            }
        } else if (rest.startsWith("/")) {
            path = rest.substring(1);
        }
        Optional<String> database = path.isBlank() ? Optional.empty() : Optional.of(decode(path));
        Map<String, String> properties = new LinkedHashMap<>();
        Optional<String> user = Optional.empty();
        Optional<String> password = Optional.empty();
        for (String pair : query.split("&")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            String lower = key.toLowerCase(Locale.ROOT);
            if (lower.equals("user")) {
                user = Optional.of(value);
            } else if (lower.equals("password")) {
                password = Optional.of(value);
            } else if (!HOST_CHOICE.contains(lower)) {
                properties.put(key, value);
            }
        }
        return new PostgresUrl(List.copyOf(hosts), database, user, password, Map.copyOf(properties));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "PostgresUrl[hosts=" + hosts + ", database=" + database + ", user=" + user
                + (password.isPresent() ? ", password=******" : "") + ", properties=" + properties + "]";
    }
}
