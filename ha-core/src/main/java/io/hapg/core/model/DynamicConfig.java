package io.hapg.core.model;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The cluster-wide settings that live in the consensus store's {@code config} key (seeded once
 * from {@code bootstrap.dcs}), with Patroni's names and defaults. The typed fields are what the
 * decision engine reads; {@link #raw()} keeps every key as read, so {@code /config} and
 * {@code PATCH /config} round-trip settings hapg does not interpret.
 *
 * @param ttl                   leader lease lifetime (Patroni {@code ttl}, default 30 s)
 * @param loopWait              pause between HA loop iterations ({@code loop_wait}, 10 s)
 * @param retryTimeout          deadline for consensus and database calls ({@code retry_timeout}, 10 s)
 * @param maximumLagOnFailover  bytes a replica may lag the last published optime and still race
 *                              ({@code maximum_lag_on_failover}, 1 MiB)
 * @param primaryStartTimeout   how long a crashed primary may restart in place before failing over
 *                              ({@code primary_start_timeout}, 300 s)
 * @param primaryStopTimeout    how long a demotion waits for PostgreSQL to stop before SIGKILL, in
 *                              synchronous mode only ({@code primary_stop_timeout}, 0: does not apply;
 *                              a negative value reads as 0); see {@link #demoteStopTimeout()}
 * @param synchronousMode       {@code synchronous_mode}: on, or quorum ({@link #quorumCommit()})
 * @param synchronousModeStrict {@code synchronous_mode_strict}: block commits rather than go standalone
 * @param synchronousNodeCount  {@code synchronous_node_count} (1)
 * @param failsafeMode          {@code failsafe_mode}
 * @param checkTimeline         {@code check_timeline}
 * @param pause                 {@code pause}: maintenance mode
 * @param usePgRewind           {@code postgresql.use_pg_rewind}
 * @param useSlots              {@code postgresql.use_slots} (true)
 *                              (hapg's own {@code fast_failover} is read from {@code raw}: {@link #fastFailover()})
 * @param raw                   every key as read
 */
public record DynamicConfig(
        Duration ttl,
        Duration loopWait,
        Duration retryTimeout,
        long maximumLagOnFailover,
        Duration primaryStartTimeout,
        Duration primaryStopTimeout,
        boolean synchronousMode,
        boolean synchronousModeStrict,
        int synchronousNodeCount,
        boolean failsafeMode,
        boolean checkTimeline,
        boolean pause,
        boolean usePgRewind,
        boolean useSlots,
        Map<String, Object> raw) {

    /**
     * PostgreSQL settings each node writes itself from its own configuration (lower case; PostgreSQL
     * names are case-insensitive): {@code postgresql.parameters} must not set them.
     */
    public static final Set<String> MANAGED_PARAMETERS = Set.of("port", "listen_addresses",
            "unix_socket_directories", "data_directory", "config_file", "hba_file", "ident_file",
            "primary_conninfo", "primary_slot_name", "synchronous_standby_names", "include", "include_dir",
            "include_if_exists");

    /** Patroni's names of the permanent slots key, in the order it reads them ({@code Config.permanent_slots}). */
    private static final java.util.List<String> PERMANENT_SLOTS_KEYS = java.util.List.of(
            "permanent_replication_slots", "permanent_slots", "slots");

    /**
     * The settings Patroni takes from the cluster configuration only ({@code CMDLINE_OPTIONS}),
     * ignoring a node's local {@code postgresql.parameters}: a replica must run at least the
     * primary's {@code max_connections}, {@code max_worker_processes}, ... or stop replaying, so
     * every member runs the cluster's value (or, without one, Patroni's default, which is also
     * PostgreSQL's and hapg's). {@code hot_standby} and {@code wal_log_hints} are always on.
     */
    public static final Set<String> CLUSTER_ONLY_PARAMETERS = Set.of("wal_level", "hot_standby", "max_connections",
            "max_wal_senders", "wal_keep_segments", "wal_keep_size", "max_prepared_transactions",
            "max_locks_per_transaction", "track_commit_timestamp", "max_replication_slots", "max_worker_processes",
            "wal_log_hints");

    /** A duration as Patroni's {@code parse_int} reads it: sign, number, optional unit. */
    private static final Pattern DURATION = Pattern.compile("\\s*(-)?\\s*(\\d+(?:\\.\\d*)?)\\s*(us|ms|s|min|h|d)?\\s*");

    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    /** hapg's own key (not Patroni's): failover on confirmed death in synchronous mode, {@code FAST-FAILOVER.md}. */
    public static final String FAST_FAILOVER = "fast_failover";

    /** Patroni's defaults. */
    public static final DynamicConfig DEFAULTS = fromMap(Map.of());

    public DynamicConfig {
        raw = Collections.unmodifiableMap(new LinkedHashMap<>(raw));
    }

    /**
     * The bound on the stop of a demoting primary, Patroni's {@code primary_stop_timeout()}: the
     * key's value when it is above 0 and {@code synchronous_mode} is on; otherwise empty, and the
     * node's own stop bound applies (Patroni waits without bound then).
     */
    public Optional<Duration> demoteStopTimeout() {
        return synchronousMode && !primaryStopTimeout.isZero() ? Optional.of(primaryStopTimeout) : Optional.empty();
    }

    /**
     * Reads Patroni's dynamic configuration keys; absent keys take Patroni's defaults. The legacy
     * {@code master_start_timeout} ({@code master_stop_timeout}) is read when
     * {@code primary_start_timeout} ({@code primary_stop_timeout}) is absent (as Patroni does); the keys {@link DynamicKeys} refuses are refused.
     *
     * @throws IllegalArgumentException naming the key when a value has the wrong type or range, or
     *                                  the key is one hapg refuses
     */
    public static DynamicConfig fromMap(Map<String, ?> map) {
        DynamicKeys.check(map);
        for (String key : PERMANENT_SLOTS_KEYS) {
            PermanentSlot.parse(key, map.get(key));
        }
        IgnoreSlot.parse(map.get("ignore_slots"));
        maximumLagOnSyncnode(map);
        maxTimelinesHistory(map);
        primaryRaceBackoff(map);
        memberSlotsTtl(map);
        bool(map, FAST_FAILOVER, false);
        StandbyCluster.parse(map.get("standby_cluster"));
        Map<String, Object> raw = new LinkedHashMap<>(map);
        Map<?, ?> pg = map.get("postgresql") instanceof Map ? (Map<?, ?>) map.get("postgresql") : Map.of();
        ClusterPgFiles.parse(pg);
        if (pg.get("parameters") instanceof Map) {
            ((Map<?, ?>) pg.get("parameters")).forEach((name, value) -> {
                if (value != null) {
                    checkParameter(String.valueOf(name), value);
                }
            });
        }
        return new DynamicConfig(
                seconds(map, "ttl", 30, 2),
                seconds(map, "loop_wait", 10, 1),
                seconds(map, "retry_timeout", 10, 1),
                number(map, "maximum_lag_on_failover", 1_048_576L, 0),
                seconds(map, map.containsKey("primary_start_timeout") ? "primary_start_timeout"
                        : "master_start_timeout", 300, 0),
                // Patroni: parse_int, then "ret if ret and ret > 0": 0 or less does not apply.
                Duration.ofSeconds(Math.max(0, number(map, map.containsKey("primary_stop_timeout")
                        ? "primary_stop_timeout" : "master_stop_timeout", 0, Long.MIN_VALUE))),
                syncMode(map.get("synchronous_mode")),
                bool(map, "synchronous_mode_strict", false),
                (int) number(map, "synchronous_node_count", 1, 1),
                bool(map, "failsafe_mode", false),
                bool(map, "check_timeline", false),
                bool(map, "pause", false),
                bool(pg, "use_pg_rewind", true),
                bool(pg, "use_slots", true),
                raw);
    }

    /**
     * Whether {@code synchronous_mode} is {@code quorum} (Patroni 4's quorum commit, QUORUM.md):
     * {@link #synchronousMode()} is then true as well, as Patroni's {@code is_synchronous_mode()}.
     */
    public boolean quorumCommit() {
        Object value = raw.get("synchronous_mode");
        return synchronousMode && value != null && "quorum".equalsIgnoreCase(value.toString().strip());
    }

    /**
     * hapg's {@code fast_failover} as set (default false; checked by {@link #fromMap}: a boolean),
     * whether or not it is in force ({@link #fastFailover()}).
     */
    public boolean fastFailoverRequested() {
        return bool(raw, FAST_FAILOVER, false);
    }

    /**
     * The fast-failover settings in force ({@code FAST-FAILOVER.md}): on, with
     * {@link FastFailover#on(Duration)} for this {@code ttl}, only when {@code fast_failover} is
     * true and {@code synchronous_mode} is on (true, strict or not), in a normal cluster; else
     * {@link FastFailover#OFF}. Quorum commit ({@code synchronous_mode: quorum}) is left out: a
     * voter of a quorum is not known to hold every acknowledged commit (it takes {@code n} of them
     * to), so no single voter may take over on its own evidence. Nor does a standby cluster (its
     * leader never writes). The agent warns when the key is set but not in force.
     */
    public FastFailover fastFailover() {
        return fastFailoverRequested() && synchronousMode && !quorumCommit() && standbyCluster().isEmpty()
                ? FastFailover.on(ttl) : FastFailover.OFF;
    }

    /**
     * Patroni 4's {@code member_slots_ttl} (default 30 min): how long the leader keeps the slot of
     * a member whose key expired, so that a replica down for a reboot resumes streaming; 0 drops it
     * at once (checked by {@link #fromMap}).
     */
    public Duration memberSlotsTtl() {
        return memberSlotsTtl(raw);
    }

    /**
     * Patroni's {@code parse_int(value, 's')}: whole seconds, or a number with one of PostgreSQL's
     * time units ({@code us ms s min h d}, case-sensitive), rounded to seconds. Patroni falls back
     * to its default on a value it cannot read; hapg refuses it, naming the key, as it does a
     * negative one (which Patroni would read as 0).
     */
    private static Duration memberSlotsTtl(Map<?, ?> map) {
        Object value = map.get("member_slots_ttl");
        if (value == null) {
            return Duration.ofMinutes(30);
        }
        java.util.regex.Matcher m = DURATION.matcher(value.toString());
        if (value instanceof Boolean || !m.matches()) {
            throw new IllegalArgumentException("member_slots_ttl: expected seconds or a number with a unit (us, ms, s,"
                    + " min, h, d) such as 30min, got '" + value + "'");
        }
        if (m.group(1) != null) {
            throw new IllegalArgumentException("member_slots_ttl: must be at least 0, got '" + value + "'");
        }
        String unit = m.group(3) == null ? "s" : m.group(3);
        double factor = Map.of("us", 1e-6, "ms", 1e-3, "s", 1.0, "min", 60.0, "h", 3600.0, "d", 86400.0).get(unit);
        return Duration.ofSeconds(Math.round(Double.parseDouble(m.group(2)) * factor));
    }

    /**
     * Patroni's {@code standby_cluster} section when it makes this cluster a standby cluster
     * (checked by {@link #fromMap}); empty for a normal cluster.
     */
    public Optional<StandbyCluster> standbyCluster() {
        return StandbyCluster.parse(raw.get("standby_cluster"));
    }

    /**
     * {@code postgresql.parameters}, as PostgreSQL setting strings: YAML booleans become
     * {@code on}/{@code off}, numbers their decimal text; {@code null} values are left out.
     */
    public Map<String, String> postgresqlParameters() {
        Object pg = raw.get("postgresql");
        Object params = pg instanceof Map ? ((Map<?, ?>) pg).get("parameters") : null;
        if (!(params instanceof Map)) {
            return Map.of();
        }
        Map<String, String> out = new TreeMap<>();
        ((Map<?, ?>) params).forEach((k, v) -> {
            if (k != null && v != null && !(v instanceof Map) && !(v instanceof Collection)) {
                out.put(k.toString(), v instanceof Boolean ? ((Boolean) v ? "on" : "off") : v.toString());
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /**
     * {@code postgresql.pg_ident} and {@code postgresql.recovery_conf} (checked by {@link #fromMap}):
     * what every node writes when its own configuration does not set them.
     */
    public ClusterPgFiles postgresqlFiles() {
        Object pg = raw.get("postgresql");
        return pg instanceof Map ? ClusterPgFiles.parse((Map<?, ?>) pg) : ClusterPgFiles.NONE;
    }

    /**
     * Patroni's {@code slots}: the permanent replication slots, by name (checked by {@link #fromMap}).
     * As in Patroni, the legacy names {@code permanent_replication_slots} and {@code permanent_slots}
     * come first: the first of the three that is not empty is read.
     */
    public Map<String, PermanentSlot> permanentSlots() {
        for (String key : PERMANENT_SLOTS_KEYS) {
            Map<String, PermanentSlot> slots = PermanentSlot.parse(key, raw.get(key));
            if (!slots.isEmpty()) {
                return slots;
            }
        }
        return Map.of();
    }

    /**
     * Patroni's {@code maximum_lag_on_syncnode} (default -1): above 0, the bytes a synchronous
     * standby's flush position may lag the furthest standby's (with one standby, the primary's WAL
     * position) before the primary replaces it; 0 or less never replaces a standby for lag
     * (checked by {@link #fromMap}).
     */
    public long maximumLagOnSyncnode() {
        return maximumLagOnSyncnode(raw);
    }

    private static long maximumLagOnSyncnode(Map<?, ?> map) {
        return number(map, "maximum_lag_on_syncnode", -1, Long.MIN_VALUE);
    }

    /**
     * Patroni's {@code primary_race_backoff} (default 0, off), whole seconds: how long a replica
     * whose WAL position still moves may put off the leader race after the leader key vanished
     * (the primary probably still runs and streams, only its agent is stuck). Checked by
     * {@link #fromMap}: a whole number of seconds, at least 0. See
     * {@code io.hapg.core.decision.PrimaryRaceBackoff} for the rule and how it meets hapg's fence.
     */
    public Duration primaryRaceBackoff() {
        return primaryRaceBackoff(raw);
    }

    private static Duration primaryRaceBackoff(Map<?, ?> map) {
        return seconds(map, "primary_race_backoff", 0, 0);
    }

    /**
     * Patroni's {@code max_timelines_history} (default 0): how many of the newest timeline switches
     * the {@code history} key keeps; 0 keeps them all (checked by {@link #fromMap}).
     */
    public int maxTimelinesHistory() {
        return maxTimelinesHistory(raw);
    }

    private static int maxTimelinesHistory(Map<?, ?> map) {
        return (int) Math.min(Integer.MAX_VALUE, number(map, "max_timelines_history", 0, 0));
    }

    /** Patroni's {@code ignore_slots}: slots managed outside hapg, never dropped (checked by {@link #fromMap}). */
    public java.util.List<IgnoreSlot> ignoreSlots() {
        return IgnoreSlot.parse(raw.get("ignore_slots"));
    }

    /** Whether {@code name} is one of the {@link #MANAGED_PARAMETERS}, in any case ({@code PORT}, {@code Include}). */
    public static boolean isManagedParameter(String name) {
        return MANAGED_PARAMETERS.contains(name.toLowerCase(Locale.ROOT));
    }

    /** Whether {@code name} is one of the {@link #CLUSTER_ONLY_PARAMETERS}, in any case. */
    public static boolean isClusterOnlyParameter(String name) {
        return CLUSTER_ONLY_PARAMETERS.contains(name.toLowerCase(Locale.ROOT));
    }

    /**
     * Checks one {@code postgresql.parameters} entry before it can reach {@code postgresql.conf}:
     * a setting name (letters, digits, {@code _} and {@code .} for an extension's settings) and a
     * scalar value without control characters (a line break would start a line of its own).
     *
     * @throws IllegalArgumentException naming the setting
     */
    public static void checkParameter(String name, Object value) {
        if (!PARAMETER_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("postgresql.parameters: invalid setting name '"
                    + name.replaceAll("\\p{Cntrl}", "?") + "' (letters, digits, _ and . only)");
        }
        if (value instanceof Map || value instanceof Collection) {
            throw new IllegalArgumentException("postgresql.parameters." + name
                    + ": expected a string, number or boolean, got " + value);
        }
        if (String.valueOf(value).chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("postgresql.parameters." + name
                    + ": the value must not contain line breaks or other control characters");
        }
    }

    /** A copy with one top-level key replaced (and re-validated). */
    public DynamicConfig with(String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(raw);
        copy.put(key, value);
        return fromMap(copy);
    }

    private static Duration seconds(Map<?, ?> map, String key, long dflt, long min) {
        return Duration.ofSeconds(number(map, key, dflt, min));
    }

    private static long number(Map<?, ?> map, String key, long dflt, long min) {
        Object value = map.get(key);
        if (value == null) {
            return dflt;
        }
        long n;
        if (value instanceof Number) {
            n = ((Number) value).longValue();
        } else {
            try {
                n = Long.parseLong(value.toString().strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": expected a whole number, got '" + value + "'");
            }
        }
        if (n < min) {
            throw new IllegalArgumentException(key + ": must be at least " + min + ", got " + n);
        }
        return n;
    }

    private static boolean bool(Map<?, ?> map, String key, boolean dflt) {
        Object value = map.get(key);
        if (value == null) {
            return dflt;
        }
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        switch (value.toString().strip().toLowerCase(Locale.ROOT)) {
            case "true": case "on": case "yes": case "1":
                return true;
            case "false": case "off": case "no": case "0":
                return false;
            default:
                throw new IllegalArgumentException(key + ": expected true or false, got '" + value + "'");
        }
    }

    private static boolean syncMode(Object value) {
        if (value == null || value instanceof Boolean) {
            return Boolean.TRUE.equals(value);
        }
        String s = value.toString().strip().toLowerCase(Locale.ROOT);
        switch (s) {
            case "true": case "on": case "yes": case "quorum":
                return true;
            case "false": case "off": case "no":
                return false;
            default:
                throw new IllegalArgumentException("synchronous_mode: expected on, off or quorum, got '" + value
                        + "'");
        }
    }
}
