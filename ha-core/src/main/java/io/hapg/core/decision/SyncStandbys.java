package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.ReplicationPeer;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Pure set arithmetic behind the synchronous-replication rule ({@link SynchronousMode}): which
 * standbys the primary wants as synchronous, and the next safe step towards them. Kept apart so
 * the rule reads as the ordering contract and nothing else.
 */
final class SyncStandbys {

    private SyncStandbys() {
    }

    /**
     * The synchronous standbys the primary {@code me} wants: up to {@code count} members that stream
     * from it right now ({@code pg_stat_replication} state {@code streaming}, application_name = a
     * member name, no {@code nosync} tag) and do not lag by more than {@code maxLag}. A higher
     * {@code sync_priority} tag comes first (Patroni sorts by priority, then sync state, then
     * position); among equals, current synchronous standbys, so a healthy standby is never swapped
     * for one that is a few bytes further ahead (each swap is two store writes and a reload); then
     * the most advanced by flush position; then by name, for a stable order.
     *
     * <p>{@code maxLag} is Patroni's {@code maximum_lag_on_syncnode} ({@code sync.py current_state}):
     * above 0, a standby whose flush position is more than {@code maxLag} bytes behind the furthest
     * flush position among those standbys (with only one, behind the primary's WAL position) is not
     * wanted, even when it is synchronous now, so a hung standby is replaced by a healthy one; 0 or
     * less never excludes anyone. With several standbys the furthest never lags itself, so the rule
     * never leaves the primary without a standby while one streams, as Patroni documents.
     *
     * @param current the names that are synchronous now (the setting, and the sync key if it is mine)
     */
    static List<String> desired(ClusterView view, DatabaseState db, String me, int count, Set<String> current,
                                long maxLag) {
        Comparator<ReplicationPeer> order = Comparator
                .comparing((ReplicationPeer p) -> syncPriority(view, p), Comparator.reverseOrder())
                .thenComparing((ReplicationPeer p) -> !current.contains(p.applicationName()))
                .thenComparing(SyncStandbys::flushed, Comparator.reverseOrder())
                .thenComparing(ReplicationPeer::applicationName);
        Map<String, Long> lagging = lagging(view, db, me, maxLag);
        return eligible(view, db, me).stream()
                .filter(p -> !lagging.containsKey(p.applicationName()))
                .sorted(order)
                .map(ReplicationPeer::applicationName)
                .distinct()
                .limit(count)
                .collect(Collectors.toList());
    }

    /**
     * The streaming standbys that lag by more than {@code maxLag} bytes
     * ({@code maximum_lag_on_syncnode}, see {@link #desired}), with their lag; empty when
     * {@code maxLag} is 0 or less.
     */
    static Map<String, Long> lagging(ClusterView view, DatabaseState db, String me, long maxLag) {
        List<ReplicationPeer> eligible = eligible(view, db, me);
        Map<String, Long> out = new TreeMap<>();
        if (maxLag <= 0) {
            return out;
        }
        Lsn furthest = eligible.size() > 1
                ? eligible.stream().map(SyncStandbys::flushed).max(Comparator.naturalOrder()).orElseThrow()
                : db.writeLsn().orElse(Lsn.ZERO);
        for (ReplicationPeer p : eligible) {
            long lag = furthest.minus(flushed(p));
            if (lag > maxLag) {
                out.put(p.applicationName(), lag);
            }
        }
        return out;
    }

    /** The standbys that could be synchronous: streaming from me, named as members, no nosync tag. */
    private static List<ReplicationPeer> eligible(ClusterView view, DatabaseState db, String me) {
        return db.replication().stream()
                .filter(ReplicationPeer::isStreaming)
                .filter(p -> !p.applicationName().equals(me))
                .filter(p -> view.member(p.applicationName()).map(m -> !m.tags().nosync()).orElse(false))
                .collect(Collectors.toList());
    }

    private static int syncPriority(ClusterView view, ReplicationPeer p) {
        return view.member(p.applicationName()).map(m -> m.tags().syncPriority()).orElse(0);
    }

    private static Lsn flushed(ReplicationPeer p) {
        return p.flushLsn().orElse(Lsn.ZERO);
    }

    /**
     * The names of {@code desired} that may be published in the sync key now (Patroni's replica
     * readiness, {@code sync.py}): those a key of mine already names (they were ready when
     * published, and every commit since has waited for them), and those {@code pg_stat_replication}
     * shows {@code sync} with a flush position at or past the primary's flush position when
     * {@code synchronous_standby_names} last changed. Until then a new standby may lack commits
     * that were acknowledged through the standby it replaces, or while the primary ran standalone.
     * Without a known change position only the names already published qualify.
     */
    static List<String> ready(List<String> desired, DatabaseState db, List<String> published) {
        return desired.stream()
                .filter(name -> published.contains(name) || db.replication().stream()
                        .anyMatch(p -> p.applicationName().equals(name) && caughtUp(p, db)))
                .collect(Collectors.toList());
    }

    private static boolean caughtUp(ReplicationPeer p, DatabaseState db) {
        return "sync".equals(p.syncState()) && flushedSinceChange(p, db);
    }

    private static boolean flushedSinceChange(ReplicationPeer p, DatabaseState db) {
        return db.syncChangeLsn().isPresent() && p.flushLsn().isPresent()
                && p.flushLsn().get().compareTo(db.syncChangeLsn().get()) >= 0;
    }

    /**
     * Quorum commit's {@code numsync_confirmed} (Patroni {@code sync.py}): how many of {@code names}
     * {@code pg_stat_replication} shows as {@code quorum} (or {@code sync}) standbys whose flush
     * position reached the primary's flush position at the last change of the setting; 0 when
     * that position is unknown.
     */
    static int confirmed(DatabaseState db, Set<String> names) {
        return (int) db.replication().stream()
                .filter(p -> names.contains(p.applicationName()))
                .filter(p -> "quorum".equals(p.syncState()) || "sync".equals(p.syncState()))
                .filter(p -> flushedSinceChange(p, db))
                .map(ReplicationPeer::applicationName)
                .distinct()
                .count();
    }

    /** {@code list} without the names not in {@code keep}, order preserved. */
    static List<String> retain(List<String> list, Set<String> keep) {
        return list.stream().filter(keep::contains).collect(Collectors.toList());
    }

    /** Whether the two lists name the same members, ignoring order. */
    static boolean sameMembers(List<String> a, List<String> b) {
        return new LinkedHashSet<>(a).equals(new LinkedHashSet<>(b));
    }

    /** Whether the member streams from the primary as a healthy synchronous standby could. */
    static boolean isStreaming(Member m) {
        return m.isRunning() && m.replicationState().map("streaming"::equals).orElse(false);
    }
}
