package io.hapg.core.internal;

import io.hapg.core.config.HaConfig;
import io.hapg.core.decision.Decision;
import io.hapg.core.decision.DemoteMode;
import io.hapg.core.decision.ShutdownCheckpoint;
import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.HeartbeatSeen;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.Leader;
import io.hapg.core.model.LocalSlots;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.PeerStatus;
import io.hapg.core.model.PermanentSlot;
import io.hapg.core.model.RaceBackoff;
import io.hapg.core.model.Role;
import io.hapg.core.model.StandbyCluster;
import io.hapg.core.model.SyncState;
import io.hapg.core.spi.ClusterKey;
import io.hapg.core.spi.Consensus;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.spi.PeerClient;
import io.hapg.core.spi.PrePromoteHook;
import io.hapg.core.spi.RoleChange;
import io.hapg.core.spi.SourceUnavailableException;
import io.hapg.core.spi.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries a {@link Decision} out through the SPIs. Quick steps (lease calls, compare-and-set
 * writes, an immediate stop for fencing) run on the loop thread; slow ones (initdb, clone,
 * promote, rewind, start) run on this runner's single named executor
 * ({@code ha-action-<member>}) while the loop keeps renewing the lease. A slow action hands its
 * result back as a {@link Effect} that the loop thread applies, so only the loop writes state.
 */
