package io.hapg.core.decision;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DeathEvidence;
import io.hapg.core.model.FastFailover;
import io.hapg.core.model.HeartbeatSeen;
import io.hapg.core.model.Leader;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.SyncState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Fast failover (issue #14 section 4, {@code FAST-FAILOVER.md}): whether a synchronous standby may
 * take the leader key before the leader's lease expires, because the leader is confirmed dead.
 * Pure: every input is in the situation, the heartbeat observation and the probe evidence.
 *
 * <p>Conditions, in the order checked (the first that fails answers {@link Outcome#NO}):
 * fast failover and synchronous mode on, not paused; another member holds the leader key; at least
 * 3 members; the {@code sync} key is current (written by the leader in its term) and names me; I
 * may fail over and run as a replica; the leader's heartbeat of its term has not moved for
 * T_early on my clock; no failsafe ping from it within {@code ttl}; no other member of
 * {@code sync} is further ahead than me. Then the evidence: my two fresh probes at least a probe
 * timeout apart and a strict majority of the other members (neither the leader nor me) found its
 * PostgreSQL not answering; an unreachable voter, or one whose latest fresh probe answered, counts
 * as alive. Missing evidence answers {@link Outcome#PROBE_LEADER}; complete evidence
 * {@link Outcome#TAKE_OVER_EARLY}. A fresh probe of mine that answered answers {@link Outcome#NO}
 * until it is no longer fresh. A probe is fresh when made after the heartbeat went stale and at
 * most T_early ago.
 *
 * <p>Called by {@link Decider} in section 10 (another member holds the key) when
 * {@code fast_failover} is in force ({@code DynamicConfig.fastFailover()}) and this node has
 * observed the heartbeat.
 */
final class EarlyTakeover {

    /** What the rule says. */
    enum Outcome {
        /** No early takeover: the usual decision applies. */
        NO,
        /** Everything but the death evidence holds: probe the leader (and ask the others to). */
        PROBE_LEADER,
        /** Every condition holds: take the key in one transaction, then promote. */
        TAKE_OVER_EARLY
    }

    /** The outcome and why, for the loop's reason line. */
    record Verdict(Outcome outcome, String reason) {
        /** The decision for a positive outcome (target: the leader); empty for {@link Outcome#NO}. */
        Optional<Decision> decision(String leader) {
            switch (outcome) {
                case PROBE_LEADER:
                    return Optional.of(Decision.of(Action.PROBE_LEADER, leader, reason));
                case TAKE_OVER_EARLY:
                    return Optional.of(Decision.of(Action.TAKE_OVER_EARLY, leader, reason));
                default:
                    return Optional.empty();
            }
        }
    }

    private EarlyTakeover() {
    }

    static Verdict evaluate(Situation s, FastFailover ff, HeartbeatSeen seen, DeathEvidence evidence) {
        Optional<String> refusal = preconditions(s, ff);
        if (refusal.isPresent()) {
            return no(refusal.get());
        }
        Leader leader = s.view().leader().orElseThrow();
        long now = s.now().monotonicNanos();
        long early = ff.earlyAfter().toNanos();
        if (!seen.writtenIn(leader)) {
            return no("no heartbeat of " + leader.name() + " seen in its term " + leader.term());
        }
        if (seen.stillFor(now) < early) {
            return no("the heartbeat of " + leader.name() + " moved " + millis(seen.stillFor(now)) + " ago");
        }
        Optional<String> late = s.local().failsafePing()
                .filter(p -> now - p.receivedAt() < s.dcs().ttl().toNanos())
                .map(p -> "a failsafe ping from " + p.leader() + " " + millis(now - p.receivedAt()) + " ago");
        if (late.isPresent()) {
            return no(late.get());
        }
        Optional<String> ahead = furtherAhead(s);
        if (ahead.isPresent()) {
            return no(ahead.get());
        }
        return judge(s, ff, leader, seen, evidence);
    }

    /** The conditions on configuration, keys and me; empty when they all hold. */
    private static Optional<String> preconditions(Situation s, FastFailover ff) {
        ClusterView view = s.view();
        if (!ff.enabled()) {
            return Optional.of("fast_failover is off");
        }
        if (!s.dcs().synchronousMode()) {
            return Optional.of("synchronous_mode is off");
        }
        if (s.dcs().pause()) {
            return Optional.of("paused");
        }
        Optional<Leader> leader = view.leader().filter(l -> !l.name().equals(s.me()));
        if (leader.isEmpty()) {
            return Optional.of("no other member holds the leader key");
        }
        Set<String> members = new TreeSet<>(view.members().keySet());
        members.add(leader.get().name());
        if (members.size() < 3) {
            return Optional.of("only " + members.size() + " members (at least 3)");
        }
        SyncState sync = view.sync();
        if (!sync.leader().equals(Optional.of(leader.get().name())) || sync.revision() <= leader.get().term()
                || !sync.syncStandbys().contains(s.me())) {
            return Optional.of("the sync key " + Reasons.describe(sync) + " (revision " + sync.revision()
                    + ") is not current for leader " + leader.get().name() + " in term " + leader.get().term()
                    + " naming me");
        }
        if (s.myTags().nofailover()) {
            return Optional.of(s.nofailoverWhy());
        }
        if (!s.db().isRunning() || s.db().isRunningPrimary()) {
            return Optional.of("PostgreSQL here is not a running replica");
        }
        return Optional.empty();
    }

    /** A member of {@code sync} further ahead than me, to defer to; empty when none is. */
    private static Optional<String> furtherAhead(Situation s) {
        Optional<Lsn> mine = s.db().walPosition();
        if (mine.isEmpty()) {
            return Optional.of("my WAL position is unknown");
        }
        for (String other : s.view().sync().syncStandbys()) {
            Optional<Lsn> theirs = s.view().member(other).filter(m -> !other.equals(s.me()))
                    .flatMap(Member::walPosition);
            if (theirs.isPresent() && theirs.get().isAfter(mine.get())) {
                return Optional.of("deferring to " + other + " at " + theirs.get() + ", ahead of me at " + mine.get());
            }
        }
        return Optional.empty();
    }

    /** The death evidence, once everything else holds. */
    private static Verdict judge(Situation s, FastFailover ff, Leader leader, HeartbeatSeen seen,
                                 DeathEvidence evidence) {
        long now = s.now().monotonicNanos();
        long early = ff.earlyAfter().toNanos();
        long staleSince = seen.movedAt() + early;
        List<LeaderProbe> fresh = evidence.about(leader) ? evidence.probes().stream()
                .filter(p -> p.at() >= staleSince && now - p.at() <= early).collect(Collectors.toList()) : List.of();
        Map<String, LeaderProbe.Outcome> latest = new LinkedHashMap<>();
        fresh.forEach(p -> latest.put(p.by(), p.outcome()));
        String stale = "the heartbeat of " + leader.name() + " has not moved for " + millis(seen.stillFor(now));
        if (latest.get(s.me()) == LeaderProbe.Outcome.ANSWERED) {
            return no(stale + ", but its PostgreSQL answered my probe");
        }
        List<Long> mine = fresh.stream().filter(p -> p.by().equals(s.me()) && p.outcome() == LeaderProbe.Outcome.NOT_ANSWERING)
                .map(LeaderProbe::at).collect(Collectors.toList());
        boolean twice = mine.size() >= 2 && mine.get(mine.size() - 1) - mine.get(0) >= ff.probeTimeout().toNanos();
        List<String> voters = s.otherMembers().stream().filter(n -> !n.equals(leader.name()))
                .collect(Collectors.toList());
        long down = voters.stream().filter(v -> latest.get(v) == LeaderProbe.Outcome.NOT_ANSWERING).count();
        boolean majority = down * 2 > voters.size();
        String tally = "my probes " + mine.size() + " not answering, " + down + " of " + voters.size()
                + " other members";
        if (twice && majority) {
            return new Verdict(Outcome.TAKE_OVER_EARLY, stale + " and its PostgreSQL is confirmed down (" + tally
                    + "): taking over before its lease expires");
        }
        return new Verdict(Outcome.PROBE_LEADER, stale + ": probing its PostgreSQL (" + tally + " so far)");
    }

    private static Verdict no(String why) {
        return new Verdict(Outcome.NO, "no early takeover: " + why);
    }

    private static String millis(long nanos) {
        return java.time.Duration.ofNanos(nanos).toMillis() + " ms";
    }
}
