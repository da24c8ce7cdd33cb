package io.hapg.core.internal;

import io.hapg.core.config.HaConfig;
import io.hapg.core.decision.Action;
import io.hapg.core.decision.Decider;
import io.hapg.core.decision.Decision;
import io.hapg.core.decision.FailoverSlots;
import io.hapg.core.decision.PrimaryRaceBackoff;
import io.hapg.core.decision.RetainedSlots;
import io.hapg.core.decision.Now;
import io.hapg.core.decision.Self;
import io.hapg.core.http.NodeControl;
import io.hapg.core.model.ClusterPgFiles;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailsafePing;
import io.hapg.core.model.Leader;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Member;
import io.hapg.core.model.PeerStatus;
import io.hapg.core.model.ReceivedWal;
import io.hapg.core.model.Role;
import io.hapg.core.model.StandbyCluster;
import io.hapg.core.model.RoleTransitions;
import io.hapg.core.spi.Consensus;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.spi.FatalHaException;
import io.hapg.core.spi.HealthReporter;
import io.hapg.core.spi.NodeStatus;
import io.hapg.core.spi.PeerClient;
import io.hapg.core.spi.PrePromoteHook;
import io.hapg.core.spi.RoleChange;
import io.hapg.core.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HA loop: one named thread ({@code ha-loop-<member>}) that owns all of the agent's mutable
 * state. Every {@code loop_wait}, or at once when the consensus watch fires, it reads the
 * cluster, probes the database, asks the pure {@link Decider} what to do, has the
 * {@link ActionRunner} do it, publishes this member's status and health, and tells listeners
 * about real changes. Only this thread writes the fields below; what acting changes comes back as
 * a plain {@link Effect} (from the action executor too, for a slow action) that this
 * thread applies in one place, {@code apply}, which is also the one place the role changes.
 */
public final class HaLoop {
    private static final Logger LOG = LoggerFactory.getLogger(HaLoop.class);
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SHUTDOWN_TICK = Duration.ofMillis(200);
    /**
     * The iteration interval while a failover request is due, instead of {@code loop_wait}: the
     * old leader waits for a replica's published position to pass its shutdown checkpoint, and
     * that position is only as fresh as the replica's last iteration (2 s old at loop_wait 2).
     */
    private static final Duration FAILOVER_TICK = Duration.ofMillis(100);
    /**
     * The iteration interval while fast failover gathers evidence ({@code PROBE_LEADER}), instead
     * of {@code loop_wait}: the rule wants two probes of this node a probe timeout (500 ms) apart
     * and fresh probes of the others, and every result also wakes the loop.
     */
    private static final Duration PROBE_TICK = Duration.ofMillis(100);

    private final HaConfig config;
    private final Consensus consensus;
    private final DatabaseNode database;
    private final TimeSource time;
    private final PeerClient peers;
    private final ListenerDispatcher listeners;
    private final List<HealthReporter> reporters;
    private final LeaseWatchdog watchdog;
    private final ActionRunner runner;
    private final MemberPublisher publisher;
    private final EarlyFailover early;
    private final Semaphore wakeups = new Semaphore(0);
    private final Queue<Runnable> requests = new ConcurrentLinkedQueue<>();
    private final AtomicReference<NodeControl.RestartRequest> scheduledRestart = new AtomicReference<>();
    private final AtomicReference<FailsafePing> failsafePing = new AtomicReference<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicReference<NodeStatus> lastStatus = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean shutdownRequested;
    private volatile long shutdownDeadline;

    // Loop-thread state.
    private ClusterView view = ClusterView.empty();
    private final LastGoodConfig lastGoodConfig;
    private LocalState local = LocalState.initial(DatabaseState.empty());
    private FatalHaException fatal;
    private final CompletableFuture<Throwable> death = new CompletableFuture<>();
    private Optional<Instant> lastRead = Optional.empty();
    private Map<String, String> appliedParameters;
    /** The standby_cluster section last handed to the database node; null before the first. */
    private Optional<StandbyCluster> appliedStandbyCluster;
    /** The cluster's pg_ident and recovery_conf last handed to the database node; null before the first. */
    private ClusterPgFiles appliedFiles;
    private Optional<String> lastLeader = Optional.empty();
    private boolean lastRunning;
    private boolean roleChangedThisIteration;
    /** The failover request (its revision) this loop ticks fast for, and until when (monotonic). */
    /** The decision whose action last asked for an immediate next iteration; loop thread only. */
    private Decision wokeAtOnceFor;
    private boolean repeatLogged;
    private long fastTicksFor = -1;
    private long fastTicksUntil;
    /** The last decision was {@code PROBE_LEADER}: iterate every {@link #PROBE_TICK}. */
    private boolean probing;

