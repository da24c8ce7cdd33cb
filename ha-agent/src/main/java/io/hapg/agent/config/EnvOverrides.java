package io.hapg.agent.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Patroni's {@code PATRONI_*} environment overrides ({@code docs/ENVIRONMENT.rst}), applied as
 * Patroni's {@code Config._build_environment_configuration} does: each variable names one local
 * setting, and a set, non-empty variable wins over the file ({@code patch_config} of the file
 * with the environment). Values the file would give as lists or mappings
 * ({@code PATRONI_ETCD3_HOSTS}, {@code PATRONI_RESTAPI_ALLOWLIST},
 * {@code PATRONI_RESTAPI_HTTP_EXTRA_HEADERS}) are parsed the way Patroni parses them. Variables
 * Patroni does not read are ignored, as Patroni ignores them. {@code PATRONI_CONFIGURATION} is
 * ignored with a warning: a file was given, and Patroni then reads the file.
 *
 * <p>The environment is passed in (a map), never read from the process here, so that tests and
 * embedding code choose it. Stateless.
 */
final class EnvOverrides {
    private static final String PREFIX = "PATRONI_";
    private static final List<String> TOP = List.of("name", "namespace", "scope", "thread_pool_size",
            "thread_stack_size");
    private static final Map<String, List<String>> SECTIONS = sections();
    private static final List<String> BINARIES = List.of("pg_ctl", "initdb", "pg_controldata", "pg_basebackup",
            "postgres", "pg_isready", "pg_rewind");
    private static final List<String> AUTH = List.of("username", "password", "sslmode", "sslcert", "sslkey",
            "sslpassword", "sslrootcert", "sslcrl", "sslcrldir", "sslnegotiation", "gssencmode", "channel_binding");
    /** Patroni's generic {@code PATRONI_<SECTION>_<SUFFIX>} suffixes (DCS settings). */
    private static final Set<String> DCS_SUFFIXES = Set.of("HOST", "HOSTS", "PORT", "USE_PROXIES", "PROTOCOL",
            "SRV", "SRV_SUFFIX", "URL", "PROXY", "CACERT", "CERT", "KEY", "VERIFY", "TOKEN", "CHECKS", "DC",
            "CONSISTENCY", "REGISTER_SERVICE", "SERVICE_CHECK_INTERVAL", "SERVICE_CHECK_TLS_SERVER_NAME",
            "SERVICE_TAGS", "NAMESPACE", "CONTEXT", "USE_ENDPOINTS", "SCOPE_LABEL", "ROLE_LABEL", "POD_IP", "PORTS",
            "LABELS", "BYPASS_API_SERVICE", "RETRIABLE_HTTP_CODES", "KEY_PASSWORD", "USE_SSL", "SET_ACLS", "GROUP",
            "DATABASE", "LEADER_LABEL_VALUE", "FOLLOWER_LABEL_VALUE", "STANDBY_LEADER_LABEL_VALUE",
            "TMP_ROLE_LABEL", "AUTH_DATA", "BOOTSTRAP_LABELS");
    private static final Set<String> LIST_VALUES = Set.of("restapi.allowlist", "raft.partner_addrs");
    private static final Set<String> DICT_VALUES = Set.of("restapi.http_extra_headers",
            "restapi.https_extra_headers", "log.static_fields", "log.loggers");
    private static final Set<String> DCS_LISTS = Set.of("hosts", "ports", "checks", "service_tags",
            "retriable_http_codes");

    /**
     * The result: the document with the overrides applied, and for each key path set from the
     * environment, the variable that set it (for error messages).
     */
    record Applied(YNode root, Map<String, String> sources, List<ConfigWarning> warnings) {
    }

    private final Map<String, String> env;
    private final Map<String, Object> overlay = new LinkedHashMap<>();
    private final Map<String, String> sources = new TreeMap<>();
    private final Set<String> consumed = new HashSet<>();

    private EnvOverrides(Map<String, String> env) {
        this.env = env;
    }

    /** Applies the {@code PATRONI_*} variables of {@code environment} to {@code root}. */
    static Applied apply(YNode root, Map<String, String> environment) {
        EnvOverrides o = new EnvOverrides(environment);
        o.collect();
        List<ConfigWarning> warnings = new ArrayList<>();
        if (!environment.getOrDefault("PATRONI_CONFIGURATION", "").isEmpty()) {
            warnings.add(new ConfigWarning("PATRONI_CONFIGURATION", 0, "PATRONI_CONFIGURATION ignored: a"
                    + " configuration file was given (Patroni reads the file then, too)"));
        }
        if (!environment.getOrDefault("PG_MALLOC_ARENA_MAX", "").isEmpty()) {
            warnings.add(new ConfigWarning("PG_MALLOC_ARENA_MAX", 0, "PG_MALLOC_ARENA_MAX ignored: PostgreSQL"
                    + " inherits the agent's own MALLOC_ARENA_MAX"));
        }
        return new Applied(merge(root, o.overlay, ""), Map.copyOf(o.sources), warnings);
    }

