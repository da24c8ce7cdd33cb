package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.SyncState;
import io.hapg.core.model.SynchronousStandbyNames;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Section 9b, synchronous standbys, as the leader. The ordering contract that keeps acknowledged
 * commits safe: a standby is added to {@code synchronous_standby_names} before it is published in
 * the sync key (only then may it promote), and removed from the sync key before it leaves the
 * setting. One step per iteration; the set arithmetic is in {@link SyncStandbys}.
 */
final class SynchronousMode {

    private SynchronousMode() {
    }

    /** The next step towards the desired synchronous standbys; empty when key and setting agree. */
    static Optional<Decision> step(Situation s) {
        SyncState key = s.view().sync();
        boolean keyIsMine = key.leader().equals(Optional.of(s.me()));
        List<String> setting = s.db().synchronousStandbys();
        SynchronousStandbyNames form = s.db().synchronousSetting();
        List<String> desired = desired(s);
        if (s.dcs().synchronousModeStrict() && desired.isEmpty()) {
            // Strict: commits block rather than go standalone, so keep the key and the setting. Only a
            // key still naming the previous leader is claimed, with nobody else allowed to promote.
            if (!keyIsMine) {
                return Optional.of(Decision.sync(Action.WRITE_SYNC_KEY, List.of(), "sync: claiming the sync key "
                        + Reasons.describe(key) + " with no standbys (synchronous_mode_strict, none streaming)"));
            }
            if (form.names().isEmpty()) {
                // An empty setting lets every commit through unreplicated: strict switched on while
                // running alone, or promoted with an empty setting. Patroni waits on its placeholder.
                return Optional.of(Decision.sync(Action.SET_SYNC_STANDBYS, List.of(), "sync: setting "
                        + "synchronous_standby_names to the strict placeholder (was " + form + "): "
                        + "synchronous_mode_strict and no standby streaming, commits wait"));
            }
            return Optional.empty();
        }
        // A name may stay in the key only if it is wanted and my setting makes every commit wait for
        // it (hapg's form; ANY 1 (a, b) or a hand-cleared setting waits for no one in particular):
        // the key never names a standby my commits do not wait for.
        Set<String> keepable = new LinkedHashSet<>(desired);
        keepable.retainAll(form.isAllOf(setting) ? setting : List.of());
        List<String> kept = SyncStandbys.retain(key.syncStandbys(), keepable);
        if (kept.size() != key.syncStandbys().size()) {
            List<String> dropped = new ArrayList<>(key.syncStandbys());
            dropped.removeAll(kept);
            return Optional.of(Decision.sync(Action.WRITE_SYNC_KEY, kept, "sync: removing "
                    + String.join(", ", dropped) + " from the sync key before dropping it from synchronous_standby_names"
                    + lagNote(s, dropped)));
        }
        if (!form.isAllOf(desired)) {
            // The whole form counts, not just the names: ANY 1 (a, b) or a plain list (FIRST 1) names
            // the right standbys but lets a commit through with fewer of them.
            return Optional.of(Decision.sync(Action.SET_SYNC_STANDBYS, desired, "sync: setting "
                    + "synchronous_standby_names to " + desired + " (was " + describe(form, setting) + ")"
                    + (desired.isEmpty() ? ": no standby streaming, running standalone" : "")
                    + lagNote(s, setting)));
        }
        List<String> publishable = publishable(s, desired);
        if (!keyIsMine || !SyncStandbys.sameMembers(key.syncStandbys(), publishable)) {
            return Optional.of(Decision.sync(Action.WRITE_SYNC_KEY, publishable, "sync: publishing " + publishable
                    + " in the sync key (was " + Reasons.describe(key) + ")" + waitingFor(desired, publishable)));
        }
        return Optional.empty();
    }

    /** The desired standbys that may be in the key now ({@link SyncStandbys#ready}). */
    private static List<String> publishable(Situation s, List<String> desired) {
        SyncState key = s.view().sync();
        return SyncStandbys.ready(desired, s.db(),
                key.leader().equals(Optional.of(s.me())) ? key.syncStandbys() : List.of());
    }

    /**
     * For the steady reason line: the desired standbys that are in the setting but not yet in the
     * key because they have not caught up; empty when none waits.
     */
    static String pending(Situation s) {
        List<String> desired = desired(s);
        return waitingFor(desired, publishable(s, desired));
    }

    /** Why a wanted standby is not in the key yet, for the reason line; empty when none waits. */
    private static String waitingFor(List<String> desired, List<String> publishable) {
        List<String> waiting = new ArrayList<>(desired);
        waiting.removeAll(publishable);
        return waiting.isEmpty() ? "" : "; " + String.join(", ", waiting) + " not yet synchronous and caught up with "
                + "the flush position of the last synchronous_standby_names change";
    }

    private static String describe(SynchronousStandbyNames form, List<String> names) {
        return form.isAllOf(names) ? names.toString() : names + ", as " + form;
    }

    /** Who should be synchronous now; the current ones (setting, and the key if mine) are preferred. */
    static List<String> desired(Situation s) {
        ClusterView view = s.view();
        Set<String> current = new LinkedHashSet<>(s.db().synchronousStandbys());
        if (view.sync().leader().equals(Optional.of(s.me()))) {
            current.addAll(view.sync().syncStandbys());
        }
        return SyncStandbys.desired(view, s.db(), s.me(), s.dcs().synchronousNodeCount(), current,
                s.dcs().maximumLagOnSyncnode());
    }

    /**
     * For a reason line that drops standbys: which of {@code names} lag beyond
     * {@code maximum_lag_on_syncnode}, and by how much; empty when none does.
     */
    private static String lagNote(Situation s, List<String> names) {
        long maxLag = s.dcs().maximumLagOnSyncnode();
        List<String> notes = new ArrayList<>();
        SyncStandbys.lagging(s.view(), s.db(), s.me(), maxLag).forEach((name, lag) -> {
            if (names.contains(name)) {
                notes.add(name + " lags " + lag + " bytes");
            }
        });
        return notes.isEmpty() ? "" : " (" + String.join(", ", notes) + ", more than maximum_lag_on_syncnode "
                + maxLag + ")";
    }

    /** synchronous_mode is off: undo it in the same safe order (key first, then the setting). */
    static Optional<Decision> cleanup(Situation s) {
        SyncState key = s.view().sync();
        SynchronousStandbyNames setting = s.db().synchronousSetting();
        if (!key.syncStandbys().isEmpty()) {
            return Optional.of(Decision.sync(Action.WRITE_SYNC_KEY, List.of(), "sync: synchronous_mode is off: "
                    + "removing " + String.join(", ", key.syncStandbys()) + " from the sync key"));
        }
        if (!setting.names().isEmpty()) {
            return Optional.of(Decision.sync(Action.SET_SYNC_STANDBYS, List.of(), "sync: synchronous_mode is off: "
                    + "clearing synchronous_standby_names " + describe(setting, setting.names())));
        }
        return Optional.empty();
    }
}
