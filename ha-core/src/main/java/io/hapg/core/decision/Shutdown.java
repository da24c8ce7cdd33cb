package io.hapg.core.decision;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.PeerStatus;
import java.util.List;
import java.util.Optional;

/**
 * Section 3, agent shutdown. Stopping the agent on the primary must be a quick failover, not a
 * ttl wait: stop PostgreSQL, then release the key as soon as a replica has the shutdown
 * checkpoint (so it loses nothing).
 */
final class Shutdown {

    private Shutdown() {
    }

    static Decision shutdown(Situation s) {
        DatabaseState db = s.db();
        if (s.dcs().pause()) {
            return Decision.of(Action.NONE,
                    "shutting down in pause: leaving PostgreSQL running and the leader key to expire");
        }
        if (!s.iAmLeader()) {
            return Decision.of(Action.SHUTDOWN, "shutting down: stopping PostgreSQL (not the leader)");
        }
        if (db.process() != ProcessState.STOPPED) {
            return Decision.of(Action.SHUTDOWN,
                    "shutting down: stopping PostgreSQL on the primary, keeping the leader key until a replica "
                            + "has the shutdown checkpoint");
        }
        List<String> replicas = s.otherMembers();
        if (replicas.isEmpty()) {
            return Decision.of(Action.RELEASE_LEASE, "shutting down: PostgreSQL stopped and there are no replicas: "
                    + "releasing the leader key");
        }
        if (db.checkpointLsn().isEmpty()) {
            return Decision.of(Action.RELEASE_LEASE,
                    "shutting down: PostgreSQL stopped, shutdown checkpoint unknown: releasing the leader key");
        }
        Lsn checkpoint = db.checkpointLsn().get();
        for (String name : replicas) {
            Optional<Lsn> position = knownPosition(s, name);
            if (ShutdownCheckpoint.handsOverTo(name, position, checkpoint, Optional.empty())) {
                return Decision.of(Action.RELEASE_LEASE, name, "shutting down: replica " + name
                        + " received the shutdown checkpoint " + checkpoint + " (at " + position.get()
                        + "): releasing the leader key");
            }
        }
        return Decision.of(Action.WAIT, "shutting down: waiting for a replica (" + String.join(", ", replicas)
                + ") to receive the shutdown checkpoint " + checkpoint);
    }

    /** What a member has received: its /patroni answer if we have one, else its published key. */
    private static Optional<Lsn> knownPosition(Situation s, String name) {
        PeerStatus peer = s.local().peers().get(name);
        if (peer != null && peer.walPosition().isPresent()) {
            return peer.walPosition();
        }
        return s.view().member(name).flatMap(m -> maxOf(m.receiveLsn(), m.replayLsn(), m.walPosition()));
    }

    @SafeVarargs
    private static Optional<Lsn> maxOf(Optional<Lsn>... positions) {
        Optional<Lsn> best = Optional.empty();
        for (Optional<Lsn> p : positions) {
            if (p.isPresent() && (best.isEmpty() || p.get().isAfter(best.get()))) {
                best = p;
            }
        }
        return best;
    }
}
