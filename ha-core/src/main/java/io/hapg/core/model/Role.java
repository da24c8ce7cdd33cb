package io.hapg.core.model;

/**
 * What this node is in the cluster, as the agent sees it. {@link #wireName()} is the value
 * Patroni publishes in the member key's {@code role} field and passes to callbacks.
 *
 * <p>Legal changes between roles are listed in {@link RoleTransitions}.
 */
public enum Role {
    /** Just started; nothing known yet. */
    UNKNOWN("uninitialized"),
    /** No data directory yet: waiting to bootstrap or clone. */
    UNINITIALIZED("uninitialized"),
    /** Streams (or is about to stream) from the leader. */
    REPLICA("replica"),
    /** Holds, or is taking, the leader key and is promoting. */
    CANDIDATE("replica"),
    /** Holds the leader key; PostgreSQL runs (or restarts) as a primary. */
    PRIMARY("primary"),
    /**
     * Holds the leader key of a standby cluster: PostgreSQL runs as a standby of the remote
     * cluster's primary, and the other members stream from it (Patroni's {@code standby_leader}).
     */
    STANDBY_LEADER("standby_leader"),
    /** Lost or gave up the leader key; PostgreSQL is being stopped or turned into a replica. */
    DEMOTING("demoted");

    private final String wireName;

    Role(String wireName) {
        this.wireName = wireName;
    }

    /** Patroni's name for the role: {@code primary}, {@code replica}, {@code standby_leader}, {@code demoted}, {@code uninitialized}. */
    public String wireName() {
        return wireName;
    }
}
