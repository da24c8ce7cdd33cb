package io.hapg.core.decision;

/** How a primary steps down, after Patroni's demote modes. */
public enum DemoteMode {
    /** Switchover: fast stop with a checkpoint; release the key once a replica has it. */
    GRACEFUL,
    /** Lost the lock to another member (or a stale primary): immediate stop, no release (the key is not ours), then follow. */
    IMMEDIATE,
    /** Cannot reach the store and failsafe does not apply: fast stop, keep nothing, wait for the store. */
    OFFLINE,
    /**
     * PostgreSQL on the primary is down (crashed, not restarting in time, or a healthy synchronous
     * standby can take over without losing a commit): release the key at once so a replica takes
     * over; keep PostgreSQL stopped and rejoin as a replica of the winner.
     */
    HANDOVER
}