final class ActionRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ActionRunner.class);
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(2);
    private static final String PROMOTE = "promote";

    private final HaConfig config;
    private final Consensus consensus;
    private final DatabaseNode database;
    private final TimeSource time;
    private final PeerClient peers;
    private final PrePromoteHook prePromote;
    private final LeaseDeadline lease;
    private final Runnable wakeLoop;
    private final ExecutorService executor;
    private final LeaderKeys leaderKeys;
    private final EarlyFailover early;
    private Future<Effect> inFlight;
    private String inFlightWhat = "";

    ActionRunner(HaConfig config, Consensus consensus, DatabaseNode database, TimeSource time, PeerClient peers,
                 PrePromoteHook prePromote, LeaseWatchdog watchdog, Runnable wakeLoop, EarlyFailover early) {
        this.config = config;
        this.consensus = consensus;
        this.database = database;
        this.time = time;
        this.peers = peers;
        this.prePromote = prePromote;
        this.lease = new LeaseDeadline(time, watchdog);
        this.wakeLoop = wakeLoop;
        this.leaderKeys = new LeaderKeys(config, consensus, database);
        this.early = early;
        this.executor = Executors.newSingleThreadExecutor(r -> ListenerDispatcher.daemon(r,
                "ha-action-" + config.name()));
    }

    /**
     * The slow action still running, or finished but whose outcome the loop has not taken yet:
     * until {@link #takeFinished()} applied it, deciding again would act on stale state.
     */
    Optional<String> inProgress() {
        return inFlight != null ? Optional.of(inFlightWhat) : Optional.empty();
    }

    /** The result of a slow action that finished since the last call, if any. Loop thread only. */
    Optional<Effect> takeFinished() {
        if (inFlight == null || !inFlight.isDone()) {
            return Optional.empty();
        }
        Future<Effect> done = inFlight;
        inFlight = null;
        try {
            return Optional.of(done.get());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException
                    && e.getCause().getCause() != null ? e.getCause().getCause() : e.getCause();
            LOG.warn("{}/{}: {} failed: {}", config.scope(), config.name(), inFlightWhat, cause.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (CancellationException e) {
            return Optional.empty();
        }
    }

    Effect execute(Decision decision, ClusterView view, LocalState local) {
        long now = time.nanoTime();
        DynamicConfig dynamic = view.effectiveConfig(config.bootstrapDcs());
        // The lease must live as long as the deadline below believes: the same ttl for both.
        consensus.setTtl(dynamic.ttl());
        boolean holder = view.isLeader(config.name()) || local.holdsLease(now);
        if (decision.action().keepsLease() && holder && local.consensusReachable()) {
            Effect renewed = renew(local, dynamic);
            if (!renewed.leaseDeadline().map(OptionalLong::isPresent).orElse(false)) {
                return renewed; // the key is lost or the store did not answer: stop here
            }
            return renewed.then(carryOut(decision, view, local, dynamic, holder, now));
        }
        return carryOut(decision, view, local, dynamic, holder, now);
    }

    private Effect carryOut(Decision decision, ClusterView view, LocalState local, DynamicConfig dynamic,
                            boolean holder, long now) {
        Optional<Member> target = decision.target().flatMap(name -> resolve(view, dynamic, name));
        switch (decision.action()) {
            case NONE:
                return keepReplicaSlots(decision, local).then(keepFailsafeLease(local, dynamic, now));
            case COPY_SLOTS:
                return copySlots(decision, local, target);
            case WAIT:
                return Effect.NOTHING;
            case RENEW_LEASE:
                leaderKeys.keep(decision, view, local, dynamic);
                return Effect.NOTHING;
            case BOOTSTRAP:
                return bootstrap(dynamic, target);
            case LEAD_STANDBY:
                return leadStandby(local, dynamic, holder, target.orElseThrow(() -> missing(decision)));
            case CLONE:
            case REINITIALIZE:
                return submit("clone from " + decision.target().orElse("?"), Role.UNINITIALIZED, () -> {
                    database.cloneFrom(target.orElseThrow(() -> missing(decision)));
                    return Effect.NOTHING.movingTo(Role.REPLICA).streamingFrom(decision.target())
                            .withRewindFailed(false);
                });
            case START_REPLICA:
                return submit("start PostgreSQL as a replica", null, () -> {
                    if (target.isPresent()) {
                        database.start(target);
                    } else {
                        database.startReadOnly();
                    }
                    return Effect.NOTHING.movingTo(Role.REPLICA).streamingFrom(decision.target());
                });
            case RESTART_PRIMARY:
                // Read-only first, as Patroni does "because I had the session lock": the start may
                // take a long crash recovery, and only a later iteration that still finds the key
                // mine promotes (Leading: "I hold the lock but PostgreSQL is in recovery").
                return submit("restart PostgreSQL read-only, to promote while I hold the lock", null, () -> {
                    database.startReadOnly();
                    return Effect.NOTHING.streamingFrom(Optional.empty()).wakingAtOnce();
                });
            case ACQUIRE_LEASE:
                return acquire(dynamic).map(deadline -> Effect.NOTHING.movingTo(Role.PRIMARY).withLease(deadline))
                        .orElse(Effect.NOTHING);
            case PROMOTE:
                return promote(view, local, dynamic, holder);
            case DEMOTE:
                return demote(decision, view, local, dynamic);
            case FOLLOW:
                if (decision.target().isEmpty()) {
                    // nostream: a replica of nobody, as Patroni's follow(None): recovery from the archive.
                    return submit("stop streaming (nostream)", null, () -> {
                        database.startReadOnly();
                        return Effect.NOTHING.movingTo(Role.REPLICA).streamingFrom(Optional.empty());
                    });
                }
                return submit("follow " + decision.target().orElse("?"), null, () -> {
                    database.follow(target.orElseThrow(() -> missing(decision)));
                    return Effect.NOTHING.movingTo(Role.REPLICA).streamingFrom(decision.target());
                });
            case REWIND:
                return submit("rewind from " + decision.target().orElse("?"), null, () -> {
                    try {
                        database.rewind(target.orElseThrow(() -> missing(decision)));
                        return Effect.NOTHING.movingTo(Role.REPLICA).streamingFrom(decision.target())
                                .withRewindFailed(false);
                    } catch (SourceUnavailableException e) {
                        // Patroni's "Failed to rewind because primary ... become unreachable": not
                        // a failed rewind, the next iteration tries again.
                        LOG.warn("{}/{}: pg_rewind could not use {}, will try again: {}", config.scope(),
                                config.name(), decision.target().orElse("?"), e.getMessage());
                        return Effect.NOTHING;
                    } catch (RuntimeException e) {
                        LOG.warn("{}/{}: pg_rewind failed: {}", config.scope(), config.name(),
                                e.getMessage());
                        return Effect.NOTHING.withRewindFailed(true);
                    }
                });
            case SET_SYNC_STANDBYS:
                if (dynamic.quorumCommit() && !(decision.syncStandbys().isEmpty() && dynamic.synchronousModeStrict())) {
                    database.setQuorumStandbys(decision.syncCount(), decision.syncStandbys());
                } else {
                    // Strict quorum commit with no standby left: the placeholder, commits wait (Patroni's
                    // min_synchronous_nodes keeps the replication factor at 1 at least).
                    database.setSynchronousStandbys(decision.syncStandbys(), dynamic.synchronousModeStrict());
                }
                return wakeSoon();
            case WRITE_SYNC_KEY:
                leaderKeys.writeSync(decision, view, dynamic);
                return wakeSoon();
            case CLEAR_FAILOVER:
                view.failover().ifPresent(f -> leaderKeys.write(view, ClusterKey.FAILOVER, f.revision(),
                        Optional.empty()));
                return wakeSoon();
            case SHUTDOWN:
                stopBounded(StopMode.FAST, dynamic); // Patroni's shutdown() passes primary_stop_timeout too
                return Effect.NOTHING.wakingAtOnce().finishingShutdown(!holder);
            case RELEASE_LEASE:
                release();
                lease.dropped();
                return Effect.NOTHING.withoutLease().finishingShutdown(true);
            case PROBE_LEADER:
                return probeLeader(decision, view, dynamic);
            case TAKE_OVER_EARLY:
                return takeOverEarly(decision, view, local, dynamic);
            default:
                throw new IllegalStateException("unhandled action " + decision.action());
        }
    }

    /**
     * A streaming replica keeps the slots the decision names (permanent ones, advanced to the
     * leader's published positions, and those of members streaming from it) and remembers which
     * are there, for the next decision. A failure is logged and retried on the next iteration: it
     * never stops the loop, and what is there is then unknown.
     */
    private Effect keepReplicaSlots(Decision decision, LocalState local) {
        if (decision.slots().isEmpty()) {
            return Effect.NOTHING;
        }
        try {
            return Effect.NOTHING.withSlots(local.slots().withPresent(database.ensureSlots(decision.slots())));
        } catch (DatabaseUnavailableException e) {
            LOG.warn("{}/{}: could not keep the replication slots: {}", config.scope(), config.name(),
                    e.getMessage());
            return Effect.NOTHING.withSlots(new LocalSlots(Optional.empty(), local.slots().copies()));
        }
    }

    /**
     * Copies the decision's logical slots from the leader on the action executor. Every slot the
     * copy wrote, or all of them when it failed after it may have stopped PostgreSQL, counts as
     * copied from this leader at the position it published, so that a failing copy costs one
     * restart, not one per loop; a slot
     * the leader did not have, or a leader that could not be read (nothing was stopped), is tried
     * again on a later iteration.
     */
    private Effect copySlots(Decision decision, LocalState local, Optional<Member> leader) {
        Member from = leader.orElseThrow(() -> missing(decision));
        List<PermanentSlot> slots = List.copyOf(decision.slots().permanent().values());
        LocalSlots before = local.slots();
        return submit("copy logical slots from " + from.name(), null, () -> {
            try {
                Set<String> copied = database.copyLogicalSlots(from, slots);
                return Effect.NOTHING.withSlots(before.withCopied(copied, from.name(), decision.slots().positions()));
            } catch (SourceUnavailableException e) {
                LOG.warn("{}/{}: could not read logical slots {} on {}, will try again: {}", config.scope(),
                        config.name(), decision.slots().permanent().keySet(), from.name(), e.getMessage());
                return Effect.NOTHING;
            } catch (RuntimeException e) {
                LOG.warn("{}/{}: copying logical slots {} from {} failed: {}", config.scope(), config.name(),
                        decision.slots().permanent().keySet(), from.name(), e.getMessage());
                return Effect.NOTHING.withSlots(before.withCopied(decision.slots().permanent().keySet(), from.name(),
                        decision.slots().positions()));
            }
        });
    }

    /**
     * A restart in place requested through the REST API: fast stop, then start with the same role.
     * The lease keeps being renewed meanwhile (the loop sees an action in progress). A replica
     * without {@code upstream} (nostream, or no leader) starts read-only again, never as a primary.
     */
    Effect restart(Optional<Member> upstream, boolean replica, CompletableFuture<String> done) {
        return submit("restart PostgreSQL", null, () -> {
            try {
                database.stop(StopMode.FAST);
                if (replica && upstream.isEmpty()) {
                    database.startReadOnly();
                } else {
                    database.start(upstream);
                }
                done.complete("");
            } catch (RuntimeException e) {
                done.complete("restart failed: " + e.getMessage());
                throw e;
            }
            return Effect.NOTHING;
        });
    }

    /**
     * Renews the lease: on success a result carrying the new deadline (the fences armed); else
     * one that stops the iteration here (key lost: no lease; store unreachable: unchanged).
     */
    private Effect renew(LocalState local, DynamicConfig dynamic) {
        long sent = lease.sending();
        try {
            if (consensus.renewLeader(new ClusterStatus(local.database().walPosition(), leaderKeys.slotPositions(),
                    List.copyOf(local.retention().names())))) {
                return Effect.NOTHING.withLease(lease.renewed(sent, dynamic, local.role()));
            }
            LOG.warn("{}/{}: the leader key is no longer mine", config.scope(), config.name());
            abandonPromotion("the leader key is no longer mine");
            return Effect.NOTHING.withoutLease().wakingAtOnce();
        } catch (ConsensusUnavailableException e) {
            LOG.warn("{}/{}: could not renew the leader lease: {}", config.scope(), config.name(), e.getMessage());
            return Effect.NOTHING.wakingAtOnce();
        }
    }

    private Optional<Long> acquire(DynamicConfig dynamic) {
        return acquire(dynamic, Role.PRIMARY);
    }

    /**
     * Takes the free leader key for a node about to be {@code role}: the fences are armed only
     * for one that will write (a standby leader never does).
     */
    private Optional<Long> acquire(DynamicConfig dynamic, Role role) {
        long sent = lease.sending();
        if (!consensus.tryAcquireLeader()) {
            LOG.info("{}/{}: another member took the leader key first", config.scope(), config.name());
            return Optional.empty();
        }
        return Optional.of(lease.renewed(sent, dynamic, role));
    }

    /** Store unreachable but every member accepted us as primary: extend our own deadline by a ttl. */
    private Effect keepFailsafeLease(LocalState local, DynamicConfig dynamic, long now) {
        if (!local.consensusReachable() && local.failsafeAccepted().orElse(false)) {
            return Effect.NOTHING.withLease(lease.extendedByFailsafe(now, dynamic));
        }
        return Effect.NOTHING;
    }

    /**
     * The {@code initialize} race and its undo after a failed initdb happen before anyone leads, so
     * they are compare-and-sets on the key alone; the system identifier and the first
     * {@code config} are written as the leader, in the term this member took after initdb.
     */
    private Effect bootstrap(DynamicConfig dynamic, Optional<Member> remote) {
        if (!consensus.compareAndSet(ClusterKey.INITIALIZE, 0, Optional.of(""))) {
            LOG.info("{}/{}: another member is bootstrapping the cluster", config.scope(), config.name());
            return Effect.NOTHING;
        }
        // Patroni's bootstrap_standby_leader: a standby cluster's first member clones the remote
        // primary instead of running initdb, then leads as any bootstrap does.
        String what = remote.map(r -> "bootstrap a standby leader (clone from " + r.connUrl() + ")")
                .orElse("bootstrap (initdb)");
        return submit(what, remote.isPresent() ? null : Role.CANDIDATE, () -> {
            try {
                if (remote.isPresent()) {
                    database.cloneFrom(remote.get());
                } else {
                    database.bootstrap();
                }
            } catch (RuntimeException e) {
                consensus.compareAndSet(ClusterKey.INITIALIZE, -1, Optional.empty());
                throw e;
            }
            Optional<Long> deadline = acquire(dynamic, remote.isPresent() ? Role.STANDBY_LEADER : Role.PRIMARY);
            DatabaseState state = database.probe();
            if (deadline.isPresent()) {
                ClusterView now = consensus.read(); // the view before the key was mine shows no term
                leaderKeys.write(now, ClusterKey.INITIALIZE, -1, state.systemIdentifier().or(() -> Optional.of("")));
                leaderKeys.write(now, ClusterKey.CONFIG, 0, Optional.of(config.bootstrapDcs()));
            }
            Effect led = remote.isEmpty() ? Effect.NOTHING.movingTo(Role.PRIMARY)
                    : Effect.NOTHING.movingTo(deadline.isPresent() ? Role.STANDBY_LEADER : Role.REPLICA)
                            .streamingFrom(remote.map(Member::name));
            return led.withLease(deadline.map(OptionalLong::of).orElse(OptionalLong.empty()));
        });
    }

    /**
     * Takes the key when it is not mine yet, then makes PostgreSQL a standby of the remote primary:
     * started with it as upstream when stopped, reconfigured (reload, or restart where it must) when
     * running. The role becomes {@code STANDBY_LEADER} once PostgreSQL follows the remote.
     */
    private Effect leadStandby(LocalState local, DynamicConfig dynamic, boolean holder, Member remote) {
        Effect lease = Effect.NOTHING;
        if (!holder) {
            Optional<Long> acquired = acquire(dynamic, Role.STANDBY_LEADER);
            if (acquired.isEmpty()) {
                return Effect.NOTHING;
            }
            lease = Effect.NOTHING.withLease(acquired.get());
        }
        boolean running = local.database().process() != DatabaseState.ProcessState.STOPPED;
        return lease.then(submit("follow the remote primary " + remote.connUrl() + " as the standby leader", null,
                () -> {
                    if (running) {
                        database.follow(remote);
                    } else {
                        database.start(Optional.of(remote));
                    }
                    return Effect.NOTHING.movingTo(Role.STANDBY_LEADER).streamingFrom(Optional.of(remote.name()));
                }));
    }

    /**
     * The member a decision names: one of the cluster's, or the remote primary of a standby cluster
     * ({@link StandbyCluster#REMOTE_MEMBER}), which is no member key.
     */
    private static Optional<Member> resolve(ClusterView view, DynamicConfig dynamic, String name) {
        if (StandbyCluster.REMOTE_MEMBER.equals(name)) {
            return dynamic.standbyCluster().map(StandbyCluster::remoteMember);
        }
        return view.member(name);
    }

    /**
     * Fast failover's {@code PROBE_LEADER}: starts this node's probe of the leader's PostgreSQL and
     * a round of the other members' probes on the prober threads ({@link EarlyFailover#probe});
     * returns at once. The results reach the next decisions through the loop's memory.
     */
    private Effect probeLeader(Decision decision, ClusterView view, DynamicConfig dynamic) {
        Optional<Leader> leader = view.leader().filter(l -> decision.target().equals(Optional.of(l.name())));
        Optional<Member> leaderMember = leader.flatMap(l -> view.member(l.name()));
        if (leaderMember.isEmpty()) {
            LOG.warn("{}/{}: cannot probe {}: no member key to connect with", config.scope(), config.name(),
                    decision.target().orElse("?"));
            return Effect.NOTHING;
        }
        List<Member> voters = view.members().values().stream()
                .filter(m -> !m.name().equals(config.name()) && !m.name().equals(leader.get().name()))
                .collect(Collectors.toList());
        early.probe(leader.get(), leaderMember.get(), voters, dynamic.fastFailover());
        return Effect.NOTHING;
    }

    /**
     * Fast failover's {@code TAKE_OVER_EARLY}: one transaction takes the leader key and empties
     * {@code sync}, compared against what the evidence was gathered on (this view's leader key and
     * {@code sync} revision, the heartbeat revision this node saw standing still); then the usual
     * promotion ({@code pre_promote} included, a veto releases the key), without claiming
     * {@code sync} again: the transaction wrote it. The key keeps the old leader's create revision,
     * so the term this node now beats and writes in is that number under its own name.
     */
    private Effect takeOverEarly(Decision decision, ClusterView view, LocalState local, DynamicConfig dynamic) {
        Optional<Leader> leader = view.leader().filter(l -> decision.target().equals(Optional.of(l.name())));
        Optional<HeartbeatSeen> seen = local.early().seen();
        if (leader.isEmpty() || seen.isEmpty() || seen.get().revision() <= 0 || view.sync().revision() <= 0) {
            LOG.warn("{}/{}: not taking over early: the leader key, sync key or heartbeat seen is missing",
                    config.scope(), config.name());
            return Effect.NOTHING;
        }
        long sent = lease.sending();
        try {
            if (!consensus.takeOverEarly(leader.get(), view.sync().revision(), seen.get().revision())) {
                LOG.info("{}/{}: not taking over early: the leader key, sync key or heartbeat moved since the"
                        + " evidence was gathered", config.scope(), config.name());
                return Effect.NOTHING.wakingAtOnce();
            }
        } catch (ConsensusUnavailableException e) {
            LOG.warn("{}/{}: early takeover not confirmed (the next read shows whether it happened): {}",
                    config.scope(), config.name(), e.getMessage());
            return Effect.NOTHING.wakingAtOnce();
        }
        long deadline = lease.renewed(sent, dynamic, Role.PRIMARY);
        LOG.warn("{}/{}: took the leader key from {} before its lease expired (fast failover, term {}): promoting",
                config.scope(), config.name(), leader.get().name(), leader.get().term());
        early.lead(leader.get().term(), dynamic.ttl());
        return promoteHolding(view, local, dynamic, OptionalLong.of(deadline), false);
    }

    private Effect promote(ClusterView view, LocalState local, DynamicConfig dynamic, boolean holder) {
        OptionalLong deadline = local.leaseDeadline();
        if (!holder) {
            Optional<Long> acquired = acquire(dynamic);
            if (acquired.isEmpty()) {
                return Effect.NOTHING;
            }
            deadline = OptionalLong.of(acquired.get());
        }
        return promoteHolding(view, local, dynamic, deadline, true);
    }

    /**
     * Promotes while holding the key until {@code heldUntil}; {@code claimSync}: write
     * {@code sync = {me, []}} first in synchronous mode (an early takeover wrote it already).
     */
    private Effect promoteHolding(ClusterView view, LocalState local, DynamicConfig dynamic, OptionalLong heldUntil,
                                  boolean claimSync) {
        Lsn switchPoint = local.database().walPosition().orElse(Lsn.ZERO);
        int oldTimeline = local.database().timeline();
        List<HistoryEntry> history = view.history();
        RoleChange context = new RoleChange(config.scope(), config.name(), local.role(), Role.PRIMARY,
                view.leader().map(l -> l.name()), Optional.of(config.name()), view.member(config.name()));
        // A primary restarted read-only after a crash is promoted without passing through CANDIDATE.
        Role promoting = local.role() == Role.PRIMARY ? null : Role.CANDIDATE;
        Effect started = submit(PROMOTE, promoting, () -> {
            if (!approved(context)) {
                release();
                RaceBackoff backoff = new RaceBackoff(time.nanoTime() + dynamic.ttl().toNanos(),
                        "pre_promote vetoed my last promotion", view.clusterTimeline());
                return Effect.NOTHING.movingTo(Role.REPLICA).withoutLease().backingOff(backoff);
            }
            if (dynamic.synchronousMode() && claimSync && !claimSyncKey(view)) {
                // Patroni's "Postponing promotion because synchronous replication state was updated
                // by somebody else": the key is still ours, the next iteration promotes on a fresh view.
                return Effect.NOTHING;
            }
            if (dynamic.synchronousMode() && dynamic.synchronousModeStrict()) {
                // Patroni sets its placeholder before promoting: until this node's first loop as
                // leader names its standbys, its commits wait instead of going through unreplicated.
                database.setSynchronousStandbys(List.of(), true);
            }
            database.promote();
            // Probed here, off the loop thread, so the loop reports /primary 200 at once without
            // delaying its next lease renewal by a probe.
            DatabaseState promoted = database.probe();
            // The history key after the promotion's outcome, not before it: its read and write
            // (two store round trips, 20-150 ms on a loaded machine) held /primary at 503. The
            // single-threaded executor runs it next, before any later action.
            executor.execute(() -> recordHistory(history, oldTimeline, switchPoint, dynamic.maxTimelinesHistory()));
            return Effect.NOTHING.movingTo(Role.PRIMARY).streamingFrom(Optional.empty()).probed(promoted);
        });
        return started.withLease(heldUntil);
    }

    /**
     * Synchronous mode, before PostgreSQL is promoted: the sync key names this member as the leader
     * and no standby, as Patroni's {@code enforce_primary_role} writes it. Until then the key still
     * names the old leader and its standbys, all of them allowed to race, while this primary,
     * promoted with no synchronous standby yet (non-strict), acknowledges commits they never
     * received: had it died before its first loop as leader rewrote the key, one of them could win
     * without those commits. The write is conditioned on this term and on the revision of the key the
     * promotion was decided on (a newer key postpones the promotion, as in Patroni).
     *
     * @return false when not written: the key changed since {@code view}, this member no longer
     *         leads, or the store is unreachable
     */
    private boolean claimSyncKey(ClusterView view) {
        try {
            // A member that just took the key is not its holder in the view it decided on.
            ClusterView current = leaderKeys.term(view).isPresent() ? view : consensus.read();
            Optional<Long> term = leaderKeys.term(current);
            if (term.isPresent() && consensus.compareAndSetAsLeader(term.get(), ClusterKey.SYNC,
                    view.sync().revision(), Optional.of(new SyncState(Optional.of(config.name()), List.of(), 0)))) {
                return true;
            }
            LOG.warn("{}/{}: postponing the promotion: {}", config.scope(), config.name(), term.isPresent()
                    ? "the sync key changed since this iteration read it" : "the leader key is no longer mine");
        } catch (ConsensusUnavailableException e) {
            LOG.warn("{}/{}: postponing the promotion: cannot write the sync key: {}", config.scope(), config.name(),
                    e.getMessage());
        }
        return false;
    }

    private boolean approved(RoleChange context) {
        try {
            if (prePromote.approve(context)) {
                return true;
            }
            LOG.warn("{}/{}: pre_promote vetoed the promotion: releasing the leader key", config.scope(),
                    config.name());
        } catch (RuntimeException e) {
            LOG.warn("{}/{}: pre_promote failed ({}): treating it as a veto", config.scope(), config.name(),
                    e.toString());
        }
        return false;
    }

    /**
     * Written as the leader, in the term a read after the promotion shows (the view the promotion
     * was decided on predates the key when this member just took it).
     */
    private void recordHistory(List<HistoryEntry> history, int oldTimeline, Lsn switchPoint, int keep) {
        if (oldTimeline <= 0) {
            return;
        }
        List<HistoryEntry> updated = new ArrayList<>(history);
        updated.removeIf(e -> e.timeline() >= oldTimeline);
        updated.add(new HistoryEntry(oldTimeline, switchPoint, "no recovery target specified",
                Optional.of(time.now().toString()), Optional.of(config.name())));
        if (keep > 0 && updated.size() > keep) {
            // max_timelines_history: the newest switches only, as Patroni's history[-n:]
            updated = new ArrayList<>(updated.subList(updated.size() - keep, updated.size()));
        }
        try {
            leaderKeys.write(consensus.read(), ClusterKey.HISTORY, -1, Optional.of(updated));
        } catch (ConsensusUnavailableException e) {
            LOG.warn("{}/{}: could not write history: {}", config.scope(), config.name(), e.getMessage());
        }
    }

    /**
     * The stop of a demotion or of the agent's shutdown: bounded by {@code primary_stop_timeout} in
     * synchronous mode (then SIGKILL, as Patroni documents), by the node's own stop bound otherwise.
     */
    private void stopBounded(StopMode mode, DynamicConfig dynamic) {
        Optional<Duration> bound = dynamic.demoteStopTimeout();
        if (bound.isPresent()) {
            LOG.info("{}/{}: stopping PostgreSQL ({}) within primary_stop_timeout {} s, then SIGKILL", config.scope(),
                    config.name(), mode, bound.get().toSeconds());
            database.stop(mode, bound.get());
        } else {
            database.stop(mode);
        }
    }

    private Effect demote(Decision decision, ClusterView view, LocalState local, DynamicConfig dynamic) {
        DemoteMode mode = decision.demoteMode().orElse(DemoteMode.IMMEDIATE);
        if (mode != DemoteMode.GRACEFUL) {
            abandonPromotion("demoting");
        }
        Effect demoted = Effect.NOTHING.movingTo(Role.DEMOTING).withoutLease().streamingFrom(Optional.empty());
        switch (mode) {
            case IMMEDIATE:
                lease.dropped();
                stopBounded(StopMode.IMMEDIATE, dynamic);
                return demoted.wakingAtOnce();
            case OFFLINE:
                lease.dropped();
                stopBounded(StopMode.FAST, dynamic);
                return demoted.wakingAtOnce();
            case HANDOVER:
                lease.dropped();
                if (local.database().process() != DatabaseState.ProcessState.STOPPED) {
                    // Hung (or still starting): stopped before the key goes, as Patroni's demote('immediate').
                    // A frozen server released as is would resume as a second writable primary.
                    stopBounded(StopMode.IMMEDIATE, dynamic);
                }
                release();
                // Restarted read-only at the same position, this node could win back the key it
                // just gave up: the others get a ttl to take it (Patroni sleeps after releasing).
                return demoted.backingOff(new RaceBackoff(time.nanoTime() + dynamic.ttl().toNanos(),
                        "I handed the leader key over because my PostgreSQL failed", view.clusterTimeline()))
                        .wakingAtOnce();
            case GRACEFUL:
            default:
                Optional<String> candidate = decision.target();
                List<Member> others = view.members().values().stream()
                        .filter(m -> !m.name().equals(config.name())).collect(Collectors.toList());
                return submit("switchover: stopping PostgreSQL", null, () -> {
                    stopBounded(StopMode.FAST, dynamic);
                    Optional<Lsn> checkpoint = database.probe().checkpointLsn();
                    awaitCheckpointOnReplica(others, candidate, checkpoint, dynamic.retryTimeout());
                    lease.dropped();
                    release();
                    return demoted;
                });
        }
    }

    /** Waits (bounded) until the candidate, or any replica, has received the shutdown checkpoint. */
    private void awaitCheckpointOnReplica(List<Member> others, Optional<String> candidate, Optional<Lsn> checkpoint,
                                          Duration limit) {
        if (checkpoint.isEmpty() || others.isEmpty()) {
            return;
        }
        long deadline = time.nanoTime() + limit.toNanos();
        while (time.nanoTime() - deadline < 0) {
            for (PeerStatus peer : peers.statuses(others, PEER_TIMEOUT).values()) {
                if (ShutdownCheckpoint.handsOverTo(peer.name(), peer.walPosition(), checkpoint.get(), candidate)) {
                    LOG.info("{}/{}: {} has the shutdown checkpoint {}", config.scope(), config.name(), peer.name(),
                            checkpoint.get());
                    return;
                }
            }
            try {
                // Short: a switchover waits on it, and a replica's answer changes every FAILOVER_TICK.
                TimeUnit.MILLISECONDS.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.warn("{}/{}: no replica confirmed the shutdown checkpoint {} within {}; releasing anyway",
                config.scope(), config.name(), checkpoint.get(), limit);
    }

    private void release() {
        try {
            consensus.releaseLeader();
        } catch (ConsensusUnavailableException e) {
            LOG.warn("{}/{}: could not release the leader key ({}); it expires with the lease", config.scope(),
                    config.name(), e.getMessage());
        }
    }

    private Effect wakeSoon() {
        return Effect.NOTHING.wakingAtOnce();
    }

    private Effect submit(String what, Role roleNow, Callable<Effect> work) {
        if (inFlight != null) {
            return Effect.NOTHING;
        }
        inFlightWhat = what;
        CompletableFuture<Effect> future = CompletableFuture.supplyAsync(() -> {
            try {
                return work.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, executor);
        inFlight = future;
        // Wake the loop once the future is complete, so that it finds the outcome. Not after a
        // failure: the decision would often be the same action again, and an action that fails at
        // once (a clone from a member without a usable conn_url) spun the loop hundreds of times a
        // second. A failure is taken on the next regular iteration, as Patroni retries.
        future.whenComplete((outcome, failure) -> {
            if (failure == null) {
                wakeLoop.run();
            }
        });
        Effect started = Effect.NOTHING.started(what);
        return roleNow == null ? started : started.movingTo(roleNow);
    }

    /**
     * Drops the outcome of a promotion still in flight, as Patroni cancels it when the lock is
     * lost mid-promote: a node that lost the key or the store while a candidate must never be
     * made (and announced) primary by a promotion that finishes later. The call on the executor
     * is not interrupted; whatever it does to PostgreSQL, the next iterations see in the probe.
     * Loop thread only.
     */
    void abandonPromotion(String why) {
        if (inFlight != null && PROMOTE.equals(inFlightWhat)) {
            LOG.warn("{}/{}: {}: abandoning the promotion in flight", config.scope(), config.name(), why);
            inFlight.cancel(false);
            inFlight = null;
        }
    }

    private IllegalStateException missing(Decision decision) {
        return new IllegalStateException("no member record for " + decision.target().orElse("(no target)"));
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
