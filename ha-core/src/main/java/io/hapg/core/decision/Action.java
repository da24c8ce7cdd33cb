package io.hapg.core.decision;

/**
 * What the HA loop does in one iteration. The decision engine picks exactly one; the loop carries
 * it out through the SPIs. Actions marked "keeps the lease" renew the leader lease first when this
 * node holds it; every other action lets the lease lapse or releases it as described.
 */
public enum Action {
    /** Nothing to do: the steady state (a healthy replica following the leader). */
    NONE(false),
    /** Blocked on something outside this node (no leader to clone from, an action in progress). Keeps the lease. */
    WAIT(true),
    /** Race for the {@code initialize} key; the winner runs initdb and takes the leader key. */
    BOOTSTRAP(false),
    /** Replace the data directory with a clone of {@code target} and start as its replica. */
    CLONE(false),
    /** PostgreSQL is stopped on a replica: start it, streaming from {@code target}. */
    START_REPLICA(false),
    /** The leader is healthy: renew the lease, publish status, keep slots ({@code slots}) in shape. */
    RENEW_LEASE(true),
    /** Take the free leader key without promoting: PostgreSQL already runs as a primary. */
    ACQUIRE_LEASE(false),
    /** Take the leader key (unless held), run pre_promote, promote. */
    PROMOTE(false),
    /**
     * Standby cluster: take the leader key (unless held) and run PostgreSQL as a standby of the remote
     * primary ({@code target} is {@link io.hapg.core.model.StandbyCluster#REMOTE_MEMBER}): start it,
     * or reconfigure it, to stream from there; the role becomes {@code STANDBY_LEADER}. Keeps the lease.
     */
    LEAD_STANDBY(true),
    /** Holding the lock, PostgreSQL on the primary is down: start it in place (crash recovery). Keeps the lease. */
    RESTART_PRIMARY(true),
    /** Stop acting as primary, in {@code demoteMode}; afterwards follow {@code target} if present. */
    DEMOTE(false),
    /**
     * Copy the logical permanent slots {@code slots.permanent()} from {@code target} (the leader)
     * into this replica, restarting its PostgreSQL so that they load (Patroni's
     * {@code copy_logical_slots}). Only on a replica streaming from a leader, never the leader.
     */
    COPY_SLOTS(false),
    /** Reconfigure the running replica to stream from {@code target}. */
    FOLLOW(false),
    /** A diverged former primary: pg_rewind against {@code target}, then follow it. */
    REWIND(false),
    /** Wipe the data directory and clone from {@code target} again (rewind failed or impossible). */
    REINITIALIZE(false),
    /**
     * Set {@code synchronous_standby_names} to {@code syncStandbys} (before publishing additions); in
     * quorum commit to {@code ANY syncCount (syncStandbys)}. Keeps the lease.
     */
    SET_SYNC_STANDBYS(true),
    /**
     * Publish {@code syncStandbys} in the {@code sync} key with this member as its leader (additions after
     * the setting, removals before it). An empty list with {@code synchronous_mode} off means "clean up":
     * the loop may delete the key instead. In quorum commit the key also gets {@code "quorum": syncCount}.
     * Keeps the lease.
     */
    WRITE_SYNC_KEY(true),
    /** Delete a failover request that cannot or need not be carried out. Keeps the lease. */
    CLEAR_FAILOVER(true),
    /** Agent shutdown on the primary: stop PostgreSQL (fast) and keep the key until a replica has the checkpoint. */
    SHUTDOWN(false),
    /**
     * Delete the leader key (compare-and-delete on my name), nothing else: at agent shutdown once a replica
     * has the shutdown checkpoint (or none is needed), or when the data directory is empty while I hold
     * the key. The loop does not stop the agent because of this action; shutdown is driven by
     * {@code LocalState.shutdownRequested}.
     */
    RELEASE_LEASE(false),
    /**
     * Fast failover ({@code fast_failover}): the leader {@code target} looks dead; probe its
     * PostgreSQL and ask the other members to (off the loop thread), recording the evidence for
     * the next decisions; the loop iterates quickly meanwhile.
     */
    PROBE_LEADER(false),
    /**
     * Fast failover ({@code fast_failover}): the leader {@code target} is confirmed dead; take the
     * leader key and {@code sync} in one transaction, comparing the revisions the evidence was
     * gathered on (the view's leader key and {@code sync}, the heartbeat observed), then promote
     * as {@link #PROMOTE} does.
     */
    TAKE_OVER_EARLY(false);

    private final boolean keepsLease;

    Action(boolean keepsLease) {
        this.keepsLease = keepsLease;
    }

    /** Whether the loop renews a lease it holds before carrying this action out. */
    public boolean keepsLease() {
        return keepsLease;
    }
}
