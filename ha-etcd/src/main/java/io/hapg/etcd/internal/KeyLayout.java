package io.hapg.etcd.internal;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * Patroni's etcd3 key names for one cluster: {@code /<namespace>/<scope>/<key>}. The base path is
 * built exactly as Patroni's {@code AbstractDCS} builds it (join with slashes, collapse repeated
 * slashes), so {@code namespace: service}, {@code /service} and {@code /service/} all give
 * {@code /service/<scope>/}.
 */
public final class KeyLayout {
    public static final String LEADER = "leader";
    public static final String MEMBERS = "members/";
    public static final String CONFIG = "config";
    public static final String INITIALIZE = "initialize";
    public static final String SYNC = "sync";
    public static final String FAILOVER = "failover";
    public static final String HISTORY = "history";
    public static final String STATUS = "status";
    public static final String FAILSAFE = "failsafe";
    /** Patroni before 2.1 wrote the leader's optime here, as a plain integer. */
    public static final String LEGACY_OPTIME = "optime/leader";

    private final String prefix;
    private final String heartbeat;

    public KeyLayout(String namespace, String scope) {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(scope, "scope");
        String base = ("/" + namespace + "/" + scope).replaceAll("/+", "/");
        this.prefix = base + "/";
        this.heartbeat = ("/" + namespace + "/.hapg/" + scope + "/heartbeat").replaceAll("/+", "/");
    }

    /** {@code /<namespace>/<scope>/}: every key of the cluster starts with it. */
    public String prefix() {
        return prefix;
    }

    /**
     * {@code /<namespace>/.hapg/<scope>/heartbeat}: the fast-failover heartbeat key, outside
     * {@link #prefix()} so that Patroni tools (which read the cluster prefix) and the prefix watch
     * never see it.
     */
    public String heartbeat() {
        return heartbeat;
    }

    public ByteSequence prefixBytes() {
        return bytes(prefix);
    }

    /** The full key for a name relative to the prefix, e.g. {@code leader}, {@code members/n1}. */
    public String key(String relative) {
        return prefix + stripLeadingSlashes(relative);
    }

    public ByteSequence keyBytes(String relative) {
        return bytes(key(relative));
    }

    public String member(String name) {
        return key(MEMBERS + name);
    }

    /** The key relative to the prefix, or empty when it lies outside this cluster. */
    public Optional<String> relative(ByteSequence key) {
        String text = key.toString(StandardCharsets.UTF_8);
        return text.startsWith(prefix) ? Optional.of(text.substring(prefix.length())) : Optional.empty();
    }

    /** The member name of a relative {@code members/<name>} key, as Patroni reads it (one level only). */
    public static Optional<String> memberName(String relative) {
        if (!relative.startsWith(MEMBERS)) {
            return Optional.empty();
        }
        String name = relative.substring(MEMBERS.length());
        return name.isEmpty() || name.contains("/") ? Optional.empty() : Optional.of(name);
    }

    public static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private static String stripLeadingSlashes(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == '/') {
            i++;
        }
        return s.substring(i);
    }

    @Override
    public String toString() {
        return prefix;
    }
}
