package io.hapg.core.testing;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.PeerStatus;
import io.hapg.core.model.Role;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Factories for the agent's local state, each returning the model's own
 * {@link LocalState.Builder} so a test changes only what it is about:
 *
 * <pre>
 * LocalStates.replica("0/5000060").following("pg1").peers(LocalStates.peers(peer("pg3", "0/5000000"))).build()
 * </pre>
 *
 * The store is reachable, nothing is in progress and no shutdown is requested unless changed.
 */
public final class LocalStates {

    private LocalStates() {
    }

    public static LocalState.Builder of(Databases.Db db) {
        return of(db.build());
    }

    public static LocalState.Builder of(DatabaseState db) {
        return LocalState.initial(db).toBuilder();
    }

    /** PostgreSQL runs as primary here; role PRIMARY. */
    public static LocalState.Builder primary() {
        return of(Databases.primary()).role(Role.PRIMARY);
    }

    /** A running replica at {@code lsn}, streaming from pg1. */
    public static LocalState.Builder replica(String lsn) {
        return of(Databases.replica(lsn)).role(Role.REPLICA).following("pg1");
    }

    /** A running replica at {@link Clusters#POSITION}, streaming from pg1. */
    public static LocalState.Builder replica() {
        return replica(Clusters.POSITION);
    }

    /** Data directory present, PostgreSQL stopped cleanly at {@link Clusters#POSITION}. */
    public static LocalState.Builder stopped() {
        return of(Databases.stopped());
    }

    /** No data directory yet. */
    public static LocalState.Builder empty() {
        return of(Databases.empty()).role(Role.UNINITIALIZED);
    }

    /** Another member's /patroni answer: a running replica at {@code lsn}, failover_priority 1. */
    public static PeerStatus peer(String name, String lsn) {
        return peer(name, lsn, 1);
    }

    public static PeerStatus peer(String name, String lsn, int failoverPriority) {
        return new PeerStatus(name, "replica", "running", Optional.of(Lsn.parse(lsn)), 2, failoverPriority);
    }

    /** Another member answering that it runs as a primary. */
    public static PeerStatus primaryPeer(String name) {
        return new PeerStatus(name, "primary", "running", Optional.of(Lsn.parse(Clusters.POSITION)), 2, 1);
    }

    public static Map<String, PeerStatus> peers(PeerStatus... statuses) {
        Map<String, PeerStatus> map = new LinkedHashMap<>();
        for (PeerStatus s : statuses) {
            map.put(s.name(), s);
        }
        return map;
    }
}
