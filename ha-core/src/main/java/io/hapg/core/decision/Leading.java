package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import java.time.Duration;
import java.util.Optional;

/**
 * Section 9, I hold the leader key and PostgreSQL runs: promote if it is still in recovery, then
 * a due switchover, then one synchronous-standby step ({@link SynchronousMode}, or
 * {@link QuorumMode} in quorum commit); otherwise renew the lease.
 */
final class Leading {

    private Leading() {
    }

    static Decision leading(Situation s) {
        ClusterView view = s.view();
        DynamicConfig dcs = s.dcs();
        if (s.db().inRecovery()) {
            return Decision.of(Action.PROMOTE, "promoting: I hold the lock but PostgreSQL is in recovery");
        }
        String steady = "no action: I am the leader with the lock";
        if (view.failover().isPresent()) {
            FailoverRequest request = view.failover().get();
            Optional<Decision> handled = ManualFailover.asLeader(s, request);
            if (handled.isPresent()) {
                return handled.get();
            }
            steady += "; " + Reasons.describe(request) + " scheduled at " + request.scheduledAt().get() + " (in "
                    + Duration.between(s.now().wall(), request.scheduledAt().get()).toSeconds() + " s)";
        }
        if (dcs.quorumCommit()) {
            Optional<Decision> step = QuorumMode.step(s);
            if (step.isPresent()) {
                return step.get();
            }
            steady += "; quorum commit: " + s.db().synchronousSetting() + ", sync key quorum " + view.sync().quorum()
                    + " of " + view.sync().syncStandbys();
        } else if (dcs.synchronousMode()) {
            Optional<Decision> step = SynchronousMode.step(s);
            if (step.isPresent()) {
                return step.get();
            }
            if (dcs.synchronousModeStrict() && SynchronousMode.desired(s).isEmpty()) {
                steady += "; synchronous_mode_strict and no synchronous standby is streaming: commits wait";
            }
            steady += SynchronousMode.pending(s);
        } else {
            Optional<Decision> cleanup = SynchronousMode.cleanup(s);
            if (cleanup.isPresent()) {
                return cleanup.get();
            }
        }
        return Decision.renew(s.slots(), steady);
    }
}
