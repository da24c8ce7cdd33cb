package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.SyncState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Section 7a, PostgreSQL down on the leader. Patroni {@code recover()}: restart in place
 * (PostgreSQL's crash recovery, no data lost; read-only, promoted by {@link Leading} once an
 * iteration finds the key still mine, so a new timeline) for up to
 * {@code primary_start_timeout}, then hand over if someone can take over. In synchronous mode with
 * a healthy synchronous standby, hand over at once when PostgreSQL stopped (no acknowledged commit
 * can be lost), and when it does not answer once that has lasted {@code retry_timeout}: one probe
 * answered late on a loaded machine is no reason for a failover and a rewind.
 */
final class PrimaryRecovery {

    private PrimaryRecovery() {
    }

    static Decision databaseDown(Situation s) {
        // The probe's own words (a timeout, "too many clients") tell the operator why it does not answer:
        // appended here, once, to whichever decision is taken.
        Decision d = decide(s);
        String probe = s.db().process() == ProcessState.UNRESPONSIVE && !s.db().detail().isBlank()
                ? " [probe: " + s.db().detail() + "]" : "";
        return probe.isEmpty() ? d : new Decision(d.action(), d.reason() + probe, d.target(), d.demoteMode(),
                d.syncStandbys(), d.slots());
    }

    private static Decision decide(Situation s) {
        LocalState local = s.local();
        List<String> candidates = s.failoverCandidates(Optional.empty());
        Duration timeout = s.dcs().primaryStartTimeout();
        long downNanos = local.primaryDownSince().isPresent()
                ? Math.max(0, s.now().monotonicNanos() - local.primaryDownSince().getAsLong()) : 0;
        String down = "PostgreSQL on the primary is " + s.processWord();
        if (!candidates.isEmpty()) {
            String who = " and a failover is possible (" + String.join(", ", candidates) + ")";
            Optional<String> syncStandby = healthySynchronousStandby(s);
            Duration patience = s.db().process() == ProcessState.UNRESPONSIVE ? s.dcs().retryTimeout() : Duration.ZERO;
            if (syncStandby.isPresent() && downNanos < patience.toNanos()) {
                return Decision.of(Action.WAIT, "waiting: " + down + " for " + Reasons.seconds(downNanos)
                        + " s, keeping the leader lock: synchronous standby " + syncStandby.get()
                        + " takes over if it lasts retry_timeout " + patience.toSeconds() + " s");
            }
            if (syncStandby.isPresent()) {
                String lasting = patience.isZero() ? "" : " for " + Reasons.seconds(downNanos) + " s";
                return Decision.demote(DemoteMode.HANDOVER, Optional.empty(), "handing over: " + down + lasting
                        + " and synchronous standby " + syncStandby.get()
                        + " is streaming: releasing the leader key (no acknowledged commit can be lost)");
            }
            if (timeout.isZero()) {
                return Decision.demote(DemoteMode.HANDOVER, Optional.empty(), "handing over: " + down
                        + ", primary_start_timeout is 0" + who + ": releasing the leader key");
            }
            if (downNanos > timeout.toNanos()) {
                return Decision.demote(DemoteMode.HANDOVER, Optional.empty(), "handing over: " + down + " for "
                        + Reasons.seconds(downNanos) + " s (primary_start_timeout " + timeout.toSeconds() + " s)"
                        + who + ": releasing the leader key");
            }
        }
        String progress = " (down " + Reasons.seconds(downNanos) + " s of primary_start_timeout "
                + timeout.toSeconds() + " s" + (candidates.isEmpty() ? "; no other member could take over" : "")
                + ")";
        if (s.db().process() == ProcessState.STOPPED) {
            return Decision.of(Action.RESTART_PRIMARY,
                    "restarting PostgreSQL as primary in place: it is stopped and I hold the lock" + progress);
        }
        return Decision.of(Action.WAIT, "waiting: " + down + ", keeping the leader lock" + progress);
    }

    /** A member in the sync key I published, running and streaming: it has every acknowledged commit. */
    private static Optional<String> healthySynchronousStandby(Situation s) {
        ClusterView view = s.view();
        SyncState sync = view.sync();
        if (!s.dcs().synchronousMode() || !sync.leader().equals(Optional.of(s.me()))) {
            return Optional.empty();
        }
        return sync.syncStandbys().stream()
                .filter(name -> view.member(name).map(SyncStandbys::isStreaming).orElse(false))
                .filter(name -> !view.member(name).get().tags().nofailover())
                .findFirst();
    }
}