    public HaLoop(HaConfig config, Consensus consensus, DatabaseNode database, TimeSource time, PeerClient peers,
                  ListenerDispatcher listeners, List<HealthReporter> reporters, PrePromoteHook prePromote,
                  MemberPublisher publisher, Duration fencingMargin) {
        this.config = config;
        this.consensus = consensus;
        this.database = database;
        this.time = time;
        this.peers = peers;
        this.listeners = listeners;
        this.reporters = List.copyOf(reporters);
        this.publisher = publisher;
        this.lastGoodConfig = new LastGoodConfig(config.scope(), config.name());
        this.watchdog = new LeaseWatchdog(config.name(), database, time, fencingMargin,
                config.watchdog().mode());
        this.early = new EarlyFailover(config, consensus, database, time, peers, this::wake);
        this.runner = new ActionRunner(config, consensus, database, time, peers, prePromote, watchdog,
                this::wake, early);
        this.thread = new Thread(this::run, "ha-loop-" + config.name());
    }

    public void start() {
        watchdog.start();
        thread.start();
    }

    /**
     * Runs {@code request} on the loop thread at the start of the next iteration, which starts at
     * once: how the REST API's requests reach the state only the loop may touch. Any thread.
     */
    public void submit(Runnable request) {
        requests.add(request);
        wake();
    }

    /** Runs the next iteration now instead of after {@code loop_wait}. Any thread; never blocks. */
    public void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    /** The status published by the last iteration, if any. */
    public Optional<NodeStatus> status() {
        return Optional.ofNullable(lastStatus.get());
    }

