package io.hapg.core.http;

import io.hapg.core.model.Lsn;

/**
 * {@code GET /metrics}: Prometheus text with Patroni's metric names, help texts, types and
 * {@code {scope,name}} labels, from {@link Facts} only. Values hapg does not know
 * ({@code postmaster_start_time}, replay timestamp) are 0, as Patroni reports them for a stopped
 * node.
 */
final class Metrics {
    private final StringBuilder out = new StringBuilder(4096);
    private final String labels;

    private Metrics(String scope, String name) {
        this.labels = "{scope=\"" + escape(scope) + "\",name=\"" + escape(name) + "\"}";
    }

    /** The exposition text; every line ends with a newline. */
    static String render(Facts f, String version) {
        Metrics m = new Metrics(f.status().scope(), f.status().member());
        m.gauge("patroni_version", "Patroni semver without periods.", paddedVersion(version));
        m.gauge("patroni_postgres_running", "Value is 1 if Postgres is running, 0 otherwise.",
                bit(f.state().equals("running")));
        m.gauge("patroni_postmaster_start_time", "Epoch seconds since Postgres started.", "0");
        m.gauge("patroni_primary", "Value is 1 if this node is the leader, 0 otherwise.",
                bit(f.role().equals("primary")));
        m.metric("patroni_xlog_location", "Current location of the Postgres transaction log, 0 if this node is"
                + " not the leader.", "counter", f.runningPrimary() ? lsn(f.db().writeLsn().orElse(Lsn.ZERO)) : "0");
        m.gauge("patroni_standby_leader", "Value is 1 if this node is the standby_leader, 0 otherwise.",
                bit(f.role().equals("standby_leader")));
        m.gauge("patroni_replica", "Value is 1 if this node is a replica, 0 otherwise.", bit(f.role().equals("replica")));
        m.gauge("patroni_sync_standby", "Value is 1 if this node is a sync standby, 0 otherwise.", bit(f.syncStandby()));
        m.gauge("patroni_quorum_standby", "Value is 1 if this node is a quorum standby, 0 otherwise.",
                bit(f.quorumStandby()));
        boolean replica = f.runningReplica();
        m.metric("patroni_xlog_received_location", "Current location of the received Postgres transaction log, 0 if"
                + " this node is not a replica.", "counter", replica ? Long.toString(f.received()) : "0");
        m.metric("patroni_xlog_replayed_location", "Current location of the replayed Postgres transaction log, 0 if"
                + " this node is not a replica.", "counter", replica ? Long.toString(f.replayed()) : "0");
        m.gauge("patroni_xlog_replayed_timestamp", "Current timestamp of the replayed Postgres transaction log, 0 if"
                + " null.", "0");
        m.gauge("patroni_xlog_paused", "Value is 1 if the Postgres xlog is paused, 0 otherwise.", "0");
        String replication = f.replicationState().orElse("");
        m.gauge("patroni_postgres_streaming", "Value is 1 if Postgres is streaming, 0 otherwise.",
                bit(replication.equals("streaming")));
        m.gauge("patroni_postgres_in_archive_recovery", "Value is 1 if Postgres is replicating from archive, 0"
                + " otherwise.", bit(replication.equals("in archive recovery")));
        m.gauge("patroni_postgres_server_version", "Version of Postgres (if running), 0 otherwise.",
                Integer.toString(f.running() ? f.db().serverVersion() : 0));
        m.gauge("patroni_cluster_unlocked", "Value is 1 if the cluster is unlocked, 0 if locked.",
                bit(f.clusterUnlocked()));
        m.gauge("patroni_failsafe_mode_is_active", "Value is 1 if failsafe mode is active, 0 if inactive.",
                bit(f.failsafeActive()));
        m.gauge("patroni_failsafe_mode_enabled", "Value is 1 if failsafe_mode is enabled, 0 otherwise.",
                bit(f.config().failsafeMode()));
        m.gauge("patroni_failsafe_member", "Value is 1 if this node is a member of failsafe, 0 otherwise.",
                bit(f.status().cluster().failsafe().map(fs -> fs.containsKey(f.status().member())).orElse(false)));
        m.gauge("patroni_postgres_timeline", "Postgres timeline of this node (if running), 0 otherwise.",
                Integer.toString(f.running() ? f.db().timeline() : 0));
        m.gauge("patroni_dcs_last_seen", "Epoch timestamp when DCS was last contacted successfully by Patroni.",
                Long.toString(f.dcsLastSeen()));
        m.gauge("patroni_pending_restart", "Value is 1 if the node needs a restart, 0 otherwise.",
                bit(f.running() && f.db().pendingRestart()));
        m.gauge("patroni_is_paused", "Value is 1 if auto failover is disabled, 0 otherwise.", bit(f.paused()));
        m.out.append("# HELP patroni_postgres_state Numeric representation of Postgres state.\n")
                .append("# Values: 0=initdb, 1=initdb_failed, 2=custom_bootstrap, 3=custom_bootstrap_failed,"
                        + " 4=creating_replica, 5=running, 6=starting, 7=bootstrap_starting, 8=start_failed,"
                        + " 9=restarting, 10=restart_failed, 11=stopping, 12=stopped, 13=stop_failed, 14=crashed\n")
                .append("# TYPE patroni_postgres_state gauge\n")
                .append("patroni_postgres_state").append(m.labels).append(' ').append(f.stateIndex()).append('\n');
        m.gauge("patroni_failover_priority", "Failover priority of this node.",
                Integer.toString(f.tags().failoverPriority()));
        return m.out.toString();
    }

    private void gauge(String name, String help, String value) {
        metric(name, help, "gauge", value);
    }

    private void metric(String name, String help, String type, String value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(' ').append(type).append('\n')
                .append(name).append(labels).append(' ').append(value).append('\n');
    }

    private static String bit(boolean b) {
        return b ? "1" : "0";
    }

    private static String lsn(Lsn lsn) {
        return Long.toString(lsn.value());
    }

    /** Patroni: {@code 3.0.2} becomes {@code 030002}; hapg's {@code 0.1.0} becomes {@code 000100}. */
    static String paddedVersion(String version) {
        StringBuilder padded = new StringBuilder();
        for (String part : version.split("\\.")) {
            String digits = part.replaceAll("\\D", "");
            padded.append(digits.length() < 2 ? "0".repeat(2 - digits.length()) + digits : digits);
        }
        return padded.toString();
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
