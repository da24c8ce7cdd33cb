package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;

/**
 * Section 4, maintenance mode ({@code pause}). Patroni pause semantics: the agent keeps the lock
 * and member keys current but promotes, demotes, starts, stops, bootstraps and clones nothing. A
 * primary without the lock takes the free key (without promoting anything) so clients keep
 * finding it.
 */
final class Maintenance {

    private Maintenance() {
    }

    static Decision paused(Situation s) {
        ClusterView view = s.view();
        DatabaseState db = s.db();
        if (s.iAmLeader()) {
            String pg = !db.isRunning() ? "; PostgreSQL is " + s.processWord() + " and is left so"
                    : db.inRecovery() ? "; PostgreSQL is in recovery and is not promoted" : "";
            return Decision.renew(s.slots(), "paused: I am the leader with the lock" + pg + " (maintenance mode)");
        }
        if (view.leader().isEmpty() && db.isRunningPrimary() && DataDirectory.foreign(s).isEmpty()) {
            return Decision.of(Action.ACQUIRE_LEASE,
                    "paused: leader key free and PostgreSQL runs as primary here: taking the key without promoting");
        }
        if (!db.hasData()) {
            return Decision.of(Action.NONE, "paused: data directory empty; maintenance mode does not bootstrap or clone");
        }
        if (!db.isRunning()) {
            return Decision.of(Action.NONE, "paused: PostgreSQL is " + s.processWord() + "; maintenance mode leaves it");
        }
        if (view.leader().isEmpty()) {
            return Decision.of(Action.NONE, "paused: leader key free; maintenance mode does not race or promote");
        }
        String leader = view.leader().get().name();
        if (db.isRunningPrimary()) {
            return Decision.of(Action.NONE, "paused: " + leader
                    + " holds the leader key but PostgreSQL runs as primary here; maintenance mode does not demote");
        }
        return Decision.of(Action.NONE, "paused: no action (maintenance mode); leader is " + leader);
    }
}
