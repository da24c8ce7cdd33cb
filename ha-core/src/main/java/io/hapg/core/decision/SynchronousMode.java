package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.SyncState;
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
        List<String> desired = desired(s);
        if (s.dcs().synchronousModeStrict() && desired.isEmpty()) {
            // Strict: commits block rather than go standalone, so keep the key and the setting. Only a
            // key still naming the previous leader is claimed, with nobody else allowed to promote.
            if (!keyIsMine) {
                return Optional.of(Decision.sync(Action.WRITE_SYNC_KEY, List.of(), "sync: claiming the sync key "
                        + Reasons.describe(key) + " with no standbys (synchronous_mode_strict, none streaming)"));
            }
            return Optional.empty();
        }
        // A name may stay in the key only if it is wanted and (when the key is not mine yet) already
        // in my setting: the key never names a standby my commits do not wait for.
        Set<String> keepable = new LinkedHashSet<>(desired);
        if (!keyIsMine) {
            keepable.retainAll(setting);
        }
        List<String> kept = SyncStandbys.retain(key.syncStandbys(), keepable);
        if (kept.size() != key.syncStandbys().size()) {
            List<String> dropped = new ArrayList<>(key.syncStandbys());
            dropped.removeAll(kept);
            return Optional.of(Decision.sync(Action.WRITE_SYNC_KEY, kept, "sync: removing "
                    + String.join(", ", dropped) + " from the sync key before dropping it from synchronous_standby_names"));
        }
        if (!SyncStandbys.sameMembers(setting, desired)) {
            return Optional.of(Decision.sync(Action.SET_SYNC_STANDBYS, desired, "sync: setting "
                    + "synchronous_standby_names to " + desired + " (was " + setting + ")"
                    + (desired.isEmpty() ? ": no standby streaming, running standalone" : "")));
        }
        if (!keyIsMine || !SyncStandbys.sameMembers(key.syncStandbys(), desired)) {
            return Optional.of(Decision.sync(Action.WRITE_SYNC_KEY, desired, "sync: publishing " + desired
                    + " in the sync key (was " + Reasons.describe(key) + ")"));
        }
        return Optional.empty();
    }

    /** Who should be synchronous now; the current ones (setting, and the key if mine) are preferred. */
    static List<String> desired(Situation s) {
        ClusterView view = s.view();
        Set<String> current = new LinkedHashSet<>(s.db().synchronousStandbys());
        if (view.sync().leader().equals(Optional.of(s.me()))) {
            current.addAll(view.sync().syncStandbys());
        }
        return SyncStandbys.desired(view, s.db(), s.me(), s.dcs().synchronousNodeCount(), current);
    }

    /** synchronous_mode is off: undo it in the same safe order (key first, then the setting). */
    static Optional<Decision> cleanup(Situation s) {
        SyncState key = s.view().sync();
        List<String> setting = s.db().synchronousStandbys();
        if (!key.syncStandbys().isEmpty()) {
            return Optional.of(Decision.sync(Action.WRITE_SYNC_KEY, List.of(), "sync: synchronous_mode is off: "
                    + "removing " + String.join(", ", key.syncStandbys()) + " from the sync key"));
        }
        if (!setting.isEmpty()) {
            return Optional.of(Decision.sync(Action.SET_SYNC_STANDBYS, List.of(), "sync: synchronous_mode is off: "
                    + "clearing synchronous_standby_names " + setting));
        }
        return Optional.empty();
    }
}
