package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.ReceivedWal;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Patroni's {@code primary_race_backoff} ({@code Ha.process_unhealthy_cluster}): the leader key is
 * gone, yet WAL still streams into this replica, so the primary probably still runs and only its
 * agent is stuck (a long pause, a hung DCS call). The replica does not race yet, for at most
 * {@code primary_race_backoff} seconds from when the back-off first held it; then it races anyway.
 *
 * <p>As in Patroni:
 * <ul>
 *   <li>0 (the default) turns it off; it never applies in maintenance mode ({@code pause}), in a
 *       standby cluster, or while a failover request names a candidate (a switchover or manual
 *       failover must not wait);</li>
 *   <li>"moved" means WAL arrived within the last {@code loop_wait}: the receive LSN changed at
 *       a probe less than {@code loop_wait} ago ({@link ReceivedWal}). Patroni compares the larger
 *       of receive and replay with the previous iteration's ({@code _prev_wal_lsn}) and asks that
 *       the WAL receiver be {@code streaming}; only streaming moves the receive LSN, so both say
 *       "WAL from the primary arrived since the last loop". Different on purpose: two iterations
 *       can run milliseconds apart (a wake-up by a watch event or a peer's answer), too close for
 *       a primary committing every 100 ms to show anything, and Patroni's comparison would then
 *       call a live primary dead;</li>
 *   <li>for the first {@code loop_wait} after the back-off began the node waits even when nothing
 *       moved: the key may have expired just after the previous probe, leaving no time for WAL to
 *       show up (Patroni: {@code time_left > primary_race_backoff - loop_wait});</li>
 *   <li>the start time is kept while the key stays absent (a lost race, a later iteration) and
 *       cleared once a leader key is seen again ({@code load_cluster_from_dcs}).</li>
 * </ul>
 * Different on purpose: it holds back replicas only. A PostgreSQL that already runs as primary
 * takes the free key at once ({@link LeaderRace}); it is the primary the back-off waits for.
 *
 * <p>With hapg's fence: a primary whose agent freezes is fenced by {@code hapg-fence-<member>}
 * (and a stuck loop by the in-process lease watchdog) before its lease, and with it the leader
 * key, expires, so by the time replicas see the key gone its WAL has stopped and the back-off
 * lets them race after one {@code loop_wait}. It holds a race back for longer only where
 * PostgreSQL outlives the key: {@code watchdog.mode: off} with the agent frozen or killed, or a
 * key deleted by hand. There it trades failover time for fewer false failovers, and after
 * {@code primary_race_backoff} a replica promotes while the old primary may still accept commits,
 * exactly as in Patroni without a watchdog.
 */
public final class PrimaryRaceBackoff {

    private PrimaryRaceBackoff() {
    }

    /**
     * When the back-off began, for the next {@link LocalState}: cleared while a leader key exists,
     * started at {@code nowNanos} the first time it applies to a leaderless view, else unchanged.
     *
     * @param view the cluster as read this iteration
     * @param dcs  the dynamic configuration in force
     * @param next this iteration's local state, its database probe and received position set
     */
    public static OptionalLong since(ClusterView view, DynamicConfig dcs, LocalState next, long nowNanos) {
        if (view.leader().isPresent()) {
            return OptionalLong.empty();
        }
        if (next.primaryRaceBackoffSince().isPresent() || !applies(view, dcs, next)) {
            return next.primaryRaceBackoffSince();
        }
        return OptionalLong.of(nowNanos);
    }

    /**
     * How long until the back-off is over, when it began and has not run out yet: the loop sleeps
     * no longer than that, so the race comes on time rather than up to a {@code loop_wait} late
     * (Patroni's {@code Ha.watch} shortens its timeout the same way).
     */
    public static OptionalLong nanosLeft(LocalState local, DynamicConfig dcs, long nowNanos) {
        OptionalLong since = local.primaryRaceBackoffSince();
        if (since.isEmpty()) {
            return OptionalLong.empty();
        }
        long left = since.getAsLong() + dcs.primaryRaceBackoff().toNanos() - nowNanos;
        return left > 0 ? OptionalLong.of(left) : OptionalLong.empty();
    }

    /** Why this leaderless replica does not race yet, if the back-off holds it back. */
    static Optional<Decision> holdsBack(Situation s) {
        DynamicConfig dcs = s.dcs();
        LocalState local = s.local();
        OptionalLong since = local.primaryRaceBackoffSince();
        if (since.isEmpty() || !applies(s.view(), dcs, local)) {
            return Optional.empty();
        }
        long elapsed = s.now().monotonicNanos() - since.getAsLong();
        long backoff = dcs.primaryRaceBackoff().toNanos();
        String limit = "primary_race_backoff " + dcs.primaryRaceBackoff().toSeconds() + " s";
        long loopWait = dcs.loopWait().toNanos();
        ReceivedWal received = local.received().orElseThrow();
        long still = received.stillForNanos(s.now().monotonicNanos());
        if (elapsed < backoff && still < loopWait) {
            return Optional.of(LeaderRace.notRacing("my (" + s.me() + ") WAL position moved since the last heart "
                    + "beat loop (received up to " + received.lsn() + " " + Duration.ofNanos(still).toMillis()
                    + " ms ago, less than loop_wait " + dcs.loopWait().toSeconds() + " s): the primary may still"
                    + " run; " + secondsUp(backoff - elapsed) + " s until the leader race (" + limit + ")"));
        }
        if (elapsed < loopWait) {
            return Optional.of(LeaderRace.notRacing("the leader key went away " + Reasons.seconds(elapsed)
                    + " s ago, less than loop_wait (" + dcs.loopWait().toSeconds() + " s): waiting a loop to see"
                    + " whether my WAL position still moves (" + limit + ")"));
        }
        return Optional.empty();
    }

    /** Patroni's gate: on, not paused, no standby cluster, no named candidate, a received position. */
    private static boolean applies(ClusterView view, DynamicConfig dcs, LocalState local) {
        DatabaseState db = local.database();
        return !dcs.primaryRaceBackoff().isZero() && !dcs.pause() && dcs.standbyCluster().isEmpty()
                && view.failover().flatMap(FailoverRequest::candidate).isEmpty()
                && local.received().isPresent() && db.isRunning() && !db.isRunningPrimary();
    }

    private static long secondsUp(long nanos) {
        return (nanos + Duration.ofSeconds(1).toNanos() - 1) / Duration.ofSeconds(1).toNanos();
    }
}