    private void collect() {
        for (String key : TOP) {
            take(key.toUpperCase(Locale.ROOT), key);
        }
        SECTIONS.forEach((section, keys) -> {
            for (String key : keys) {
                take((section + "_" + key).toUpperCase(Locale.ROOT), section + "." + key);
            }
        });
        for (String binary : BINARIES) {
            take("POSTGRESQL_BIN_" + binary.toUpperCase(Locale.ROOT), "postgresql.bin_name." + binary);
        }
        for (String section : List.of("ctl", "restapi")) {
            for (String key : List.of("username", "password")) {
                take((section + "_" + key).toUpperCase(Locale.ROOT), section + ".authentication." + key);
            }
        }
        for (String user : List.of("replication", "superuser", "rewind")) {
            for (String key : AUTH) {
                take((user + "_" + key).toUpperCase(Locale.ROOT), "postgresql.authentication." + user + "." + key);
            }
        }
        new TreeMap<>(env).forEach((name, value) -> {
            if (!name.startsWith(PREFIX) || consumed.contains(name) || value.isEmpty()) {
                return;
            }
            String rest = name.substring(PREFIX.length());
            int cut = rest.indexOf('_');
            if (cut <= 0) {
                return;
            }
            String suffix = rest.substring(cut + 1);
            if (DCS_SUFFIXES.contains(suffix)) {
                String section = rest.substring(0, cut).toLowerCase(Locale.ROOT);
                String key = suffix.toLowerCase(Locale.ROOT);
                put(section + "." + key, DCS_LISTS.contains(key) ? list(value) : value, name);
            }
        });
        for (String dcs : List.of("etcd", "etcd3")) {
            if (overlay.containsKey(dcs)) {
                for (String key : List.of("username", "password")) {
                    take((dcs + "_" + key).toUpperCase(Locale.ROOT), dcs + "." + key);
                }
            }
        }
    }

    private void take(String variable, String path) {
        String name = PREFIX + variable;
        String value = env.get(name);
        consumed.add(name);
        if (value == null || value.isEmpty()) {
            return;
        }
        Object parsed = LIST_VALUES.contains(path) ? list(value) : DICT_VALUES.contains(path) ? dict(value) : value;
        put(path, parsed, name);
    }

    @SuppressWarnings("unchecked")
    private void put(String path, Object value, String variable) {
        String[] parts = path.split("\\.");
        Map<String, Object> m = overlay;
        for (int i = 0; i < parts.length - 1; i++) {
            m = (Map<String, Object>) m.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
        }
        m.put(parts[parts.length - 1], value);
        sources.put(path, variable);
    }

    /** Patroni's {@code _parse_list}: {@code 'h1:2379','h2:2379'} or {@code [h1, h2]}. */
    private static List<String> list(String value) {
        String v = value.strip();
        if (v.startsWith("[") && v.endsWith("]")) {
            v = v.substring(1, v.length() - 1);
        }
        List<String> out = new ArrayList<>();
        for (String item : v.split(",")) {
            String s = unquote(item.strip().replaceFirst("^-\\s*", ""));
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /** Patroni's {@code _parse_dict}: {@code {k: v, k2: v2}} or {@code k: v, k2: v2}. */
    private static Map<String, Object> dict(String value) {
        String v = value.strip();
        if (v.startsWith("{") && v.endsWith("}")) {
            v = v.substring(1, v.length() - 1);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String item : v.split(",")) {
            int colon = item.indexOf(':');
            if (colon > 0) {
                out.put(unquote(item.substring(0, colon).strip()), unquote(item.substring(colon + 1).strip()));
            }
        }
        return out;
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("'") && s.endsWith("'") || s.startsWith("\"") && s.endsWith("\""))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    /** {@code node} with {@code overlay} merged in (Patroni's {@code patch_config}: the overlay wins). */
    @SuppressWarnings("unchecked")
    private static YNode merge(YNode node, Map<String, Object> overlay, String path) {
        if (overlay.isEmpty()) {
            return node;
        }
        Map<String, YNode> entries = new LinkedHashMap<>(node.kind == YNode.Kind.MAP ? node.entries : Map.of());
        overlay.forEach((key, value) -> {
            String childPath = YNode.child(path, key);
            YNode existing = entries.get(key);
            if (value instanceof Map) {
                YNode base = existing != null && existing.kind == YNode.Kind.MAP ? existing
                        : YNode.map(childPath, 0, new LinkedHashMap<>());
                entries.put(key, merge(base, (Map<String, Object>) value, childPath));
            } else {
                entries.put(key, toNode(value, childPath));
            }
        });
        return YNode.map(path, node.kind == YNode.Kind.MAP ? node.line : 0, entries);
    }

    @SuppressWarnings("unchecked")
    private static YNode toNode(Object value, String path) {
        if (value instanceof List) {
            List<YNode> items = new ArrayList<>();
            for (Object item : (List<Object>) value) {
                items.add(toNode(item, YNode.item(path, items.size())));
            }
            return YNode.list(path, 0, items);
        }
        if (value instanceof Map) {
            return merge(YNode.map(path, 0, new LinkedHashMap<>()), (Map<String, Object>) value, path);
        }
        return YNode.scalar(path, 0, value, value.toString());
    }

    private static Map<String, List<String>> sections() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("restapi", List.of("listen", "connect_address", "certfile", "keyfile", "keyfile_password", "cafile",
                "ciphers", "verify_client", "http_extra_headers", "https_extra_headers", "allowlist",
                "allowlist_include_members", "request_queue_size", "server_tokens", "thread_pool_size"));
        m.put("ctl", List.of("insecure", "cacert", "certfile", "keyfile", "keyfile_password"));
        m.put("postgresql", List.of("listen", "connect_address", "proxy_address", "config_dir", "data_dir", "pgpass",
                "bin_dir"));
        m.put("log", List.of("type", "level", "traceback_level", "format", "dateformat", "static_fields",
                "max_queue_size", "dir", "mode", "file_size", "file_num", "loggers", "deduplicate_heartbeat_logs"));
        m.put("raft", List.of("data_dir", "self_addr", "partner_addrs", "password", "bind_addr", "min_timeout",
                "max_timeout", "connection_timeout", "append_entries_period", "connection_retry_time",
                "leader_fallback_timeout"));
        return m;
    }
}
