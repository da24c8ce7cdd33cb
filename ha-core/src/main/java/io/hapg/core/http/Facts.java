package io.hapg.core.http;

import io.hapg.core.spi.NodeStatus;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.Role;
import io.hapg.core.model.Tags;
import java.util.Optional;

/**
 * What the endpoints say about this node, derived from one stored {@link NodeStatus} with
 * Patroni's vocabulary ({@code state}, {@code role}, {@code replication_state}, ...). Computed per
 * request from memory only: no database or store query.
 */
final class Facts {
    private final NodeStatus status;
    private final DynamicConfig config;
    private final Tags tags;
    private final long nowNanos;

    /**
     * @param status    the latest loop status
     * @param bootstrap {@code bootstrap.dcs}, in force while the store has no {@code config} key
     * @param tags      this node's configured tags
     * @param nowNanos  the monotonic time of the request (same clock as {@link NodeStatus#loopNanos()})
     */
    Facts(NodeStatus status, DynamicConfig bootstrap, Tags tags, long nowNanos) {
        this.status = status;
        this.config = status.cluster().effectiveConfig(bootstrap);
        this.tags = tags;
        this.nowNanos = nowNanos;
    }

    NodeStatus status() {
        return status;
    }

    DynamicConfig config() {
        return config;
    }

    Tags tags() {
        return tags;
    }

    DatabaseState db() {
        return status.local().database();
    }

    LocalState local() {
        return status.local();
    }

    boolean running() {
        return db().isRunning();
    }

    /** Patroni's {@code state}: {@code running}, {@code starting}, {@code stopped}, ... */
    String state() {
        switch (db().process()) {
            case RUNNING:
                return "running";
            case STARTING:
                return "starting";
            case UNRESPONSIVE:
                // Patroni reports 'unknown' when its status query on a running postmaster fails.
                return "unknown";
            default:
                break;
        }
        String action = local().actionInProgress().orElse("");
        if (action.startsWith("clone")) {
            return "creating replica";
        }
        if (action.startsWith("bootstrap")) {
            return "initializing new cluster";
        }
        if (action.contains("stopping")) {
            return "stopping";
        }
        if (action.contains("start")) {
            return "starting";
        }
        return "stopped";
    }

    /** Patroni's fixed numeric code of {@link #state()} ({@code patroni_postgres_state}); -1 if none. */
    int stateIndex() {
        switch (state()) {
            case "initializing new cluster": return 0;
            case "creating replica": return 4;
            case "running": return 5;
            case "starting": return 6;
            case "stopping": return 11;
            case "stopped": return 12;
            default: return -1;
        }
    }

    /**
     * Patroni's PostgreSQL {@code role}: from {@code pg_is_in_recovery()} when running (a standby
     * cluster's leader: {@code standby_leader}), else the agent's role.
     */
    String role() {
        if (running()) {
            return !db().inRecovery() ? "primary"
                    : local().role() == Role.STANDBY_LEADER && standbyCluster() ? "standby_leader" : "replica";
        }
        return local().role().wireName();
    }

    /** The dynamic configuration has a {@code standby_cluster} section (Patroni {@code is_standby_cluster}). */
    boolean standbyCluster() {
        return config.standbyCluster().isPresent();
    }

    boolean runningReplica() {
        return running() && db().inRecovery();
    }

    boolean runningPrimary() {
        return db().isRunningPrimary();
    }

    /** {@code streaming} or {@code in archive recovery} on a running replica, as the member key publishes it. */
    Optional<String> replicationState() {
        return Member.replicationState(local(), db());
    }

    /** The last cluster read succeeded (Patroni: {@code dcs.cluster} is set). */
    boolean clusterAvailable() {
        return local().consensusReachable();
    }

    boolean paused() {
        return config.pause();
    }

    boolean clusterUnlocked() {
        return !clusterAvailable() || status.cluster().leader().isEmpty();
    }

    /** A running replica named in the {@code sync} key while synchronous mode is on (not quorum commit). */
    boolean syncStandby() {
        return runningReplica() && config.synchronousMode() && !config.quorumCommit()
                && status.cluster().sync().syncStandbys().contains(status.member());
    }

    /** A running replica among the {@code sync} key's voters in quorum commit (Patroni's {@code quorum_standby}). */
    boolean quorumStandby() {
        return runningReplica() && config.quorumCommit()
                && status.cluster().sync().syncStandbys().contains(status.member());
    }

    /** The store is unreachable and every member accepted this primary's failsafe call. */
    boolean failsafeActive() {
        return !clusterAvailable() && local().failsafeAccepted().orElse(false);
    }

    /**
     * Holds the leader lock <em>now</em>: the loop said so, and the lease it measured has not run
     * out since (Patroni's {@code ha.is_leader()} is a local expiry too). A stuck loop therefore
     * stops claiming the lock once its lease is over, whatever the stored status says.
     */
    boolean holdsLock() {
        if (!status.holdsLock()) {
            return false;
        }
        if (local().leaseDeadline().isPresent()) {
            return nowNanos - local().leaseDeadline().getAsLong() < 0;
        }
        return nowNanos - status.loopNanos() < config.ttl().toNanos();
    }

    /**
     * Fast failover's old side ({@code FAST-FAILOVER.md}): with {@code fast_failover} in force, this
     * leader's last accepted heartbeat write is older than T_early minus a margin
     * ({@link io.hapg.core.model.FastFailover#primaryHealthyFor()}), or it never wrote one, so a
     * synchronous standby may soon take its key without waiting for its lease. Judged at the
     * request's time: the heartbeat is written between loop iterations.
     */
    boolean heartbeatStale() {
        io.hapg.core.model.FastFailover ff = config.fastFailover();
        if (!ff.enabled()) {
            return false;
        }
        java.util.OptionalLong at = status.heartbeat().lastWrittenAt();
        return at.isEmpty() || nowNanos - at.getAsLong() >= ff.primaryHealthyFor().toNanos();
    }

    /** Nanoseconds since the loop published this status. */
    long age() {
        return nowNanos - status.loopNanos();
    }

    /** max(the leader's published optime, what this replica received): Patroni's reference for lag. */
    long leaderOptime() {
        long optime = status.cluster().status().optime().map(Lsn::value).orElse(0L);
        return Math.max(optime, db().receiveLsn().map(Lsn::value).orElse(0L));
    }

    long replayed() {
        return db().replayLsn().map(Lsn::value).orElse(0L);
    }

    long received() {
        return db().receiveLsn().map(Lsn::value).orElse(0L);
    }

    /** Epoch seconds of the last successful store read, 0 if none (Patroni's {@code dcs_last_seen}). */
    long dcsLastSeen() {
        return status.lastConsensusRead().map(i -> i.getEpochSecond()).orElse(0L);
    }
}
