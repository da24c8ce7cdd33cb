package io.hapg.core.http;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.ReplicationPeer;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON documents of {@code /patroni} (and every health endpoint), {@code /cluster} and
 * {@code /history}, with Patroni's field names. Optional flags ({@code pause},
 * {@code cluster_unlocked}, {@code sync_standby}, ...) appear only when true, as in Patroni.
 */
final class StatusDocuments {

    private StatusDocuments() {
    }

    /** The member status document: Patroni's {@code get_postgresql_status} plus {@code _write_status_response}. */
    static Map<String, Object> patroni(Facts f, String version) {
        Map<String, Object> doc = new LinkedHashMap<>();
        DatabaseState db = f.db();
        doc.put("state", f.state());
        if (f.running()) {
            doc.put("postmaster_start_time", null);
            doc.put("role", f.role());
            doc.put("server_version", db.serverVersion());
            Map<String, Object> xlog = new LinkedHashMap<>();
            if (db.inRecovery()) {
                xlog.put("received_location", db.receiveLsn().or(db::replayLsn).map(Lsn::value).orElse(null));
                xlog.put("replayed_location", db.replayLsn().map(Lsn::value).orElse(null));
                xlog.put("replayed_timestamp", null);
                xlog.put("paused", false);
            } else {
                xlog.put("location", db.writeLsn().map(Lsn::value).orElse(null));
            }
            doc.put("xlog", xlog);
            if (f.syncStandby()) {
                doc.put("sync_standby", true);
            }
            if (f.quorumStandby()) {
                doc.put("quorum_standby", true);
            }
            doc.put("timeline", db.timeline());
            f.replicationState().ifPresent(s -> doc.put("replication_state", s));
            if (!db.replication().isEmpty()) {
                doc.put("replication", replication(db.replication()));
            }
        } else {
            doc.put("role", f.role());
        }
        if (f.running() && db.pendingRestart()) {
            doc.put("pending_restart", true);
        }
        // From this member's key as the last loop read it (a loop behind a new schedule), as hactl
        // and patronictl see it too.
        f.status().cluster().member(f.status().member()).flatMap(Member::scheduledRestart)
                .ifPresent(r -> doc.put("scheduled_restart", r.patroniFields()));
        if (f.status().watchdogFailed()) {
            doc.put("watchdog_failed", true); // before pause, as Patroni's _write_status_response
        }
        if (f.paused()) {
            doc.put("pause", true);
        }
        if (f.clusterUnlocked()) {
            doc.put("cluster_unlocked", true);
        }
        if (f.failsafeActive()) {
            doc.put("failsafe_mode_is_active", true);
        }
        doc.put("dcs_last_seen", f.dcsLastSeen());
        if (!f.tags().values().isEmpty()) {
            doc.put("tags", f.tags().values());
        }
        db.systemIdentifier().ifPresent(id -> doc.put("database_system_identifier", id));
        doc.put("patroni", patroniBlock(version, f.status().scope(), f.status().member()));
        return doc;
    }

