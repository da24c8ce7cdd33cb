package io.hapg.core.spi;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.LocalState;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The node as of the end of one HA loop iteration: what health reporters serve. Read-only and
 * immutable, so an HTTP thread can answer from it while the loop moves on.
 *
 * @param scope         the cluster name
 * @param member        this node's name
 * @param local         the agent's state after the iteration (role, database probe, lease)
 * @param cluster       the last cluster view read (possibly stale when the store is unreachable)
 * @param holdsLock     this node held the leader lock at the end of the iteration
 * @param reason        the decision's one-line reason
 * @param loopAt        wall-clock time of the iteration (for {@code dcs_last_seen}, logs)
 * @param loopNanos     monotonic time of the iteration (for {@code /liveness})
 * @param lastConsensusRead wall-clock time of the last successful cluster read
 * @param watchdogFailed {@code watchdog.mode} is required and the watchdog (hapg's fence process)
 *                      cannot fence: Patroni's {@code watchdog_failed}
 * @param heartbeat     fast failover: this node's heartbeat writes as a leader, read live at
 *                      request time ({@link LeaderHeartbeat#NONE} when it never wrote one)
 */
public record NodeStatus(String scope, String member, LocalState local, ClusterView cluster, boolean holdsLock,
                         String reason, Instant loopAt, long loopNanos, Optional<Instant> lastConsensusRead,
                         boolean watchdogFailed, LeaderHeartbeat heartbeat) {
    public NodeStatus {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(loopAt, "loopAt");
        Objects.requireNonNull(lastConsensusRead, "lastConsensusRead");
        Objects.requireNonNull(heartbeat, "heartbeat");
    }

    /** A status without a heartbeat ({@link LeaderHeartbeat#NONE}). */
    public NodeStatus(String scope, String member, LocalState local, ClusterView cluster, boolean holdsLock,
                      String reason, Instant loopAt, long loopNanos, Optional<Instant> lastConsensusRead,
                      boolean watchdogFailed) {
        this(scope, member, local, cluster, holdsLock, reason, loopAt, loopNanos, lastConsensusRead, watchdogFailed,
                LeaderHeartbeat.NONE);
    }

    /** A status whose watchdog has not failed. */
    public NodeStatus(String scope, String member, LocalState local, ClusterView cluster, boolean holdsLock,
                      String reason, Instant loopAt, long loopNanos, Optional<Instant> lastConsensusRead) {
        this(scope, member, local, cluster, holdsLock, reason, loopAt, loopNanos, lastConsensusRead, false);
    }
}
