package io.hapg.core.model;

import java.util.Objects;

/**
 * The holder of the leader key.
 *
 * @param name     the member that holds it
 * @param revision the store's modification revision of the key, for compare-and-set
 * @param term     the store's create revision of the key: it changes only when the key is created
 *                 anew (acquired, or re-created after it expired or was deleted). A fast-failover
 *                 takeover ({@link io.hapg.core.spi.Consensus#takeOverEarly}) overwrites the key
 *                 and keeps it, so one leadership is the pair (name, term). Every write the leader
 *                 makes is conditioned on both ({@link io.hapg.core.spi.Consensus#compareAndSetAsLeader})
 */
public record Leader(String name, long revision, long term) {
    public Leader {
        Objects.requireNonNull(name, "name");
    }

    /** A leader key that was written once, so its term is its revision. */
    public Leader(String name, long revision) {
        this(name, revision, revision);
    }
}
