package io.hapg.examples.cluster;

import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The faults of the e2e suite the soak draws from. {@link #apply} injects the fault and returns
 * what undoes it; a {@link #held()} fault stays in place for the soak's hold time (ttl + 5 s,
 * long enough for the lease to expire) before it is healed, the others heal at once. The demo's
 * storefront run uses some of them too.
 */
public enum Fault {
    KILL_PRIMARY_NODE("kill -9 primary node", true, onPrimary(ClusterNode::killNode, ClusterNode::startAgent)),
    KILL_PRIMARY_POSTGRES("kill -9 primary postmaster", false, onPrimary(ClusterNode::killPostgres, n -> { })),
    SIGTERM_PRIMARY_AGENT("SIGTERM primary agent", true,
            onPrimary(ClusterNode::terminateAgent, Fault::restartAfterExit)),
    CUT_PRIMARY_FROM_ETCD("primary cut from etcd", true, onPrimary(ClusterNode::cutFromEtcd, ClusterNode::healEtcd)),
    BLACKHOLE_PRIMARY_FROM_ETCD("primary black-holed from etcd", true,
            onPrimary(ClusterNode::blackholeFromEtcd, ClusterNode::healEtcd)),
    FREEZE_PRIMARY_AGENT("primary agent frozen", true, onPrimary(ClusterNode::freezeAgent, ClusterNode::thawAgent)),
    SWITCHOVER("planned switchover", false, Fault::switchover),
    KILL_ETCD_MEMBER("etcd member killed", true, Fault::killEtcdMember),
    SLOW_ETCD("etcd slowed 150 ms each way", true, Fault::slowEtcd),
    KILL_REPLICA_NODE("kill -9 replica node", true, (cluster, primary, random) ->
            on(replica(cluster, primary, random), ClusterNode::killNode, ClusterNode::startAgent));

    private static final Duration AGENT_EXIT = Duration.ofSeconds(30);
    private static final Duration ETCD_REJOIN = Duration.ofSeconds(30);
    private static final Duration ETCD_LATENCY = Duration.ofMillis(150);

    /**
     * What a fault did.
     *
     * @param target whom it hit: a node, {@code n0 -> n2} for a switchover, an etcd member
     * @param heal   undoes it (restarts, heals the network, thaws); may throw when that fails
     */
    public record Applied(String target, Runnable heal) {
    }

    /** Injects a fault on a converged cluster whose primary is {@code primary}; returns at once. */
    @FunctionalInterface
    interface Injector {
        Applied apply(LocalCluster cluster, ClusterNode primary, Random random);
    }

    private final String label;
    private final boolean held;
    private final Injector injector;

    Fault(String label, boolean held, Injector injector) {
        this.label = label;
        this.held = held;
        this.injector = injector;
    }

    /** Injects the fault on a converged cluster whose primary is {@code primary}; returns at once. */
    public Applied apply(LocalCluster cluster, ClusterNode primary, Random random) {
        return injector.apply(cluster, primary, random);
    }

    /** Whether the fault stays for the hold time before it is healed. */
    public boolean held() {
        return held;
    }

    /** How the fault is printed. */
    public String label() {
        return label;
    }

    /** A replica drawn with {@code random} among the nodes other than {@code primary}, in name order. */
    static ClusterNode replica(LocalCluster cluster, ClusterNode primary, Random random) {
        List<ClusterNode> replicas = cluster.nodes().stream().filter(n -> n != primary).collect(Collectors.toList());
        return replicas.get(random.nextInt(replicas.size()));
    }

    private static Injector onPrimary(Consumer<ClusterNode> fault, Consumer<ClusterNode> heal) {
        return (cluster, primary, random) -> on(primary, fault, heal);
    }

    private static Applied on(ClusterNode node, Consumer<ClusterNode> fault, Consumer<ClusterNode> heal) {
        fault.accept(node);
        return new Applied(node.name(), () -> heal.accept(node));
    }

    private static void restartAfterExit(ClusterNode node) {
        if (!node.awaitAgentExit(AGENT_EXIT)) {
            throw new IllegalStateException("the agent of " + node.name() + " did not exit within "
                    + AGENT_EXIT.toSeconds() + " s of SIGTERM");
        }
        node.startAgent();
    }

    /**
     * A switchover to a replica drawn with {@code random}; in synchronous mode only the
     * synchronous standby ({@code /sync} 200) is a candidate, as with Patroni.
     */
    private static Applied switchover(LocalCluster cluster, ClusterNode primary, Random random) {
        List<ClusterNode> candidates = cluster.nodes().stream().filter(n -> n != primary && n.status("/sync") == 200)
                .collect(Collectors.toList());
        ClusterNode candidate = candidates.isEmpty() ? replica(cluster, primary, random)
                : candidates.get(random.nextInt(candidates.size()));
        ClusterNode.Response r = primary.switchover(candidate.name());
        if (r.status() != 200) {
            throw new IllegalStateException("switchover " + primary.name() + " -> " + candidate.name() + " answered "
                    + r.status() + " " + r.body().strip());
        }
        return new Applied(primary.name() + "->" + candidate.name(), () -> { });
    }

    private static Applied killEtcdMember(LocalCluster cluster, ClusterNode primary, Random random) {
        int member = random.nextInt(cluster.etcd().memberCount());
        cluster.etcd().kill(member);
        return new Applied("etcd member " + member, () -> {
            cluster.etcd().restart(member);
            // This member, not just a quorum: the next etcd fault must not meet a member still rejoining.
            cluster.etcd().awaitMembersHealthy(ETCD_REJOIN, member);
        });
    }

    private static Applied slowEtcd(LocalCluster cluster, ClusterNode primary, Random random) {
        cluster.nodes().forEach(n -> n.slowEtcd(ETCD_LATENCY));
        return new Applied("every node", () -> cluster.nodes().forEach(ClusterNode::healEtcd));
    }
}
