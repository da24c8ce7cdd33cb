package io.hapg.hikari;

import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.spi.Consensus;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.hikari.internal.ConnUrls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Finds the primary from the consensus store, for applications allowed to read it: the
 * {@code leader} key names the primary, its {@code members/<name>} key's {@code conn_url} says where
 * it listens. Learns of a change from {@link Consensus#watch} (sub-second: a moved or expired
 * leader key is seen as the store reports it), and re-reads every {@link Builder#recheckInterval}
 * as a safety net and to refresh the replicas' lag.
 *
 * <p>"No primary" while the leader key is absent, names a member without a member key, or its
 * {@code conn_url} does not parse ({@link #problem()} then says which). While the store cannot be
 * read the last answer is kept and {@link #problem()} says why: the old primary fences itself
 * when it loses its lease, so a store outage must not make every application drop it. But not
 * blindly for ever: once the store has been unreadable for {@link Builder#confirmAfter} (the
 * cluster's {@code ttl}), the primary must confirm itself on its agent's {@code GET /primary}
 * (answered 200 only while it holds the leader key, so lease-bound) at every re-check; when it does
 * not (its agent frozen, unreachable, or no longer primary) the locator says "no primary", naming
 * the blindness, until the store answers again. Not in {@code failsafe_mode}: there a primary cut
 * from the store stays primary while it reaches every member, so the last answer is kept.
 * {@link #blindFor()} is how long the store has been unreadable, for a metric.
 *
 * <p>A {@code failover} key that names the current leader and is due is a planned switchover:
 * {@link #subscribeSwitchovers} reports it, so a pool can hold new borrowers before the primary
 * stops. It stays reported after that leader released the key (the handover is under way) and
 * ends when another member holds the key or the request is deleted.
 *
 * <p>Threads: one named thread {@code hapg-locator-<cluster>} reads and notifies; the consensus
 * watch callback only queues a check. {@link #refresh()} queues one too.
 *
 * <pre>{@code
 * EtcdConsensus etcd = new EtcdConsensus(EtcdConfig.builder().endpoints(...).scope("shop").member("app-1").build());
 * ConsensusPrimaryLocator locator = ConsensusPrimaryLocator.builder(etcd).cluster("shop")
 *         .cachedView(etcd::cachedView).build().start();
 * }</pre>
 */
public final class ConsensusPrimaryLocator extends AbstractClusterLocator {
    private final Consensus consensus;
    private final Supplier<Optional<ClusterView>> cachedView;
    private final Duration recheckInterval;
    private final Clock clock;
    private final boolean closeConsensus;
    private final AtomicReference<AutoCloseable> watch = new AtomicReference<>();
    private volatile Instant scheduledRecheck = Instant.MAX;
    private final Optional<Duration> confirmAfter;
    private final Duration confirmTimeout;
    private final HttpClient http;
    // The last successful round-trip read (locator thread only, but for lastView) and when it happened;
    // blindSinceNanos is 0 while the latest read succeeded.
    private volatile long lastReadNanos;
    private volatile long blindSinceNanos;
    private Optional<ClusterView> lastView = Optional.empty();
    private volatile Optional<String> systemIdentifier = Optional.empty(); // the last initialize key seen

    private ConsensusPrimaryLocator(Builder b) {
        super("hapg-locator-" + b.cluster, b.cluster);
        this.consensus = b.consensus;
        this.cachedView = b.cachedView;
        this.recheckInterval = b.recheckInterval;
        this.clock = b.clock;
        this.closeConsensus = b.closeConsensus;
        this.confirmAfter = b.confirmAfter;
        this.confirmTimeout = b.confirmTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(b.confirmTimeout).version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public static Builder builder(Consensus consensus) {
        return new Builder(consensus);
    }

    /**
     * Starts watching and reads the cluster once (on the locator thread; returns at once).
     *
     * @return this
     * @throws IllegalStateException when already started or closed
     */
    public ConsensusPrimaryLocator start() {
        claimStart();
        lastReadNanos = System.nanoTime();
        watch.set(consensus.watch(() -> core.requestCheck()));
        core.start(() -> check(true), () -> check(false), recheckInterval);
        return this;
    }

    @Override
    public AutoCloseable subscribeSwitchovers(Consumer<Optional<PendingSwitchover>> listener) {
        return core.subscribeSwitchovers(listener);
    }

    /** Stops watching; closes the consensus too when built with {@link Builder#closeConsensus}. Idempotent. */
    @Override
    public void close() {
        super.close();
        AutoCloseable w = watch.getAndSet(() -> { });
        if (w != null) {
            try {
                w.close();
            } catch (Exception e) {
                // The consensus may be closed already.
            }
        }
        if (closeConsensus) {
            consensus.close();
        }
    }

    /** The {@code initialize} key's system identifier, as last read. */
    @Override
    public Optional<String> systemIdentifier() {
        return systemIdentifier;
    }

    @Override
    public String toString() {
        return "ConsensusPrimaryLocator[" + cluster() + " via " + consensus + "]";
    }

    /** @param roundTrip true for the periodic check: a real read, so an unreachable store is noticed */
    private void check(boolean roundTrip) {
        ClusterView view;
        try {
            // While blind every check is a round trip: the cache is as old as the outage, and must not
            // bring back a primary that failed to confirm itself.
            Optional<ClusterView> cached = roundTrip || blindSinceNanos != 0 ? Optional.empty() : cachedView.get();
            view = cached.isPresent() ? cached.get() : consensus.read();
            if (cached.isEmpty()) {
                // Only a round trip proves the store readable: a cached view may be as old as the outage.
                lastReadNanos = System.nanoTime();
                blindSinceNanos = 0;
                lastView = Optional.of(view);
            }
        } catch (ConsensusUnavailableException e) {
            blind("cannot read cluster " + cluster() + " from the consensus store: " + e.getMessage());
            return;
        }
        apply(view);
    }

    /**
     * How long the consensus store has been unreadable: since the last successful read, while the
     * latest one failed; zero while reads succeed. Any thread; usable as a gauge.
     */
    @Override
    public Duration blindFor() {
        long since = blindSinceNanos;
        return since == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - lastReadNanos);
    }

    /**
     * A read failed. Up to {@code confirmAfter} (or in failsafe mode) the last answer stands; after
     * that the last primary must confirm itself on its agent's {@code GET /primary}, or there is none.
     */
    private void blind(String why) {
        long now = System.nanoTime();
        if (blindSinceNanos == 0) {
            blindSinceNanos = now;
        }
        long blindMs = TimeUnit.NANOSECONDS.toMillis(now - lastReadNanos);
        Optional<DynamicConfig> config = lastView.flatMap(ClusterView::config);
        Duration limit = confirmAfter.orElseGet(() -> config.map(DynamicConfig::ttl).orElse(DynamicConfig.DEFAULTS.ttl()));
        String blind = why + " (no successful read for " + blindMs + " ms)";
        if (blindMs < limit.toMillis() || lastView.isEmpty()) {
            core.failed(blind);
            return;
        }
        if (config.map(DynamicConfig::failsafeMode).orElse(false)) {
            core.failed(blind + "; failsafe_mode is on, so the last answer stands");
            return;
        }
        ClusterView last = lastView.get();
        Optional<Member> leader = last.leaderMember();
        if (leader.isEmpty()) {
            core.failed(blind);
            return;
        }
        Optional<String> refused = confirm(leader.get());
        if (refused.isEmpty()) {
            apply(last);
            core.failed(blind + "; " + leader.get().name() + " confirmed itself on GET /primary");
            return;
        }
        core.publishProblem("cluster " + cluster() + ": blind for " + blindMs + " ms (more than " + limit.toMillis()
                + " ms) and primary " + leader.get().name() + " did not confirm itself on GET /primary ("
                + refused.get() + "); no primary until the consensus store answers: " + why, core.replicas());
    }

    /** Asks {@code member}'s agent whether it is the primary; empty when it answered 200, else what it said. */
    private Optional<String> confirm(Member member) {
        URI base;
        try {
            URI api = URI.create(member.apiUrl().strip());
            if (api.getScheme() == null || api.getRawAuthority() == null) {
                return Optional.of("its api_url '" + member.apiUrl() + "' is not a URL");
            }
            base = URI.create(api.getScheme() + "://" + api.getRawAuthority() + "/primary");
        } catch (IllegalArgumentException e) {
            return Optional.of("its api_url '" + member.apiUrl() + "' is not a URL");
        }
        HttpRequest request = HttpRequest.newBuilder(base).timeout(confirmTimeout).GET().build();
        try {
            HttpResponse<String> r = http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .get(confirmTimeout.toMillis() + 500, TimeUnit.MILLISECONDS);
            return r.statusCode() == 200 ? Optional.empty() : Optional.of(base + " answered " + r.statusCode());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(base + ": interrupted");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return Optional.of(base + ": " + (e instanceof java.util.concurrent.TimeoutException
                    || cause instanceof java.net.http.HttpTimeoutException ? "timed out after "
                    + confirmTimeout.toMillis() + " ms" : cause.toString()));
        }
    }

    private void apply(ClusterView view) {
        view.systemIdentifier().ifPresent(id -> systemIdentifier = Optional.of(id));
        Optional<PendingSwitchover> pending = pending(view);
        List<ReplicaEndpoint> replicas = replicas(view);
        if (view.leader().isEmpty()) {
            core.publish(Optional.empty(), pending, replicas);
            return;
        }
        String leader = view.leader().get().name();
        Optional<Member> member = view.member(leader);
        if (member.isEmpty()) {
            core.publishProblem("cluster " + cluster() + ": the leader key names " + leader
                    + " but members/" + leader + " is absent, so its conn_url is unknown", replicas);
            return;
        }
        ConnUrls.HostPort at;
        try {
            at = ConnUrls.parse(member.get().connUrl());
        } catch (IllegalArgumentException e) {
            core.publishProblem("cluster " + cluster() + ": primary " + leader + " published a conn_url that "
                    + "cannot be used: " + e.getMessage(), replicas);
            return;
        }
        core.publish(Optional.of(new PrimaryEndpoint(leader, at.host(), at.port(), member.get().connUrl())), pending,
                replicas);
    }

    private Optional<PendingSwitchover> pending(ClusterView view) {
        Optional<FailoverRequest> request = view.failover();
        // Pending while the named leader still holds the key (it is about to stop) and after it released
        // it (the handover is under way); over once another member holds the key.
        if (request.isEmpty() || request.get().leader().isEmpty()
                || view.leader().isPresent() && !view.isLeader(request.get().leader().get())) {
            return Optional.empty();
        }
        FailoverRequest r = request.get();
        if (r.scheduledAt().isPresent() && r.scheduledAt().get().isAfter(clock.instant())) {
            scheduleRecheckAt(r.scheduledAt().get());
            return Optional.empty();
        }
        return Optional.of(new PendingSwitchover(r.leader().get(), r.candidate(), r.revision()));
    }

    private void scheduleRecheckAt(Instant at) {
        if (at.equals(scheduledRecheck)) {
            return;
        }
        scheduledRecheck = at;
        core.requestCheckAfter(Duration.ofMillis(Math.max(0, Duration.between(clock.instant(), at).toMillis())));
    }

    /** Running replicas with a usable conn_url; lag against the leader's last published position. */
    static List<ReplicaEndpoint> replicasOf(ClusterView view) {
        Optional<Lsn> leaderPosition = view.status().optime();
        Optional<Lsn> leaderXlog = view.leaderMember().flatMap(Member::xlogLocation);
        if (leaderXlog.isPresent()) {
            leaderPosition = Optional.of(leaderPosition.map(p -> Lsn.max(p, leaderXlog.get())).orElse(leaderXlog.get()));
        }
        List<ReplicaEndpoint> out = new ArrayList<>();
        for (Member m : view.members().values()) {
            if (view.isLeader(m.name()) || !m.isRunning() || m.isPrimaryRole()) {
                continue;
            }
            ConnUrls.HostPort at;
            try {
                at = ConnUrls.parse(m.connUrl());
            } catch (IllegalArgumentException e) {
                continue;
            }
            Optional<Lsn> mine = m.replayLsn().or(m::walPosition);
            OptionalLong lag = leaderPosition.isPresent() && mine.isPresent()
                    ? OptionalLong.of(Math.max(0, leaderPosition.get().minus(mine.get()))) : OptionalLong.empty();
            out.add(new ReplicaEndpoint(m.name(), at.host(), at.port(), lag, m.tags().noloadbalance()));
        }
        return out;
    }

    private List<ReplicaEndpoint> replicas(ClusterView view) {
        return replicasOf(view);
    }

    /** Builder for {@link ConsensusPrimaryLocator}. */
    public static final class Builder {
        private final Consensus consensus;
        private String cluster = "cluster";
        private Supplier<Optional<ClusterView>> cachedView = Optional::empty;
        private Duration recheckInterval = Duration.ofSeconds(5);
        private Clock clock = Clock.systemUTC();
        private boolean closeConsensus;
        private Optional<Duration> confirmAfter = Optional.empty();
        private Duration confirmTimeout = Duration.ofSeconds(1);

        private Builder(Consensus consensus) {
            this.consensus = Objects.requireNonNull(consensus, "consensus");
        }

        /** The cluster's name for messages and thread names (Patroni {@code scope}). */
        public Builder cluster(String v) {
            cluster = requireCluster(v);
            return this;
        }

        /**
         * Where a watch-triggered check reads the cluster without a round trip, e.g.
         * {@code EtcdConsensus::cachedView}; empty answers fall back to {@link Consensus#read()}.
         * The periodic re-check always reads.
         */
        public Builder cachedView(Supplier<Optional<ClusterView>> v) {
            cachedView = Objects.requireNonNull(v, "cachedView");
            return this;
        }

        /** How often to re-read the cluster regardless of the watch (5 s). */
        public Builder recheckInterval(Duration v) {
            recheckInterval = positive(v, "recheckInterval");
            return this;
        }

        /** The wall clock scheduled switchovers are compared with. */
        public Builder clock(Clock v) {
            clock = Objects.requireNonNull(v, "clock");
            return this;
        }

        /** Whether {@link ConsensusPrimaryLocator#close()} also closes the consensus (false). */
        public Builder closeConsensus(boolean v) {
            closeConsensus = v;
            return this;
        }

        /**
         * How long the store may be unreadable before the last primary must confirm itself on its
         * agent's {@code GET /primary} at every re-check (default: the cluster's {@code ttl} from the
         * {@code config} key, else 30 s). Ignored in {@code failsafe_mode}.
         */
        public Builder confirmAfter(Duration v) {
            confirmAfter = Optional.of(positive(v, "confirmAfter"));
            return this;
        }

        /** Bound on that {@code GET /primary}, connect included (1 s). */
        public Builder confirmTimeout(Duration v) {
            confirmTimeout = positive(v, "confirmTimeout");
            return this;
        }

        private static Duration positive(Duration v, String name) {
            if (v == null || v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + v);
            }
            return v;
        }

        public ConsensusPrimaryLocator build() {
            return new ConsensusPrimaryLocator(this);
        }
    }
}
