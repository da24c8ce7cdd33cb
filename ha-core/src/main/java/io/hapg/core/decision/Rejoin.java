package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import java.util.Optional;

/**
 * Sections 7b and 10: a member that is not the leader starts, rewinds or follows. Replicas stream
 * from the leader (or their {@code replicatefrom} member); a former primary that wrote past the
 * point where the new leader's timeline forked must be rewound (or re-cloned) first, or it could
 * never stream.
 */
final class Rejoin {
    private static final String ARCHIVE_ONLY = " (nostream tag): replaying WAL from the archive (restore_command);"
            + " leader is ";

    private Rejoin() {
    }

    /** Section 7b: PostgreSQL is down and I am not the leader. */
    static Decision databaseDown(Situation s) {
        ClusterView view = s.view();
        if (s.db().process() != ProcessState.STOPPED) {
            return Decision.of(Action.WAIT, "waiting: PostgreSQL is " + s.processWord());
        }
        if (view.leader().isEmpty()) {
            return Decision.of(Action.START_REPLICA,
                    "starting PostgreSQL read-only: no leader (I will race once it runs)");
        }
        String leader = view.leader().get().name();
        Optional<Decision> notYet = beforeStreaming(s, leader, "yet");
        if (notYet.isPresent()) {
            return notYet.get();
        }
        if (s.myTags().nostream()) {
            return Decision.of(Action.START_REPLICA, "starting PostgreSQL as a replica that does not stream"
                    + ARCHIVE_ONLY + leader + keptDiverged(s, leader));
        }
        String source = s.replicationSource().orElse(leader);
        return Decision.of(Action.START_REPLICA, source, "starting PostgreSQL as a replica of "
                + Reasons.describeSource(source, leader) + keptDiverged(s, leader));
    }

    /**
     * Section 10: another member holds the key. Exactly one primary: a running primary that is not
     * the key holder demotes at once.
     */
    static Decision following(Situation s) {
        ClusterView view = s.view();
        LocalState local = s.local();
        String leader = view.leader().get().name();
        if (s.db().isRunningPrimary()) {
            return Decision.demote(DemoteMode.IMMEDIATE, Optional.of(leader), "demoting: " + leader
                    + " holds the leader key but PostgreSQL runs as primary here");
        }
        Optional<Decision> notYet = beforeStreaming(s, leader, "to follow yet");
        if (notYet.isPresent()) {
            return notYet.get();
        }
        if (s.myTags().nostream()) {
            return archiveOnly(s, leader);
        }
        String source = s.replicationSource().orElse(leader);
        if (!local.following().equals(Optional.of(source))) {
            return Decision.of(Action.FOLLOW, source, "following " + Reasons.describeSource(source, leader)
                    + local.following().map(old -> " (was streaming from " + old + ")").orElse("")
                    + keptDiverged(s, leader));
        }
        String kept = keptDiverged(s, leader);
        if (!kept.isEmpty()) {
            return Decision.of(Action.NONE, "no action: following " + Reasons.describeSource(source, leader) + kept);
        }
        return FailoverSlots.copyOrKeep(s, s.replicaSlots(), leader, "no action: streaming from "
                + Reasons.describeSource(source, leader));
    }

    /**
     * A running replica tagged {@code nostream} streams from nobody, as Patroni's
     * {@code _get_node_to_follow} returns None for it: no {@code primary_conninfo}, no
     * {@code primary_slot_name}; WAL comes from {@code restore_command} (and {@code pg_wal}). A
     * FOLLOW without target rewrites the settings so, once: when the agent configured a stream, or
     * has not configured this PostgreSQL itself yet (it may have been started streaming).
     */
    private static Decision archiveOnly(Situation s, String leader) {
        LocalState local = s.local();
        if (local.following().isPresent() || !local.upstreamKnown()) {
            return Decision.of(Action.FOLLOW, "not streaming" + ARCHIVE_ONLY + leader
                    + local.following().map(old -> " (was streaming from " + old + ")").orElse("")
                    + keptDiverged(s, leader));
        }
        String kept = keptDiverged(s, leader);
        if (!kept.isEmpty()) {
            return Decision.of(Action.NONE, "no action: not streaming" + ARCHIVE_ONLY + leader + kept);
        }
        return FailoverSlots.copyOrKeep(s, s.replicaSlots(), leader, "no action: not streaming" + ARCHIVE_ONLY
                + leader);
    }

    /** WAIT while the leader has no member record, or a rewind if I diverged; empty when I can stream. */
    private static Optional<Decision> beforeStreaming(Situation s, String leader, String noRecordYet) {
        Optional<Member> leaderMember = s.view().leaderMember();
        if (leaderMember.isEmpty()) {
            return Optional.of(Decision.of(Action.WAIT, "waiting: leader " + leader + " has no member record "
                    + noRecordYet));
        }
        return rewindIfDiverged(s, leaderMember.get());
    }

