package io.hapg.core;

import static org.assertj.core.api.Assertions.fail;

import io.hapg.core.config.HaConfig;
import io.hapg.core.spi.PeerClient;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Member;
import io.hapg.core.model.PeerStatus;
import io.hapg.core.model.Tags;
import io.hapg.core.spi.RoleChangeListener;
import io.hapg.core.testing.FakeDatabaseNetwork;
import io.hapg.core.testing.FakeDatabaseNode;
import io.hapg.core.testing.InMemoryConsensus;
import io.hapg.core.testing.InMemoryStore;
import io.hapg.core.testing.ManualClock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Several {@link HaAgent}s on the in-memory fakes and one manual clock: what the loop tests drive.
 * Time only moves when a test calls {@link #advance}; each agent then runs an iteration.
 */
final class AgentCluster implements AutoCloseable {
    final ManualClock clock = new ManualClock();
    final InMemoryStore store;
    final FakeDatabaseNetwork network = new FakeDatabaseNetwork();
    final DynamicConfig dcs;
    final Map<String, HaAgent> agents = new LinkedHashMap<>();
    final Map<String, InMemoryConsensus> consensus = new LinkedHashMap<>();
    final Map<String, FakeDatabaseNode> databases = new LinkedHashMap<>();
    final Set<String> unreachable = ConcurrentHashMap.newKeySet();
    /** Members whose pre_promote vetoes every promotion (members without a pre_promote script only). */
    final Set<String> vetoes = ConcurrentHashMap.newKeySet();
    private final InMemoryConsensus observer;

    AgentCluster(Map<String, ?> dynamicConfig) {
        this.dcs = DynamicConfig.fromMap(dynamicConfig);
        this.store = InMemoryStore.builder().scope("shop").ttl(dcs.ttl()).clock(clock).build();
        this.observer = store.member("observer");
    }

    AgentCluster() {
        this(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10));
    }

    HaAgent add(String name, RoleChangeListener... listeners) {
        return add(HaConfig.builder().scope("shop").name(name).bootstrapDcs(dcs).build(), listeners);
    }

    HaAgent add(HaConfig config, RoleChangeListener... listeners) {
        String name = config.name();
        InMemoryConsensus member = store.member(name);
        FakeDatabaseNode database = network.node(name);
        HaAgent.Builder builder = HaAgent.builder(config, member, database)
                .timeSource(clock)
                .peerClient(new Peers())
                .listenerTimeout(Duration.ofMillis(500))
                .shutdownTimeout(Duration.ofSeconds(2))
                .connUrl("postgres://127.0.0.1:5432/" + name)
                .apiUrl("http://127.0.0.1:8008/" + name);
        for (RoleChangeListener listener : listeners) {
            builder.listener(listener);
        }
        if (config.prePromote().isEmpty()) {
            builder.prePromote(change -> !vetoes.contains(name));
        }
        HaAgent agent = builder.build();
        agents.put(name, agent);
        consensus.put(name, member);
        databases.put(name, database);
        return agent;
    }

    void startAll() {
        agents.values().forEach(HaAgent::start);
    }

    /** Moves time on and waits until every agent not in {@code stuck} ran an iteration at the new time. */
    void advance(Duration step, String... stuck) {
        clock.advance(step);
        long now = clock.nanoTime();
        List<String> skip = List.of(stuck);
        agents.values().forEach(HaAgent::wake);
        for (Map.Entry<String, HaAgent> e : agents.entrySet()) {
            if (!skip.contains(e.getKey())) {
                HaAgent agent = e.getValue();
                await("iteration of " + e.getKey(), () -> agent.status().map(s -> s.loopNanos() >= now).orElse(false));
            }
        }
    }

    /** Advances in {@code step}s until {@code condition} holds, at most {@code limit} of manual time. */
    void advanceUntil(String what, Duration step, Duration limit, BooleanSupplier condition, String... stuck) {
        long steps = limit.toNanos() / step.toNanos();
        for (long i = 0; i <= steps; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            advance(step, stuck);
            awaitQuietly(condition);
        }
        if (!condition.getAsBoolean()) {
            fail("%s did not happen within %s of manual time; statuses: %s", what, limit, describe());
        }
    }

    /** The member whose database runs as primary while it holds the key, if exactly that. */
    Optional<String> healthyPrimary() {
        Optional<String> leader = leader();
        return leader.filter(l -> databases.containsKey(l) && db(l).isRunningPrimary()
                && agents.get(l).status().map(s -> s.local().role() == io.hapg.core.model.Role.PRIMARY)
                        .orElse(false));
    }

    /** Exactly one healthy primary and every other member a running replica. */
    boolean converged() {
        Optional<String> primary = healthyPrimary();
        if (primary.isEmpty()) {
            return false;
        }
        for (String name : agents.keySet()) {
            if (!name.equals(primary.get()) && !(db(name).isRunning() && db(name).inRecovery()
                    && agents.get(name).status().map(s -> s.local().role() == io.hapg.core.model.Role.REPLICA)
                            .orElse(false))) {
                return false;
            }
        }
        return true;
    }

    DatabaseState db(String name) {
        return databases.get(name).probe();
    }

    Optional<String> leader() {
        return observer.read().leader().map(l -> l.name());
    }

    String describe() {
        StringBuilder out = new StringBuilder();
        agents.forEach((name, agent) -> out.append("\n  ").append(name).append(": ")
                .append(agent.status().map(s -> s.local().role() + " " + s.reason()).orElse("(no iteration)"))
                .append(" | db ").append(db(name).process()).append(db(name).inRecovery() ? " recovery" : ""));
        return out.toString();
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting for " + what);
            }
            sleep(5);
        }
    }

    private static void awaitQuietly(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofMillis(300).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() - deadline < 0) {
            sleep(5);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        agents.values().forEach(HaAgent::close);
        store.close();
    }

    /** Answers the leader race from the other agents' last status, as their REST API would. */
    private final class Peers implements PeerClient {
        @Override
        public Map<String, PeerStatus> statuses(Collection<Member> members, Duration timeout) {
            Map<String, PeerStatus> answers = new LinkedHashMap<>();
            for (Member member : members) {
                HaAgent agent = agents.get(member.name());
                if (agent == null || unreachable.contains(member.name())) {
                    continue;
                }
                agent.status().ifPresent(s -> {
                    DatabaseState db = s.local().database();
                    answers.put(member.name(), new PeerStatus(member.name(),
                            db.isRunningPrimary() ? "primary" : "replica", db.isRunning() ? "running" : "stopped",
                            db.walPosition(), db.timeline(), Tags.NONE.failoverPriority()));
                });
            }
            return answers;
        }

        @Override
        public boolean failsafe(Collection<Member> members, String leaderName, Duration timeout) {
            return false;
        }

        /**
         * Each voter probes the leader its own view names with its fake database's
         * {@code probeOther}, as {@code POST /hapg/probe-leader} would; an unreachable voter, or one
         * whose view names another leader, answers nothing.
         */
        @Override
        public Map<String, LeaderProbe.Outcome> probeLeader(Collection<Member> voters, String leader,
                                                            Duration timeout) {
            Map<String, LeaderProbe.Outcome> answers = new LinkedHashMap<>();
            io.hapg.core.model.ClusterView view = observer.read();
            Optional<Member> target = view.leader().filter(l -> l.name().equals(leader)).flatMap(l -> view.member(leader));
            for (Member voter : voters) {
                FakeDatabaseNode db = databases.get(voter.name());
                answers.put(voter.name(), db == null || unreachable.contains(voter.name()) || target.isEmpty()
                        ? LeaderProbe.Outcome.VOTER_UNREACHABLE : db.probeOther(target.get(), timeout));
            }
            return answers;
        }

        @Override
        public void close() {
        }
    }
}
