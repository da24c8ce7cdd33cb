package io.hapg.core.http;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailsafePing;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Member;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.core.spi.NodeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the REST API's mutating endpoints ask of the agent ({@code POST /switchover},
 * {@code /failover}, {@code /restart}, {@code /reload}, {@code /reinitialize},
 * {@code PATCH|PUT /config}, {@code POST /hapg/probe-leader}). The HTTP layer validates the request against the latest
 * {@link NodeStatus} first, as Patroni's {@code api.py} does, and calls these methods only with
 * well-formed arguments; the implementation ({@link io.hapg.core.HaAgent}) carries them out.
 *
 * <p><b>Threads.</b> Every method is called on an HTTP request thread, never on the HA loop
 * thread, and may run concurrently with the loop and with other calls. None may block longer than
 * the consensus deadline ({@code retry_timeout}), except {@link #restart}, which waits for the
 * restart (bounded by its {@code timeout}), and {@link #probeOther} (bounded by about three times
 * its {@code timeout}).
 *
 * <p><b>Outcomes.</b> As in the SPIs: losing a compare-and-set is a {@code false} return; a store
 * that cannot answer is a {@link ConsensusUnavailableException} (the API answers 503). A
 * successful write wakes the HA loop, so it acts at once rather than after {@code loop_wait}.
 */
public interface NodeControl {

    /**
     * One fresh, consistent read of the cluster (for {@code PATCH /config}'s compare-and-set and
     * for polling the outcome of a switchover). Not atomic with any later write.
     *
     * @throws ConsensusUnavailableException when the store cannot answer within its deadline
     */
    ClusterView readCluster();

    /**
     * Writes (or, with an empty request, deletes) the {@code failover} key, only if its
     * modification revision is still {@code expectedRevision} ({@code -1} = unconditionally, as
     * Patroni's {@code POST /switchover} does). Atomic in the store; returns at once, the loops
     * do the switchover.
     *
     * @return true if written; false if the revision no longer matched
     * @throws ConsensusUnavailableException when the store cannot answer within its deadline
     */
    boolean writeFailover(long expectedRevision, Optional<FailoverRequest> request);

    /**
     * Writes the {@code config} key, only if its modification revision is still
     * {@code expectedRevision} ({@code -1} = unconditionally, for {@code PUT /config}). Atomic.
     *
     * @return true if written; false if the revision no longer matched
     * @throws ConsensusUnavailableException when the store cannot answer within its deadline
     */
    boolean writeConfig(long expectedRevision, DynamicConfig config);

    /**
     * Restarts PostgreSQL now (synchronous: returns when it runs again or has failed), or, with
     * {@link RestartRequest#schedule()} set, records a restart for later and returns at once.
     * The implementation checks the request's conditions ({@code role}, {@code postgres_version},
     * {@code restart_pending}) against the node when the restart is due. Never throws for a failed
     * restart: that is {@link RestartOutcome.Status#FAILED}.
     */
    RestartOutcome restart(RestartRequest request);

    /**
     * Forgets a scheduled restart. Immediate.
     *
     * @return true if one was scheduled
     */
    boolean cancelScheduledRestart();

    /**
     * Re-reads the node's configuration and reloads PostgreSQL (Patroni's SIGHUP). Asynchronous:
     * returns at once; failures are logged by the agent.
     */
    void reload();

    /**
     * Starts re-creating this replica's data directory from the leader. Asynchronous: returns
     * once the work is started. The HTTP layer has already refused it on the leader and in a
     * leaderless cluster.
     *
     * @param force      cancel a slow action already in progress to make room
     * @param fromLeader take the base backup from the leader even if another source is configured
     * @return empty when started; otherwise why not (answered with 503), e.g.
     *         {@code "restart already in progress"}
     */
    Optional<String> reinitialize(boolean force, boolean fromLeader);

    /**
     * Remembers a {@code POST /failsafe} the HTTP layer accepted (it checked that the caller is the
     * leader this node last saw and that this node is not a running primary): within {@code ttl}
     * of it the agent does not race for the leader key. Immediate; never blocks.
     */
    void failsafePinged(FailsafePing ping);

    /**
     * Fast failover ({@code FAST-FAILOVER.md}), for {@code POST /hapg/probe-leader}: one death probe
     * of {@code member}'s PostgreSQL from this node, as {@link io.hapg.core.spi.DatabaseNode#probeOther}.
     * The HTTP layer has already checked that {@code member} holds the leader key in this node's
     * latest view and took it, with its {@code conn_url}, from that view, never from the request.
     * Blocks the request thread for at most about three times {@code timeout}; never throws for a
     * failed probe.
     *
     * <p>The default answers {@link LeaderProbe.Outcome#ANSWERED} without probing, so an embedding
     * that does not implement it never helps another member take over early.
     *
     * @param timeout bound for each wait of the probe, already bounded by the HTTP layer
     */
    default LeaderProbe.Outcome probeOther(Member member, Duration timeout) {
        return LeaderProbe.Outcome.ANSWERED;
    }

    /**
     * {@code POST /restart}'s body, validated: every field has Patroni's meaning.
     *
     * @param role            restart only if the node has this role ({@code primary} or {@code replica})
     * @param postgresVersion restart only if PostgreSQL is older than this ({@code 15.2})
     * @param timeout         fail (and let the cluster fail over) if PostgreSQL is not up within this
     * @param restartPending  restart only if PostgreSQL reports pending_restart
     * @param schedule        when to restart; empty = now
     */
    record RestartRequest(Optional<String> role, Optional<String> postgresVersion, Optional<Duration> timeout,
                          boolean restartPending, Optional<Instant> schedule) {
        public RestartRequest {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(postgresVersion, "postgresVersion");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(schedule, "schedule");
        }

        /**
         * Patroni's {@code restart_matches}, judged when the restart is due: why this node must
         * not restart now ({@code host role mismatch}, {@code postgres version mismatch},
         * {@code pending restart flag is not set}), or empty when every condition holds.
         *
         * @param currentRole the node's wire role now
         * @param db          the last probe (a stopped server has version 0: any version condition holds)
         */
        public Optional<String> unmetCondition(String currentRole, DatabaseState db) {
            if (role.isPresent() && !role.get().equals(currentRole)) {
                return Optional.of("host role mismatch");
            }
            if (postgresVersion.isPresent() && versionNumber(postgresVersion.get()) <= db.serverVersion()) {
                return Optional.of("postgres version mismatch");
            }
            if (restartPending && !db.pendingRestart()) {
                return Optional.of("pending restart flag is not set");
            }
            return Optional.empty();
        }

        /** {@code 15.4} as PostgreSQL's {@code server_version_num} (150004); {@code 9.6.1} as 90601. */
        static int versionNumber(String version) {
            String[] parts = version.strip().split("\\.");
            int major = Integer.parseInt(parts[0]);
            if (major >= 10) {
                return major * 10000 + (parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
            }
            return major * 10000 + (parts.length > 1 ? Integer.parseInt(parts[1]) * 100 : 0)
                    + (parts.length > 2 ? Integer.parseInt(parts[2]) : 0);
        }
    }

    /**
     * What {@link #restart} did.
     *
     * @param status  the outcome, which fixes the HTTP status code
     * @param message human-readable, returned as the response body (Patroni's texts where they exist,
     *                e.g. {@code "restarted successfully"}, {@code "restart conditions are not satisfied"})
     */
    record RestartOutcome(Status status, String message) {
        public RestartOutcome {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(message, "message");
        }

        /** The outcomes of {@code POST /restart}. */
        public enum Status {
            /** Restarted now: 200. */
            RESTARTED,
            /** Not restarted (conditions not met, failed, another action running): 503. */
            FAILED,
            /** Recorded for later: 202. */
            SCHEDULED,
            /** Another restart is already scheduled: 409. */
            ALREADY_SCHEDULED
        }
    }
}
