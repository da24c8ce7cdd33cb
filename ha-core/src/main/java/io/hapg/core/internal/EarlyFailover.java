package io.hapg.core.internal;

import io.hapg.core.config.HaConfig;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.EarlyEvidence;
import io.hapg.core.model.FastFailover;
import io.hapg.core.model.HeartbeatSeen;
import io.hapg.core.model.Leader;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Member;
import io.hapg.core.spi.Consensus;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.spi.PeerClient;
import io.hapg.core.spi.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fast failover's moving parts around the HA loop ({@code FAST-FAILOVER.md}); the rule itself is
 * the pure {@code EarlyTakeover}. Three threads of its own, none of them the loop's:
 * <ul>
 *   <li>the leader's {@link HeartbeatWriter} ({@code hapg-heartbeat-<member>}), beating while the
 *       view shows this member holding the key and {@code fast_failover} is in force;</li>
 *   <li>the monitor {@code hapg-heartbeat-monitor-<member>}: on a member the {@code sync} key names
 *       (the only ones that may take over early) while another member leads, one
 *       read of the heartbeat key every heartbeat interval ({@link HeartbeatMonitor}), so that a
 *       candidate notices a stale heartbeat between loop iterations (at {@code loop_wait} 10 s it
 *       would otherwise notice it up to 10 s late); it wakes the loop once per revision that has
 *       not moved for T_early;</li>
 *   <li>the probers {@code hapg-probe-<member>} (two): this node's own death probe of the leader's
 *       PostgreSQL ({@link DatabaseNode#probeOther}), and one round asking every other member to
 *       probe it ({@link PeerClient#probeLeader}), in parallel and never on the loop thread.</li>
 * </ul>
 * What they find reaches the decision engine only through {@link #next}, called by the loop
 * thread, which folds it into {@link io.hapg.core.model.LocalState#early()}: only the loop writes
 * the loop's state.
 *
 * <p>Probing spacing: this node's own probes are at least the probe timeout apart (the rule wants
 * two of them that far apart), a new round of the others' probes starts at most once per probe
 * timeout, and only one of each runs at a time.
 */
final class EarlyFailover implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EarlyFailover.class);
    /**
     * How long a round of the other members' probes may take: each member's own probe waits about
     * 1 s on a frozen postmaster (the PostgreSQL prober rounds its waits up to whole seconds), plus
     * the HTTP round trip.
     */
    static final Duration ROUND_TIMEOUT = Duration.ofSeconds(2);

    private final String me;
    private final String context;
    private final Consensus consensus;
    private final DatabaseNode database;
    private final TimeSource time;
    private final PeerClient peers;
    private final Runnable wakeLoop;
    private final HeartbeatMonitor monitor;
    private final Queue<EarlyEvidence.Arrived> arrived = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean ownInFlight = new AtomicBoolean();
    private final AtomicBoolean roundInFlight = new AtomicBoolean();
    private volatile long lastOwnAt = Long.MIN_VALUE;
    private volatile long lastRoundAt = Long.MIN_VALUE;
    /** Read by the REST API's threads; replaced by the loop thread when the interval changes. */
    private volatile HeartbeatWriter writer;
    private boolean closed; // guarded by this
    private ScheduledExecutorService monitorThread; // guarded by this
    private ExecutorService probeThreads; // guarded by this
    // The monitor: the loop thread switches it on and off; the monitor thread reads.
    private volatile boolean watching;
    private volatile long generation;
    private volatile long watchEarly;
    private volatile long watchInterval;
    private final AtomicReference<Observed> latest = new AtomicReference<>();
    private long monitorGeneration = -1; // monitor thread only
    private long wokenFor = -1; // monitor thread only
    private boolean unsupportedLogged; // monitor thread only
    private Optional<String> warned = Optional.empty(); // loop thread only

    /** One observation and the watch it belongs to (a newer watch ignores it). */
    private record Observed(long generation, Optional<HeartbeatSeen> seen) {
    }

    EarlyFailover(HaConfig config, Consensus consensus, DatabaseNode database, TimeSource time, PeerClient peers,
                  Runnable wakeLoop) {
        this.me = config.name();
        this.context = config.scope() + "/" + config.name();
        this.consensus = Objects.requireNonNull(consensus, "consensus");
        this.database = Objects.requireNonNull(database, "database");
        this.time = Objects.requireNonNull(time, "time");
        this.peers = Objects.requireNonNull(peers, "peers");
        this.wakeLoop = Objects.requireNonNull(wakeLoop, "wakeLoop");
        this.monitor = new HeartbeatMonitor(consensus, time);
    }

    /**
     * After each cluster read, on the loop thread: beats while {@code view} shows this member
     * holding the key with fast failover in force, watches the heartbeat while another member
     * holds it and the {@code sync} key names this one. A stale view (the store unreachable) changes nothing: the writer's beats fail or
     * are refused on their own, and the monitor's reads fail and keep the last observation.
     */
    void keep(ClusterView view, DynamicConfig dynamic, boolean reachable) {
        FastFailover ff = dynamic.fastFailover();
        warnIfNotInForce(dynamic, ff);
        if (!reachable) {
            return;
        }
        Optional<Leader> leader = view.leader();
        Optional<Leader> mine = leader.filter(l -> l.name().equals(me));
        if (ff.enabled() && mine.isPresent()) {
            lead(mine.get().term(), dynamic.ttl());
        } else {
            stopBeating();
        }
        // Only a member the sync key names can take over early: the others need no reads.
        if (ff.enabled() && leader.isPresent() && mine.isEmpty() && view.sync().syncStandbys().contains(me)) {
            watch(ff, FastFailover.heartbeatInterval(dynamic.ttl()));
        } else {
            watching = false;
        }
    }

    private void warnIfNotInForce(DynamicConfig dynamic, FastFailover ff) {
        Optional<String> why = Optional.empty();
        if (dynamic.fastFailoverRequested() && !ff.enabled()) {
            why = Optional.of(!dynamic.synchronousMode() ? "synchronous_mode is off"
                    : dynamic.quorumCommit() ? "synchronous_mode is quorum (only synchronous_mode: on is supported)"
                    : "this is a standby cluster");
        }
        if (!why.equals(warned)) {
            why.ifPresent(w -> LOG.warn("{} - fast_failover is set but not in force: {}", context, w));
            warned = why;
        }
    }

    /**
     * The fast-failover memory after this iteration, on the loop thread: the monitor's latest
     * observation (none unless watching) and the probe results that arrived, kept while the leader
     * and its term stay the same.
     */
    EarlyEvidence next(EarlyEvidence previous, ClusterView view) {
        List<EarlyEvidence.Arrived> came = new ArrayList<>();
        for (EarlyEvidence.Arrived a = arrived.poll(); a != null; a = arrived.poll()) {
            came.add(a);
        }
        Optional<Leader> leader = view.leader().filter(l -> !l.name().equals(me));
        return previous.next(leader, seen(), came);
    }

    /** The monitor's latest observation for the current watch; empty when not watching. */
    Optional<HeartbeatSeen> seen() {
        Observed o = latest.get();
        return watching && o != null && o.generation() == generation ? o.seen() : Optional.empty();
    }

    /**
     * {@code PROBE_LEADER}, on the loop thread; returns at once. Starts this node's own probe of
     * {@code leader}'s PostgreSQL unless one runs or the last answered less than a probe timeout
     * ago, and a round of the {@code voters}' probes unless one runs or started less than a probe
     * timeout ago. Each result wakes the loop.
     */
    void probe(Leader leader, Member leaderMember, List<Member> voters, FastFailover ff) {
        long now = time.nanoTime();
        Duration timeout = ff.probeTimeout();
        if (lastOwnAt == Long.MIN_VALUE || now - lastOwnAt >= timeout.toNanos()) {
            if (ownInFlight.compareAndSet(false, true) && !run(() -> ownProbe(leader, leaderMember, timeout),
                    ownInFlight)) {
                return;
            }
        }
        if (!voters.isEmpty() && (lastRoundAt == Long.MIN_VALUE || now - lastRoundAt >= timeout.toNanos())
                && roundInFlight.compareAndSet(false, true)) {
            lastRoundAt = now;
            run(() -> round(leader, voters), roundInFlight);
        }
    }

    private void ownProbe(Leader leader, Member leaderMember, Duration timeout) {
        LeaderProbe.Outcome outcome;
        try {
            outcome = database.probeOther(leaderMember, timeout);
        } catch (RuntimeException e) {
            LOG.warn("{} - probing {}'s PostgreSQL failed: {}; counting it as answered", context, leader.name(),
                    e.toString());
            outcome = LeaderProbe.Outcome.ANSWERED;
        }
        long at = time.nanoTime();
        lastOwnAt = at;
        arrived.add(new EarlyEvidence.Arrived(leader.name(), leader.term(), new LeaderProbe(me, outcome, at)));
        LOG.info("{} - my probe of {}'s PostgreSQL: {}", context, leader.name(), outcome);
    }

    private void round(Leader leader, List<Member> voters) {
        Map<String, LeaderProbe.Outcome> answers;
        try {
            answers = peers.probeLeader(voters, leader.name(), ROUND_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warn("{} - asking the other members to probe {} failed: {}", context, leader.name(), e.toString());
            answers = Map.of();
        }
        long at = time.nanoTime();
        answers.forEach((by, outcome) -> arrived.add(new EarlyEvidence.Arrived(leader.name(), leader.term(),
                new LeaderProbe(by, outcome, at))));
        LOG.info("{} - the other members' probes of {}'s PostgreSQL: {}", context, leader.name(), answers);
    }

    /** Runs {@code work} on a prober thread, then clears {@code flag} and wakes the loop; false if refused. */
    private boolean run(Runnable work, AtomicBoolean flag) {
        ExecutorService threads;
        synchronized (this) {
            if (closed) {
                flag.set(false);
                return false;
            }
            if (probeThreads == null) {
                probeThreads = Executors.newFixedThreadPool(2, daemon("hapg-probe-" + me));
            }
            threads = probeThreads;
        }
        try {
            threads.execute(() -> {
                try {
                    work.run();
                } finally {
                    flag.set(false);
                    wakeLoop.run();
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            flag.set(false);
            return false;
        }
    }

    /**
     * Beats in {@code term} from now on: called by the loop after each read showing this member
     * leading, and by the action runner right after an early takeover (the first beat then goes
     * out before the promotion, so that the new primary's {@code /primary} is not held at 503).
     */
    void lead(long term, Duration ttl) {
        Duration interval = FastFailover.heartbeatInterval(ttl);
        HeartbeatWriter current;
        synchronized (this) {
            if (closed) {
                return;
            }
            current = writer;
            if (current == null || !current.interval().equals(interval)) {
                if (current != null) {
                    current.close();
                }
                current = new HeartbeatWriter(consensus, time, context, me, interval);
                writer = current;
            }
        }
        current.lead(term);
    }

    private void stopBeating() {
        HeartbeatWriter current = writer;
        if (current != null) {
            current.stop();
        }
    }

    /** When this node's last accepted heartbeat was sent; empty before the first. Any thread. */
    OptionalLong lastWrittenAt() {
        HeartbeatWriter current = writer;
        return current == null ? OptionalLong.empty() : current.lastWrittenAt();
    }

    private void watch(FastFailover ff, Duration interval) {
        watchEarly = ff.earlyAfter().toNanos();
        watchInterval = interval.toNanos();
        if (!watching) {
            generation++;
            watching = true;
        }
        synchronized (this) {
            if (closed || monitorThread != null) {
                return;
            }
            monitorThread = Executors.newSingleThreadScheduledExecutor(daemon("hapg-heartbeat-monitor-" + me));
            monitorThread.execute(this::tick);
        }
    }

    /** One read of the heartbeat key on the monitor thread, then the next one an interval later. */
    private void tick() {
        try {
            long g = generation;
            if (watching) {
                if (g != monitorGeneration) {
                    monitor.forget();
                    monitorGeneration = g;
                }
                Optional<HeartbeatSeen> seen = monitor.observe();
                latest.set(new Observed(g, seen));
                if (seen.isPresent() && seen.get().revision() != wokenFor
                        && seen.get().stillFor(time.nanoTime()) >= watchEarly) {
                    wokenFor = seen.get().revision();
                    wakeLoop.run();
                }
            }
        } catch (UnsupportedOperationException e) {
            if (!unsupportedLogged) {
                unsupportedLogged = true;
                LOG.error("{} - fast_failover is on but the consensus store cannot read heartbeats ({})", context,
                        e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.warn("{} - reading the heartbeat failed: {}", context, e.toString());
        }
        synchronized (this) {
            if (!closed && monitorThread != null) {
                try {
                    monitorThread.schedule(this::tick, watchInterval, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    // closing
                }
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Stops the writer, the monitor and the probers. Idempotent; any thread. */
    @Override
    public void close() {
        HeartbeatWriter w;
        ScheduledExecutorService m;
        ExecutorService p;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            watching = false;
            w = writer;
            m = monitorThread;
            p = probeThreads;
        }
        if (w != null) {
            w.close();
        }
        if (m != null) {
            m.shutdownNow();
        }
        if (p != null) {
            p.shutdownNow();
        }
    }
}
