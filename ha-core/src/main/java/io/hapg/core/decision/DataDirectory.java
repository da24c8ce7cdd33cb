package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import java.util.Optional;

/** Sections 5 and 6: a data directory that is empty, or that belongs to another cluster. */
final class DataDirectory {

    private DataDirectory() {
    }

    /**
     * The initialize key is the bootstrap race: whoever creates it runs initdb; an empty value
     * means initdb is still running somewhere. Everyone else clones: from its running
     * {@code replicatefrom} member, else from a running {@code clonefrom} member
     * ({@link CloneSource}), else from the leader.
     */
    static Decision empty(Situation s) {
        ClusterView view = s.view();
        String scope = s.self().scope();
        if (s.iAmLeader()) {
            // Someone wiped the leader's data directory: let a replica take over (Patroni releases too).
            return Decision.of(Action.RELEASE_LEASE,
                    "data directory empty while I hold the leader key: releasing it so a replica takes over");
        }
        if (view.leader().isEmpty()) {
            if (view.initialize().isEmpty()) {
                if (s.myTags().nofailover()) {
                    return Decision.of(Action.WAIT, "data directory empty and cluster " + scope
                            + " not initialized; not bootstrapping: " + s.nofailoverWhy());
                }
                return Decision.of(Action.BOOTSTRAP,
                        "bootstrapping: no initialize key and no leader: racing to initialize cluster " + scope);
            }
            if (view.initialize().get().isEmpty()) {
                return Decision.of(Action.WAIT,
                        "data directory empty; another member is running initdb (initialize key claimed)");
            }
            return Decision.of(Action.WAIT, "data directory empty; cluster " + scope + " is initialized (system "
                    + "identifier " + view.initialize().get() + ") but has no leader to clone from");
        }
        String leader = view.leader().get().name();
        if (view.leaderMember().isEmpty()) {
            return Decision.of(Action.WAIT, "data directory empty; leader " + leader + " has no member record to clone from");
        }
        // hapg copies from the running replicatefrom member, where the replica will stream from
        // (Patroni does not); otherwise Patroni's get_clone_member: a clonefrom member, else the leader.
        Optional<String> cascade = s.replicationSource();
        String source = cascade.orElseGet(() -> CloneSource.choose(view, s.me()).orElse(leader));
        String described = cascade.isPresent() ? Reasons.describeSource(source, leader)
                : CloneSource.describe(source, leader);
        return Decision.of(Action.CLONE, source, "cloning from " + described + ": data directory empty");
    }

    /**
     * Why the data directory is not this cluster's, if it is not: starting or promoting it would
     * serve the wrong data.
     */
    static Optional<String> foreign(Situation s) {
        DatabaseState db = s.db();
        // Garbage in the initialize key is no identifier: the leader rewrites it with its own.
        Optional<String> clusterId = s.view().systemIdentifier();
        if (clusterId.isEmpty() || db.systemIdentifier().isEmpty()
                || db.systemIdentifier().get().equals(clusterId.get())) {
            return Optional.empty();
        }
        return Optional.of("data directory belongs to another cluster: its system identifier is "
                + db.systemIdentifier().get() + ", cluster " + s.self().scope() + " has " + clusterId.get()
                + "; not starting or promoting it");
    }
}