    /** What {@code /patroni} says before the first loop iteration. */
    static Map<String, Object> starting(String version, String scope, String member) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("state", "unknown");
        doc.put("role", "uninitialized");
        doc.put("cluster_unlocked", true);
        doc.put("dcs_last_seen", 0);
        doc.put("patroni", patroniBlock(version, scope, member));
        return doc;
    }

    private static Map<String, Object> patroniBlock(String version, String scope, String member) {
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("version", version);
        block.put("scope", scope);
        block.put("name", member);
        return block;
    }

    private static List<Map<String, Object>> replication(List<ReplicationPeer> peers) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ReplicationPeer peer : peers) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("usename", null);
            row.put("application_name", peer.applicationName());
            row.put("client_addr", null);
            row.put("state", peer.state());
            row.put("sync_state", peer.syncState());
            row.put("sync_priority", "sync".equals(peer.syncState()) ? 1 : 0);
            rows.add(row);
        }
        return rows;
    }

    /** Patroni's {@code cluster_as_json}: members sorted by name, then pause and scheduled_switchover. */
    static Map<String, Object> cluster(ClusterView view, DynamicConfig config, String scope) {
        String leader = view.leader().map(l -> l.name()).orElse(null);
        long clusterLsn = view.status().optime().map(Lsn::value).orElse(0L);
        List<Map<String, Object>> members = new ArrayList<>();
        view.members().values().stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(m -> {
            boolean isLeader = m.name().equals(leader);
            // Patroni's cluster_as_json: the leader of a standby cluster is its standby_leader.
            String role = isLeader ? config.standbyCluster().isPresent() ? "standby_leader" : "leader"
                    : !config.synchronousMode() || !view.sync().syncStandbys().contains(m.name()) ? "replica"
                    : config.quorumCommit() ? "quorum_standby" : "sync_standby";
            String state = isLeader ? m.state() : m.replicationState().filter(s -> !s.isEmpty())
                    .orElse(m.state());
            Map<String, Object> member = new LinkedHashMap<>();
            member.put("name", m.name());
            member.put("role", role);
            member.put("state", state);
            member.put("api_url", m.apiUrl());
            hostPort(m.connUrl()).ifPresent(hp -> {
                member.put("host", hp.getHost());
                if (hp.getPort() > 0) {
                    member.put("port", hp.getPort());
                }
            });
            if (m.timeline() > 0) {
                member.put("timeline", m.timeline());
            }
            if (m.pendingRestart()) {
                member.put("pending_restart", true);
            }
            if (!m.tags().values().isEmpty()) {
                member.put("tags", m.tags().values());
            }
            if (!isLeader) {
                lag(member, "receive_", m.receiveLsn(), clusterLsn);
                lag(member, "replay_", m.replayLsn(), clusterLsn);
                lag(member, "", m.xlogLocation(), clusterLsn);
            }
            members.add(member);
        });
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("members", members);
        if (config.pause()) {
            doc.put("pause", true);
        }
        view.failover().filter(r -> r.scheduledAt().isPresent()).ifPresent(r -> doc.put("scheduled_switchover",
                scheduled(r)));
        doc.put("scope", scope);
        return doc;
    }

    private static Map<String, Object> scheduled(FailoverRequest request) {
        Map<String, Object> at = new LinkedHashMap<>();
        at.put("at", Schedules.format(request.scheduledAt().get()));
        request.leader().ifPresent(l -> at.put("from", l));
        request.candidate().ifPresent(c -> at.put("to", c));
        return at;
    }

    private static void lag(Map<String, Object> member, String prefix, Optional<Lsn> lsn, long clusterLsn) {
        if (lsn.isEmpty()) {
            member.put(prefix + "lsn", "unknown");
            member.put(prefix + "lag", "unknown");
            return;
        }
        member.put(prefix + "lag", Math.max(0, clusterLsn - lsn.get().value()));
        member.put(prefix + "lsn", lsn.get().toString());
    }

    private static Optional<URI> hostPort(String connUrl) {
        try {
            URI uri = URI.create(connUrl);
            return uri.getHost() == null ? Optional.empty() : Optional.of(uri);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The {@code history} key as Patroni stores it: {@code [timeline, lsn, reason, timestamp, new_leader]}. */
    static List<List<Object>> history(ClusterView view) {
        List<List<Object>> lines = new ArrayList<>();
        for (HistoryEntry e : view.history()) {
            List<Object> line = new ArrayList<>();
            line.add(e.timeline());
            line.add(e.lsn().value());
            line.add(e.reason());
            if (e.timestamp().isPresent() || e.newLeader().isPresent()) {
                line.add(e.timestamp().orElse(null));
            }
            e.newLeader().ifPresent(line::add);
            lines.add(line);
        }
        return lines;
    }
}