    /**
     * Asks the loop to shut down the node (stop PostgreSQL, hand the leader key over once a
     * replica has the shutdown checkpoint) and waits for it, at most {@code timeout}; then stops
     * every thread the loop owns.
     */
    public void shutdown(Duration timeout) {
        // Real time, not the injected clock: this bounds how long the process waits to exit.
        shutdownDeadline = System.nanoTime() + timeout.toNanos();
        shutdownRequested = true;
        wake();
        try {
            if (thread.isAlive() && !finished.await(timeout.toMillis() + 2000, TimeUnit.MILLISECONDS)) {
                LOG.warn("{}/{}: loop did not finish shutting down within {}; interrupting it", config.scope(),
                        config.name(), timeout);
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runner.close();
        early.close();
        watchdog.close();
    }

    private void run() {
        Throwable died = null;
        try {
            boolean more = true;
            while (more && !Thread.currentThread().isInterrupted()) {
                long started = time.nanoTime();
                more = iterateSafely();
                if (more) {
                    awaitNext(started);
                }
            }
        } catch (Throwable e) {
            // An Error (StackOverflowError, OutOfMemoryError): no iteration can be trusted any more.
            died = e;
        } finally {
            // Nothing acts on the heartbeat's promise any more: a candidate may take over early.
            early.close();
            died = died != null ? died : fatal;
            if (died == null) {
                watchdog.disarm();
            } else {
                fenceAfterDeath(died);
            }
            finished.countDown();
        }
        if (died != null) {
            death.complete(died);
        }
    }

    /**
     * The loop ended abnormally: nothing will renew the lease, so a node that may be writable
     * stops PostgreSQL now rather than at the lease deadline; a replica is left as it is. The
     * owner learns of it through {@link #death()} and should exit non-zero.
     */
    private void fenceAfterDeath(Throwable cause) {
        Role role = local.role();
        boolean mayBeWritable = role == Role.PRIMARY || role == Role.CANDIDATE || role == Role.DEMOTING
                || local.leaseDeadline().isPresent() || local.database().isRunningPrimary();
        try {
            if (!mayBeWritable) {
                LOG.error("{}/{}: the HA loop died ({}); PostgreSQL is not primary and is left running",
                        config.scope(), config.name(), cause.toString());
                watchdog.disarm();
                return;
            }
            LOG.error("{}/{}: the HA loop died while {} ({}): fencing PostgreSQL now, nothing renews the lease"
                    + " any more", config.scope(), config.name(), role.wireName(), cause.toString());
            watchdog.fenceNow("the HA loop died");
        } catch (Throwable e) {
            // The fence process is still armed: it fences when this process exits.
            LOG.error("{}/{}: could not fence after the HA loop died: {}", config.scope(), config.name(),
                    e.toString());
        }
    }

    /**
     * Completes, with what ended it, when the loop ended abnormally (an Error, or a
     * {@link FatalHaException}); never on a normal shutdown. By then PostgreSQL has been fenced if
     * it may have been writable.
     */
    public CompletableFuture<Throwable> death() {
        return death.copy();
    }

    private boolean iterateSafely() {
        try {
            return iterate();
        } catch (FatalHaException e) {
            LOG.error("{}/{}: fatal: {}; the agent stops", config.scope(), config.name(), e.getMessage());
            fatal = e;
            return false;
        } catch (RuntimeException e) {
            // One bad iteration must never kill the agent: log it once, wait, try again.
            LOG.error("{}/{}: unexpected error in the HA loop, retrying next iteration", config.scope(),
                    config.name(), e);
            return !shutdownRequested || System.nanoTime() - shutdownDeadline < 0;
        }
    }

    private void awaitNext(long started) {
        Duration wait = shutdownRequested ? SHUTDOWN_TICK
                : failoverDue() ? FAILOVER_TICK : probing ? PROBE_TICK : effectiveConfig().loopWait();
        long now = time.nanoTime();
        long left = wait.toNanos() - (now - started);
        OptionalLong backoffLeft = view.leader().isPresent() ? OptionalLong.empty()
                : PrimaryRaceBackoff.nanosLeft(local, effectiveConfig(), now);
        if (backoffLeft.isPresent()) {
            left = Math.min(left, backoffLeft.getAsLong());
        }
        try {
            if (left > 0 && wakeups.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                wakeups.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdownRequested = true;
        }
    }

    /**
     * Whether a failover request is due, so that every member iterates every
     * {@link #FAILOVER_TICK}: for at most a {@code ttl} per request, so that a request nobody can
     * carry out (its candidate gone, and no leader to clear it) does not keep the loops busy.
     */
    private boolean failoverDue() {
        Optional<Long> due = view.failover().filter(f -> f.scheduledAt().map(at -> !at.isAfter(time.now()))
                .orElse(true)).map(f -> f.revision());
        if (due.isEmpty()) {
            return false;
        }
        long now = time.nanoTime();
        if (due.get() != fastTicksFor) {
            fastTicksFor = due.get();
            fastTicksUntil = now + effectiveConfig().ttl().toNanos();
        }
        return now - fastTicksUntil < 0;
    }

    /** One iteration; false when the agent has finished shutting down. */
    boolean iterate() {
        roleChangedThisIteration = false;
        Optional<Effect> finished = runner.takeFinished();
        finished.ifPresent(this::apply);
        if (finished.flatMap(Effect::database).isPresent()) {
            reportPromoted();
        }
        for (Runnable request = requests.poll(); request != null; request = requests.poll()) {
            request.run();
        }
        NodeControl.RestartRequest due = scheduledRestart.get();
        if (due != null && !time.now().isBefore(due.schedule().orElseThrow())
                && scheduledRestart.compareAndSet(due, null)) {
            Optional<String> unmet = due.unmetCondition(local.role().wireName(), local.database());
            if (unmet.isPresent()) {
                LOG.info("{}/{}: scheduled restart (for {}) is due; not proceeding: {}", config.scope(),
                        config.name(), due.schedule().get(), unmet.get());
            } else {
                LOG.info("{}/{}: scheduled restart (for {}) is due", config.scope(), config.name(),
                        due.schedule().get());
                restart(new CompletableFuture<>());
            }
        }
        boolean reachable = readCluster();
        early.keep(view, effectiveConfig(), reachable);
        applyClusterParameters();
        applyStandbyCluster();
        applyClusterFiles();
        DatabaseState db = database.probe();
        long now = time.nanoTime();
        if (watchdog.takeFenced()) {
            Effect fenced = Effect.NOTHING.withoutLease();
            // Armed only as PRIMARY or CANDIDATE; a fence that raced with a change to another role
            // stopped a PostgreSQL this node no longer treats as writable: nothing to announce.
            if (local.role() == Role.PRIMARY || local.role() == Role.CANDIDATE) {
                runner.abandonPromotion("the lease watchdog fenced PostgreSQL");
                fenced = fenced.movingTo(Role.DEMOTING);
            }
            apply(fenced);
        }
        local = observe(db, reachable, now);
        Self self = new Self(config.name(), config.scope(), config.tags(), config.bootstrapDcs(),
                config.dataRemoval());
        Decision decision = Decider.decide(view, local, self, new Now(now, time.now()));
        LOG.info("{}/{}: {}", config.scope(), config.name(), decision.reason());
        probing = decision.action() == Action.PROBE_LEADER;
        Effect result = runner.execute(decision, view, local);
        apply(result);
        publish(db, reachable, decision);
        wakeAtOnceUnlessRepeated(decision, result);
        return !(shutdownRequested && (result.finishedShutdown() || System.nanoTime() - shutdownDeadline >= 0));
    }

    /**
     * Runs the next iteration at once when the action asks for it, except right after the same
     * decision already did: then what it did has not shown where the next iteration looks (a
     * {@code synchronous_standby_names} that an {@code ALTER SYSTEM} setting overrides, a key
     * another writer puts back), and waking again would spin the loop at full speed. The next
     * try comes after {@code loop_wait}, as Patroni's would.
     */
    private void wakeAtOnceUnlessRepeated(Decision decision, Effect result) {
        if (!result.wakeAtOnce()) {
            wokeAtOnceFor = null;
            return;
        }
        if (decision.equals(wokeAtOnceFor)) {
            if (!repeatLogged) {
                LOG.warn("{}/{}: '{}' changed nothing this node can see; trying again after loop_wait",
                        config.scope(), config.name(), decision.reason());
                repeatLogged = true;
            }
            return;
        }
        wokeAtOnceFor = decision;
        repeatLogged = false;
        wake();
    }

    private boolean readCluster() {
        try {
            view = lastGoodConfig.apply(consensus.read());
            lastRead = Optional.of(time.now());
            return true;
        } catch (ConsensusUnavailableException e) {
            LOG.warn("{}/{}: cannot read the cluster: {}", config.scope(), config.name(), e.getMessage());
            return false;
        }
    }

    private LocalState observe(DatabaseState db, boolean reachable, long now) {
        if (local.role() == Role.UNKNOWN) {
            apply(Effect.NOTHING.movingTo(initialRole(db)));
        }
        boolean leaderHere = view.isLeader(config.name()) || local.holdsLease(now);
        OptionalLong downSince = local.primaryDownSinceAt(leaderHere, db, now);
        DynamicConfig dynamic = effectiveConfig();
        List<Member> others = view.members().values().stream()
                .filter(m -> !m.name().equals(config.name())).collect(Collectors.toList());
        boolean race = reachable && view.leader().isEmpty() && db.isRunning() && !others.isEmpty()
                && Decider.racePeersMatter(view, config.name(), new Now(now, time.now()));
        boolean handover = shutdownRequested && leaderHere && !db.isRunning() && !others.isEmpty();
        Map<String, PeerStatus> peerStatuses = race || handover ? peers.statuses(others, PEER_TIMEOUT) : Map.of();
        Optional<Boolean> failsafe = !reachable && dynamic.failsafeMode() && db.isRunningPrimary()
                && local.role() == Role.PRIMARY
                ? Optional.of(peers.failsafe(others, config.name(), PEER_TIMEOUT)) : Optional.empty();
        LocalState next = local.toBuilder()
                .database(db)
                .received(ReceivedWal.next(local.received(), db.receiveLsn(), now))
                .consensusReachable(reachable)
                .primaryDownSince(downSince)
                .actionInProgress(runner.inProgress())
                .peers(peerStatuses)
                .failsafeAccepted(failsafe)
                .shutdownRequested(shutdownRequested)
                .lastSeenLeader(view.leader().map(Leader::name).or(local::lastSeenLeader))
                .failsafePing(Optional.ofNullable(failsafePing.get()))
                .early(early.next(local.early(), view))
                // A stale view (store unreachable) says nothing new about who is still there.
                .retention(reachable ? RetainedSlots.next(local.retention(), view, config.name(), dynamic, now)
                        : local.retention())
                .build();
        // A stale view (store unreachable) says nothing about the leader key: the back-off stays as it was.
        return next.toBuilder().primaryRaceBackoffSince(reachable
                ? PrimaryRaceBackoff.since(view, dynamic, next, now) : local.primaryRaceBackoffSince()).build();
    }

    private Role initialRole(DatabaseState db) {
        if (!db.hasData()) {
            return Role.UNINITIALIZED;
        }
        return db.isRunningPrimary() ? Role.PRIMARY : Role.REPLICA;
    }

    /**
     * Takes in what acting did, a step just carried out or a slow action's result handed back by
     * the action executor: the state first, then the role, checked in {@link #changeRole}.
     */
    private void apply(Effect effect) {
        LOG.debug("{}/{}: applying {}", config.scope(), config.name(), effect);
        local = effect.apply(local);
        effect.role().ifPresent(this::changeRole);
    }

    /**
     * Moves to {@code target} through the legal steps {@link RoleTransitions#path} allows, each
     * announced. An illegal change is a bug in the agent: it is logged and refused (the role stays)
     * so that the loop keeps running and no listener or script hears of a role the node never
     * had; with assertions enabled, as in tests, it fails loudly instead.
     */
    private void changeRole(Role target) {
        Role from = local.role();
        List<Role> steps;
        try {
            steps = RoleTransitions.path(from, target);
        } catch (RoleTransitions.IllegalStateTransitionException e) {
            LOG.error("{}/{}: refused role change {} -> {}: {} (a bug; the role stays {})", config.scope(),
                    config.name(), from, target, e.getMessage(), from);
            assert false : config.name() + ": " + e.getMessage();
            return;
        }
        for (Role to : steps) {
            changeRoleOnce(to);
        }
    }

    private void changeRoleOnce(Role to) {
        Role from = local.role();
        local = local.toBuilder().role(to).build();
        if (from != Role.UNKNOWN) {
            roleChangedThisIteration = true;
            LOG.info("{}/{}: role {} -> {}", config.scope(), config.name(), from, to);
            // A node becomes primary only holding the key, but the iteration's view may predate it (the
            // key was free when read and taken by the promotion itself): it is the leader now.
            Optional<String> leader = to == Role.PRIMARY || to == Role.STANDBY_LEADER ? Optional.of(config.name())
                    : view.leader().map(l -> l.name());
            listeners.roleChanged(change(from, to, lastLeader, leader));
        }
        if (to != Role.PRIMARY && to != Role.CANDIDATE) {
            watchdog.disarm();
        }
    }

    private void publish(DatabaseState db, boolean reachable, Decision decision) {
        // Health first: a load balancer waits on it; the member key is for peers and tools.
        reportStatus(decision.reason(), reachable);
        if (reachable) {
            try {
                NodeControl.RestartRequest restart = scheduledRestart.get();
                Optional<Member.ScheduledRestart> scheduled = restart == null ? Optional.empty()
                        : restart.schedule().map(at -> new Member.ScheduledRestart(at, restart.role(),
                                restart.postgresVersion()));
                consensus.publishMember(publisher.member(local, db, scheduled));
            } catch (ConsensusUnavailableException e) {
                LOG.warn("{}/{}: cannot publish member status: {}", config.scope(), config.name(), e.getMessage());
            }
        }
        Optional<String> leader = view.leader().map(l -> l.name());
        if (!leader.equals(lastLeader)) {
            listeners.leaderChanged(change(local.role(), local.role(), lastLeader, leader));
            lastLeader = leader;
        }
        // A probe that timed out (frozen or overloaded, the process still there) is no stop: on a
        // loaded machine every slow probe would otherwise tell an on_stop/on_start pair.
        boolean running = db.process() == DatabaseState.ProcessState.UNRESPONSIVE ? lastRunning : db.isRunning();
        if (running != lastRunning) {
            // As in Patroni, a role change replaces on_start/on_stop: a script told "on_role_change
            // primary" must not be killed by an "on_start" for the same event.
            if (!roleChangedThisIteration) {
                listeners.lifecycle(running ? "on_start" : "on_stop",
                        change(local.role(), local.role(), leader, leader));
            }
            lastRunning = running;
        }
    }

    /**
     * A promotion just finished, the action checked that PostgreSQL accepts writes and probed it
     * (the probe is in {@code local} now): report it at once instead of after this iteration's
     * store read, probe and decision, so that {@code /primary} turns 200 without waiting for them.
     * Safe as any report: it says 200 only while the lease deadline this node keeps (from its last
     * successful renewal) has not passed.
     */
    private void reportPromoted() {
        reportStatus("promoted: PostgreSQL accepts writes", local.consensusReachable());
    }

    private void reportStatus(String reason, boolean reachable) {
        long now = time.nanoTime();
        NodeStatus status = new NodeStatus(config.scope(), config.name(), local, view,
                local.holdsLease(now) || (reachable && view.isLeader(config.name())), reason,
                time.now(), now, lastRead, !watchdog.isHealthy(), early::lastWrittenAt);
        lastStatus.set(status);
        for (HealthReporter reporter : reporters) {
            try {
                reporter.report(status);
            } catch (RuntimeException e) {
                LOG.warn("{}/{}: health reporter {} failed: {}", config.scope(), config.name(), reporter,
                        e.toString());
            }
        }
    }

    private RoleChange change(Role from, Role to, Optional<String> oldLeader, Optional<String> newLeader) {
        Optional<Member> leaderMember = newLeader.flatMap(view::member);
        return new RoleChange(config.scope(), config.name(), from, to, oldLeader, newLeader, leaderMember);
    }

    // ---- requests from the REST API; loop thread only ----

    /**
     * Restarts PostgreSQL in place (stop fast, start with the same role) on the action executor;
     * {@code done} completes with true once it runs again, false if it could not be done.
     */
    public void restart(CompletableFuture<String> done) {
        submit(() -> {
            if (runner.inProgress().isPresent()) {
                done.complete("action in progress: " + runner.inProgress().get());
                return;
            }
            Optional<Member> upstream = local.following().flatMap(view::member);
            boolean replica = !local.database().isRunningPrimary() && local.role() != Role.PRIMARY;
            apply(runner.restart(upstream, replica, done));
            listeners.lifecycle("on_restart", change(local.role(), local.role(), lastLeader, lastLeader));
        });
    }

    /**
     * Records a restart for {@code request.schedule()} (wall clock), its conditions judged when it
     * is due; false if one is already scheduled. Any thread.
     */
    public boolean scheduleRestart(NodeControl.RestartRequest request) {
        boolean scheduled = scheduledRestart.compareAndSet(null, request);
        wake();
        return scheduled;
    }

    /**
     * Remembers a {@code POST /failsafe} the REST API accepted from the leader this node last saw;
     * the next iteration hands it to the decision engine, which does not race for the leader key
     * within {@code ttl} of it. Does not wake the loop (the leader pings every iteration). Any thread.
     */
    public void failsafePinged(FailsafePing ping) {
        failsafePing.set(Objects.requireNonNull(ping, "ping"));
    }

    /** Forgets the scheduled restart; false if there was none. Any thread. */
    public boolean cancelScheduledRestart() {
        return scheduledRestart.getAndSet(null) != null;
    }

    /** {@code pg_reload_conf()} on the loop thread, then {@code on_reload}. */
    public void reload() {
        submit(() -> {
            try {
                database.reload();
                listeners.lifecycle("on_reload", change(local.role(), local.role(), lastLeader, lastLeader));
            } catch (RuntimeException e) {
                LOG.warn("{}/{}: reload failed: {}", config.scope(), config.name(), e.getMessage());
            }
        });
    }

    /**
     * Re-clones this replica ({@link Decision#reinitializeOnRequest}: from the leader when
     * {@code fromLeader}, else from a running {@code clonefrom} member if there is one);
     * {@code answer} gets empty when started, else why not.
     */
    public void reinitialize(boolean fromLeader, CompletableFuture<Optional<String>> answer) {
        submit(() -> {
            if (runner.inProgress().isPresent()) {
                answer.complete(Optional.of(runner.inProgress().get() + " already in progress"));
                return;
            }
            Optional<Member> leader = view.leaderMember();
            if (view.isLeader(config.name()) || leader.isEmpty()) {
                answer.complete(Optional.of(leader.isEmpty() ? "cluster has no leader, can not reinitialize"
                        : "I am the leader, can not reinitialize"));
                return;
            }
            Decision reinitialize = Decision.reinitializeOnRequest(view, config.name(), fromLeader);
            LOG.info("{}/{}: {}", config.scope(), config.name(), reinitialize.reason());
            Effect result = runner.execute(reinitialize, view, local);
            local = result.apply(local);
            result.role().ifPresent(this::changeRole);
            answer.complete(Optional.empty());
        });
    }

    private DynamicConfig effectiveConfig() {
        return view.effectiveConfig(config.bootstrapDcs());
    }

    /**
     * Hands the cluster's {@code postgresql.parameters} to the database when they changed (as
     * Patroni reloads every node on the loop that sees new dynamic configuration); until it
     * reports them in place, it is asked again each iteration. With logical permanent slots,
     * {@code hot_standby_feedback} is on (Patroni forces it: without it a replica's copy of a
     * logical slot loses the catalog rows it needs to decode after a failover).
     */
    private void applyClusterParameters() {
        DynamicConfig dynamic = effectiveConfig();
        Map<String, String> wanted = dynamic.postgresqlParameters();
        if (FailoverSlots.hotStandbyFeedback(view, dynamic, config.name(), config.tags())) {
            wanted = new TreeMap<>(wanted);
            wanted.put("hot_standby_feedback", "on");
            wanted = Map.copyOf(wanted);
        }
        if (wanted.equals(appliedParameters)) {
            return;
        }
        try {
            if (database.configure(wanted)) {
                if (appliedParameters != null || !wanted.isEmpty()) {
                    LOG.info("{}/{}: cluster PostgreSQL settings in place: {}", config.scope(), config.name(), wanted);
                }
                appliedParameters = wanted;
            }
        } catch (RuntimeException e) {
            LOG.warn("{}/{}: cannot apply the cluster's PostgreSQL settings (next loop retries): {}", config.scope(),
                    config.name(), e.getMessage());
        }
    }

    /** Hands a changed {@code standby_cluster} section to the database node (before it may clone or follow). */
    private void applyStandbyCluster() {
        Optional<StandbyCluster> wanted = effectiveConfig().standbyCluster();
        if (wanted.equals(appliedStandbyCluster)) {
            return;
        }
        try {
            if (database.useStandbyCluster(wanted)) {
                LOG.info("{}/{}: standby_cluster: {}", config.scope(), config.name(),
                        wanted.map(w -> "a standby cluster of " + w.describe()).orElse("none (a normal cluster)"));
                appliedStandbyCluster = wanted;
            }
        } catch (RuntimeException e) {
            LOG.warn("{}/{}: cannot apply the standby_cluster section (next loop retries): {}", config.scope(),
                    config.name(), e.getMessage());
        }
    }

    /**
     * Hands the cluster's {@code pg_ident} and {@code recovery_conf} to the database when they
     * changed (Patroni rewrites the files and reloads on the loop that sees them); until it reports
     * them in place, it is asked again each iteration. Only the setting names are logged: a
     * {@code restore_command} may carry a password.
     */
    private void applyClusterFiles() {
        try {
            ClusterPgFiles wanted = effectiveConfig().postgresqlFiles();
            if (wanted.equals(appliedFiles)) {
                return;
            }
            if (database.configureFiles(wanted)) {
                if (appliedFiles != null || !wanted.isEmpty()) {
                    LOG.info("{}/{}: cluster pg_ident ({} line(s)) and recovery_conf {} in place", config.scope(),
                            config.name(), wanted.pgIdent().size(), wanted.recoveryConf().keySet());
                }
                appliedFiles = wanted;
            }
        } catch (RuntimeException e) {
            LOG.warn("{}/{}: cannot apply the cluster's pg_ident and recovery_conf (next loop retries): {}",
                    config.scope(), config.name(), e.getMessage());
        }
    }
}
