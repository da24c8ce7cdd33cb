package io.hapg.core.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Patroni's {@code standby_cluster} section of the dynamic configuration: this cluster is a
 * standby of a remote one. Its leader-key holder, the <em>standby leader</em>, runs PostgreSQL as
 * a standby streaming from {@code host:port} (with the local replication credentials); the other
 * members cascade from it. Patroni's rule ({@code utils.is_standby_cluster}): the section counts
 * when it sets {@code host}, {@code port} or {@code restore_command}.
 *
 * @param host                   the remote primary's host (one host: a libpq host list is refused)
 * @param port                   the remote port (5432 when absent, as libpq)
 * @param primarySlotName        the slot on the remote to stream through; none when absent
 *                               (Patroni's {@code no_replication_slot})
 * @param restoreCommand         PostgreSQL's {@code restore_command} on every member of the standby cluster
 * @param archiveCleanupCommand  PostgreSQL's {@code archive_cleanup_command} on every member
 * @param recoveryMinApplyDelay  PostgreSQL's {@code recovery_min_apply_delay} on the standby leader only
 */
public record StandbyCluster(String host, int port, Optional<String> primarySlotName, Optional<String> restoreCommand,
                             Optional<String> archiveCleanupCommand, Optional<String> recoveryMinApplyDelay) {

    /**
     * The name of the remote primary as a {@link Member} ({@link #remoteMember()}) and as a
     * decision's target: no member of a cluster has it (Patroni names its RemoteMember
     * {@code remote_member:<uuid>}).
     */
    public static final String REMOTE_MEMBER = "remote_member";

    private static final Set<String> KEYS = Set.of("host", "port", "primary_slot_name", "restore_command",
            "archive_cleanup_command", "recovery_min_apply_delay", "create_replica_methods");
    private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");

    public StandbyCluster {
        Objects.requireNonNull(host, "host");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("standby_cluster.port: " + port + " is not a TCP port");
        }
        Objects.requireNonNull(primarySlotName, "primarySlotName");
        Objects.requireNonNull(restoreCommand, "restoreCommand");
        Objects.requireNonNull(archiveCleanupCommand, "archiveCleanupCommand");
        Objects.requireNonNull(recoveryMinApplyDelay, "recoveryMinApplyDelay");
    }

    /**
     * Reads the section. Absent, {@code null}, or a map without {@code host}, {@code port} and
     * {@code restore_command}: no standby cluster (Patroni's rule).
     *
     * @throws IllegalArgumentException naming the key: not a map, an unknown key, a wrong value, a
     *     section without {@code host} (hapg does not run a standby cluster fed from the archive
     *     only), a libpq host list, or {@code create_replica_methods} other than {@code basebackup}
     */
    public static Optional<StandbyCluster> parse(Object section) {
        if (section == null) {
            return Optional.empty();
        }
        if (!(section instanceof Map)) {
            throw new IllegalArgumentException("standby_cluster: expected a section (host, port, ...), got '"
                    + section + "'");
        }
        Map<?, ?> map = (Map<?, ?>) section;
        for (Object key : map.keySet()) {
            if (!KEYS.contains(String.valueOf(key))) {
                throw new IllegalArgumentException("standby_cluster." + key + ": unknown key; Patroni's keys are "
                        + new java.util.TreeSet<>(KEYS));
            }
        }
        Optional<String> host = text(map, "host");
        Optional<String> port = text(map, "port");
        Optional<String> restore = text(map, "restore_command");
        if (host.isEmpty() && port.isEmpty() && restore.isEmpty()) {
            return Optional.empty();
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("standby_cluster.host: not supported by hapg without a host: a"
                    + " standby cluster fed from restore_command (or libpq defaults) only is not implemented");
        }
        if (host.get().contains(",") || host.get().isBlank() || host.get().matches(".*\\s.*")) {
            throw new IllegalArgumentException("standby_cluster.host: '" + host.get() + "': one host name or address"
                    + " expected (a libpq host list is not implemented by hapg)");
        }
        int portNumber;
        try {
            portNumber = Integer.parseInt(port.orElse("5432"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("standby_cluster.port: '" + port.get() + "' is not a port number", e);
        }
        Optional<String> slot = text(map, "primary_slot_name");
        // Patroni's slot_name_from_member_name: what a member name becomes as a slot name.
        Optional<String> slotName = slot.map(s -> s.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_"));
        if (slotName.isPresent() && !SLOT.matcher(slotName.get()).matches()) {
            throw new IllegalArgumentException("standby_cluster.primary_slot_name: '" + slot.get()
                    + "' is no replication slot name (1 to 63 of a-z, 0-9, _)");
        }
        Object methods = map.get("create_replica_methods");
        if (methods != null && !(methods instanceof List && ((List<?>) methods).stream()
                .allMatch(m -> "basebackup".equals(String.valueOf(m))))) {
            throw new IllegalArgumentException("standby_cluster.create_replica_methods: " + methods + ": not"
                    + " supported by hapg: a standby cluster clones from the remote with basebackup only (the"
                    + " node's postgresql.create_replica_methods apply to its own cluster's leader)");
        }
        for (String key : List.of("restore_command", "archive_cleanup_command", "recovery_min_apply_delay")) {
            text(map, key).filter(v -> v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0).ifPresent(v -> {
                throw new IllegalArgumentException("standby_cluster." + key + ": a line break is not allowed");
            });
        }
        return Optional.of(new StandbyCluster(host.get(), portNumber, slotName, restore,
                text(map, "archive_cleanup_command"), text(map, "recovery_min_apply_delay")));
    }

    /** {@code postgres://host:port/postgres}, the remote's address as a member's {@code conn_url}. */
    public String connUrl() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "postgres://" + h + ":" + port + "/postgres";
    }

    /** The remote primary as a member to clone from and follow (Patroni's {@code RemoteMember}). */
    public Member remoteMember() {
        return Member.of(REMOTE_MEMBER, connUrl(), "").withState("primary", Member.STATE_RUNNING);
    }

    /**
     * The recovery settings of a member of the standby cluster: {@code restore_command} and
     * {@code archive_cleanup_command} on every member, {@code recovery_min_apply_delay} only on the
     * one that follows the remote (Patroni's {@code build_recovery_params}).
     */
    public Map<String, String> recoverySettings(boolean followsRemote) {
        Map<String, String> out = new LinkedHashMap<>();
        restoreCommand.ifPresent(v -> out.put("restore_command", v));
        archiveCleanupCommand.ifPresent(v -> out.put("archive_cleanup_command", v));
        if (followsRemote) {
            recoveryMinApplyDelay.ifPresent(v -> out.put("recovery_min_apply_delay", v));
        }
        return out;
    }

    /** {@code host:port}, for reasons and logs. */
    public String describe() {
        return host + ":" + port;
    }

    private static Optional<String> text(Map<?, ?> map, String key) {
        Object v = map.get(key);
        if (v == null || v instanceof Map || v instanceof List) {
            if (v != null) {
                throw new IllegalArgumentException("standby_cluster." + key + ": expected a value, got " + v);
            }
            return Optional.empty();
        }
        String s = String.valueOf(v).strip();
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
}
