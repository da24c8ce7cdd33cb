package io.hapg.agent.config;

import io.hapg.core.model.DynamicKeys;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The one table of Patroni keys hapg does not implement as Patroni documents them, for the local
 * YAML file: each is <em>refused</em> (the file does not load: ignoring it could lose data, split
 * the cluster or leave the node doing something else than asked) or <em>warned</em> (ignoring it
 * is harmless: logging, tuning). Some keys are refused or warned only for values whose meaning
 * hapg lacks; the value that matches what hapg does is accepted. Every other Patroni key works as
 * documented. The dynamic keys ({@code bootstrap.dcs.*}) are {@link DynamicKeys}'s, because
 * the cluster's {@code config} key and {@code PATCH /config} refuse them too.
 *
 * <p>Paths are dotted YAML paths; {@code *} matches one key.
 */
final class KeyRules {
    /** What happens to a key. */
    enum Verdict { REFUSED, WARNED }

    /**
     * One row of the table.
     *
     * @param verdict  refused or warned
     * @param reason   why, in words a user can act on
     * @param accepted the values that mean what hapg does anyway (accepted silently); null: none
     */
    record Rule(Verdict verdict, String reason, Predicate<YNode> accepted) {
        boolean accepts(YNode value) {
            return accepted != null && accepted.test(value);
        }
    }

    private static final String ONLY_ETCD = "hapg supports only etcd (etcd3)";
    private static final String NO_SRV = "DNS SRV discovery is not supported; list the endpoints in 'hosts'";
    private static final Map<String, Rule> RULES = table();

    private KeyRules() {
    }

    /** The table, for documentation and the key-coverage test. */
    static Map<String, Rule> rules() {
        return RULES;
    }

    /** The rule for a YAML key path ({@code postgresql.bin_name}), if the table has one. */
    static Optional<Rule> rule(String path) {
        Rule exact = RULES.get(path);
        if (exact != null) {
            return Optional.of(exact);
        }
        String[] parts = path.split("\\.");
        for (Map.Entry<String, Rule> e : RULES.entrySet()) {
            String[] pattern = e.getKey().split("\\.");
            if (pattern.length == parts.length && matches(pattern, parts)) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    private static boolean matches(String[] pattern, String[] parts) {
        for (int i = 0; i < pattern.length; i++) {
            if (!pattern[i].equals("*") && !pattern[i].equals(parts[i])) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, Rule> table() {
        Map<String, Rule> m = new LinkedHashMap<>();
        for (String dcs : List.of("consul", "zookeeper", "exhibitor", "kubernetes", "raft")) {
            refused(m, dcs, ONLY_ETCD);
        }
        refused(m, "citus", "Citus clusters are not implemented");
        warned(m, "thread_pool_size", "the agent's threads are the JVM's; not tunable");
        warned(m, "thread_stack_size", "the agent's threads are the JVM's; not tunable");
        warned(m, "log.type", "JSON log lines are not implemented (Patroni too falls back to plain lines without"
                + " its JSON library)", isText("plain"));
        warned(m, "log.static_fields", "only for type json, which is not implemented");
        warned(m, "log.max_queue_size", "hapg writes each line when it is logged (Logback), with no queue");
        warned(m, "log.mode", "log files get the permissions the process's umask gives");
        warned(m, "replication", "not a Patroni key (Patroni ignores it too); synchronous replication is"
                + " bootstrap.dcs.synchronous_mode (with synchronous_mode_strict and synchronous_node_count)");
        warned(m, "restapi.server_tokens", "the Server header is not configurable");
        warned(m, "watchdog.device", "hapg's watchdog is a fence process next to the agent, not a device");
        warned(m, "watchdog.safety_margin", "hapg's fence fires half the fencing margin before the lease"
                + " deadline; not tunable");
        warned(m, "watchdog.driver", "hapg's watchdog is a fence process next to the agent, not a driver");
        refused(m, "etcd3.srv", NO_SRV);
        refused(m, "etcd3.srv_suffix", NO_SRV);
        refused(m, "etcd.srv", NO_SRV);
        refused(m, "etcd.srv_suffix", NO_SRV);

        refused(m, "bootstrap.users", "bootstrap users are not created (Patroni 4 removed the key); create the"
                + " roles yourself");

        warned(m, "postgresql.pgpass", "hapg writes its own password file (mode 0600) in its run directory;"
                + " this path is not written");
        warned(m, "postgresql.proxy_address", "not published (no proxy_url in the member key)");
        warned(m, "postgresql.use_unix_socket", "hapg connects over TCP", isBool(false));
        warned(m, "postgresql.use_unix_socket_repl", "hapg replicates over TCP", isBool(false));
        refused(m, "postgresql.krbsrvname", "Kerberos authentication is not implemented");
        refused(m, "postgresql.pg_hosts", "hapg does not write pg_hosts.conf");
        for (String role : List.of("primary", "replica", "standby_leader")) {
            for (String key : List.of("parameters_", "pg_hba_", "pg_ident_", "pg_hosts_")) {
                refused(m, "postgresql." + key + role, "role-specific settings are not implemented");
            }
        }

        return Collections.unmodifiableMap(m);
    }

    private static void refused(Map<String, Rule> m, String path, String reason) {
        refused(m, path, reason, null);
    }

    private static void refused(Map<String, Rule> m, String path, String reason, Predicate<YNode> accepted) {
        m.put(path, new Rule(Verdict.REFUSED, reason, accepted));
    }

    private static void warned(Map<String, Rule> m, String path, String reason) {
        warned(m, path, reason, null);
    }

    private static void warned(Map<String, Rule> m, String path, String reason, Predicate<YNode> accepted) {
        m.put(path, new Rule(Verdict.WARNED, reason, accepted));
    }

    private static Predicate<YNode> isText(String expected) {
        return n -> n.kind == YNode.Kind.SCALAR && expected.equals(n.text.strip());
    }

    private static Predicate<YNode> isBool(boolean expected) {
        return n -> {
            try {
                return n.kind == YNode.Kind.SCALAR && Section.bool(n) == expected;
            } catch (RuntimeException e) {
                return false; // the binder reports the bad value
            }
        };
    }
}
