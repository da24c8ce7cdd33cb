package io.hapg.core.model;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Patroni's dynamic-configuration keys that hapg does not implement, each with the reason it
 * refuses them. A key Patroni documents either works as documented or is refused here: never
 * stored and ignored. A refused key makes {@link DynamicConfig#fromMap} fail, so
 * {@code bootstrap.dcs} does not load, {@code PATCH /config} answers 400 naming the key, and a
 * {@code config} key in the store that carries one is unreadable (agents keep their last good
 * configuration and warn). Some keys are refused only for values whose meaning hapg lacks; the
 * value that matches what hapg does (Patroni's "off") is accepted.
 *
 * <p>Stateless; the table is immutable.
 */
public final class DynamicKeys {
    /** Key path (dotted, under the dynamic configuration) to the reason it is refused. */
    private static final Map<String, Refusal> REFUSED = table();

    private record Refusal(String reason, Predicate<Object> accepted) {
    }

    private DynamicKeys() {
    }

    /**
     * The refused keys and their reasons, for documentation and the key-coverage test. A key may
     * still be accepted with the value that means "off" (see {@link #check}).
     */
    public static Map<String, String> refused() {
        Map<String, String> out = new LinkedHashMap<>();
        REFUSED.forEach((k, v) -> out.put(k, v.reason()));
        return out;
    }

    /**
     * Throws for the first key of {@code config} hapg refuses.
     *
     * @throws IllegalArgumentException {@code "<key>: not supported by hapg: <reason>"}
     */
    public static void check(Map<String, ?> config) {
        Map<?, ?> pg = config.get("postgresql") instanceof Map ? (Map<?, ?>) config.get("postgresql") : Map.of();
        REFUSED.forEach((path, refusal) -> {
            boolean nested = path.startsWith("postgresql.");
            Object value = nested ? pg.get(path.substring("postgresql.".length())) : config.get(path);
            if (value != null && !refusal.accepted().test(value)) {
                throw new IllegalArgumentException(path + ": not supported by hapg: " + refusal.reason());
            }
        });
    }

    private static Map<String, Refusal> table() {
        Map<String, Refusal> m = new LinkedHashMap<>();
        // synchronous_mode: on, off and quorum all work (QUORUM.md); DynamicConfig names a bad value.
        // postgresql.pg_hba is accepted: as in Patroni, a node's own postgresql.pg_hba wins over it,
        // and the YAML binder refuses a node file that would leave it to the dynamic one.
        m.put("postgresql.pg_hosts", new Refusal("hapg does not write pg_hosts.conf", DynamicKeys::empty));
        // postgresql.pg_ident and postgresql.recovery_conf are accepted (ClusterPgFiles): every node
        // writes them, unless its own configuration sets them, which wins as in Patroni.
        for (String role : new String[] {"primary", "replica", "standby_leader"}) {
            String reason = "role-specific settings are not implemented";
            m.put("postgresql.parameters_" + role, new Refusal(reason, DynamicKeys::empty));
            m.put("postgresql.pg_hba_" + role, new Refusal(reason, DynamicKeys::empty));
            m.put("postgresql.pg_ident_" + role, new Refusal(reason, DynamicKeys::empty));
            m.put("postgresql.pg_hosts_" + role, new Refusal(reason, DynamicKeys::empty));
        }
        return Collections.unmodifiableMap(m);
    }

    private static boolean empty(Object value) {
        return value instanceof Map && ((Map<?, ?>) value).isEmpty()
                || value instanceof Collection && ((Collection<?>) value).isEmpty()
                || value instanceof String && ((String) value).isBlank();
    }
}
