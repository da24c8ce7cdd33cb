package io.hapg.core.decision;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.LocalState;
import java.util.Optional;

/**
 * Section 1, the store is unreachable. Why first, even before a running action: a primary that
 * cannot renew its lease must stop accepting writes before the lease expires and another member
 * promotes. Patroni {@code _handle_dcs_error}. (The lease watchdog enforces the deadline even if
 * the loop is stuck.)
 */
final class Fencing {

    private Fencing() {
    }

    static Decision storeUnreachable(Situation s) {
        LocalState local = s.local();
        DatabaseState db = s.db();
        DynamicConfig dcs = s.dcs();
        boolean actingPrimary = local.holdsLease(s.now().monotonicNanos()) || db.isRunningPrimary();
        if (!actingPrimary) {
            return Decision.of(Action.NONE, "store unreachable: staying as I am (replicas never race blind)");
        }
        if (dcs.pause()) {
            return Decision.of(Action.NONE, "store unreachable; paused: leaving PostgreSQL running as primary");
        }
        if (dcs.failsafeMode() && local.failsafeAccepted().equals(Optional.of(true))) {
            return Decision.of(Action.NONE, "store unreachable; all members accepted me as primary (failsafe)");
        }
        String why = !dcs.failsafeMode() ? "failsafe_mode is off"
                : local.failsafeAccepted().isEmpty() ? "failsafe check not done"
                : "not every member accepted me as primary (failsafe)";
        return Decision.demote(DemoteMode.OFFLINE, Optional.empty(),
                "demoting: store unreachable, cannot renew the leader lease and " + why);
    }
}