    /**
     * REWIND or REINITIALIZE when I diverged from the leader (see {@link #divergence}). Patroni's
     * policy ({@code ha.py _handle_rewind_or_reinitialize}, {@code rewind.py execute}): pg_rewind
     * when {@code use_pg_rewind} is on and it has not failed; otherwise re-clone only when
     * {@code remove_data_directory_on_diverged_timelines} (or, after a failed pg_rewind,
     * {@code ..._on_rewind_failure}) says so. Else empty: the node keeps its data and runs as a
     * replica that cannot stream until an operator reinitializes it ({@link #keptDiverged}).
     */
    private static Optional<Decision> rewindIfDiverged(Situation s, Member leader) {
        Optional<String> why = divergence(s, leader);
        if (why.isEmpty()) {
            return Optional.empty();
        }
        boolean rewindFailed = s.local().rewindFailed();
        if (!s.dcs().usePgRewind()) {
            return s.self().dataRemoval().onDivergedTimelines()
                    ? Optional.of(reinitialize(s, leader.name(), "diverged (" + why.get() + ") and use_pg_rewind is off"))
                    : Optional.empty();
        }
        if (rewindFailed) {
            return s.self().dataRemoval().afterRewindFailure()
                    ? Optional.of(reinitialize(s, leader.name(), "diverged (" + why.get()
                            + ") and the last pg_rewind failed"))
                    : Optional.empty();
        }
        return Optional.of(Decision.of(Action.REWIND, leader.name(),
                "rewinding from " + leader.name() + ": diverged (" + why.get() + ")"));
    }

    /** A re-clone from where Patroni's {@code _do_reinitialize} copies: {@link CloneSource}. */
    private static Decision reinitialize(Situation s, String leader, String why) {
        String source = CloneSource.choose(s.view(), s.me()).orElse(leader);
        return Decision.of(Action.REINITIALIZE, source, "re-cloning from " + CloneSource.describe(source, leader)
                + ": " + why);
    }

    /**
     * What to add to a start or follow reason when I diverged from the leader and keep my data
     * (no pg_rewind possible, no data removal configured): the node cannot stream, and says how an
     * operator gets it back. Empty when I did not diverge.
     */
    private static String keptDiverged(Situation s, String leader) {
        Optional<Member> member = s.view().leaderMember().filter(m -> m.name().equals(leader));
        Optional<String> why = member.flatMap(m -> divergence(s, m));
        if (why.isEmpty()) {
            return "";
        }
        String cause = !s.dcs().usePgRewind()
                ? "use_pg_rewind is off and remove_data_directory_on_diverged_timelines is false"
                : "the last pg_rewind failed and remove_data_directory_on_rewind_failure is false";
        return " (diverged: " + why.get() + "; " + cause + ": keeping the data directory, this replica cannot"
                + " stream until reinitialized: hactl reinit or POST /reinitialize)";
    }

    /**
     * Why I diverged, when my timeline is behind the leader's and my WAL goes past the point where
     * my timeline ended in {@code history}. A primary that crashed (no clean shutdown) cannot know
     * its end of WAL from the control file: pg_rewind decides then (it reports "no rewind required"
     * when there is nothing to do), but without pg_rewind we never wipe data on a guess. A replica that
     * crashed wrote no WAL of its own: its minimum recovery point is its position (Patroni's rule), and
     * should it replay past the fork once started, the running check here catches it.
     */
    private static Optional<String> divergence(Situation s, Member leader) {
        DatabaseState db = s.db();
        int mine = db.timeline();
        int theirs = Math.max(leader.timeline(), s.view().clusterTimeline());
        if (mine <= 0 || mine >= theirs) {
            return Optional.empty();
        }
        Optional<Lsn> fork = s.view().history().stream().filter(h -> h.timeline() == mine).map(HistoryEntry::lsn)
                .reduce((first, last) -> last);
        Optional<Lsn> position = db.walPosition();
        String at = "my timeline " + mine + " is behind leader " + leader.name() + "'s timeline " + theirs;
        if (fork.isPresent() && position.isPresent() && position.get().isAfter(fork.get())) {
            return Optional.of(at + " and my WAL (" + position.get() + ") goes past where timeline " + mine
                    + " ended (" + fork.get() + ")");
        }
        if (fork.isPresent() && db.process() == ProcessState.STOPPED && !db.cleanShutdown()
                && !db.crashedInRecovery() && s.dcs().usePgRewind() && !s.local().rewindFailed()) {
            return Optional.of(at + " and PostgreSQL was not shut down cleanly (end of WAL unknown, timeline " + mine
                    + " ended at " + fork.get() + ")");
        }
        return Optional.empty();
    }
}
