package io.hapg.core.testing;

import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.ReplicationPeer;
import io.hapg.core.spi.DatabaseUnavailableException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The hosts a set of {@link FakeDatabaseNode}s can reach, by member name: what lets one fake
 * clone from, stream from and rewind against another. One per test cluster; no static state.
 *
 * <p>It also holds the replication model, under one lock shared by its nodes. A running replica
 * streams from its upstream (primary or cascading replica) whenever both run, their system
 * identifiers match, and its WAL has not diverged from the upstream's timeline history. Streaming
 * is instantaneous: after every change, streaming replicas have received and replayed all their
 * upstream has ({@link FakeDatabaseNode#pauseReplication} holds a lag). A promotion records
 * {@code (timeline, switch point)}; a node whose WAL goes past the switch point of its timeline
 * on the upstream's history has diverged and stops streaming until {@code rewind} or
 * {@code cloneFrom}.
 */
public final class FakeDatabaseNetwork {
    final Object lock = new Object();
    private final Map<String, FakeDatabaseNode> nodes = new LinkedHashMap<>();
    private final Map<String, NodeState> states = new LinkedHashMap<>();
    private long nextSystemIdentifier = 7_300_000_000_000_000_001L;

    /** A new, empty data directory named {@code name} on this network. */
    public FakeDatabaseNode node(String name) {
        Objects.requireNonNull(name, "name");
        synchronized (lock) {
            if (nodes.containsKey(name)) {
                throw new IllegalArgumentException("name must be unique on the network, '" + name + "' exists");
            }
            NodeState state = new NodeState(name, this);
            FakeDatabaseNode node = new FakeDatabaseNode(this, state);
            nodes.put(name, node);
            states.put(name, state);
            return node;
        }
    }

    public Optional<FakeDatabaseNode> find(String name) {
        synchronized (lock) {
            return Optional.ofNullable(nodes.get(name));
        }
    }

    public List<FakeDatabaseNode> nodes() {
        synchronized (lock) {
            return List.copyOf(nodes.values());
        }
    }

    String nextSystemIdentifierLocked() {
        return Long.toString(nextSystemIdentifier++);
    }

    /** The running node {@code member} names, as a connection to it would find it. */
    NodeState reachableLocked(Member member, NodeState caller, String operation) {
        NodeState node = states.get(member.name());
        String why = node == null ? "no such host" : node == caller ? "it is this node"
                : !node.running ? "not running" : node.unresponsive ? "not answering" : null;
        if (why != null) {
            throw new DatabaseUnavailableException(caller.name + ": " + operation + ": cannot connect to "
                    + member.name() + " (" + member.connUrl() + "): " + why);
        }
        return node;
    }

    /** Brings every streaming replica up to its upstream, cascades included. */
    void propagateLocked() {
        for (int round = 0; round <= states.size(); round++) {
            boolean changed = false;
            for (NodeState replica : states.values()) {
                NodeState upstream = streamingUpstreamLocked(replica);
                if (upstream == null) {
                    continue;
                }
                if (upstream.timeline != replica.timeline) {
                    replica.timeline = upstream.timeline;
                    replica.history = upstream.history;
                    changed = true;
                }
                Lsn target = Lsn.max(replica.flushed, upstream.flushed);
                if (!target.equals(replica.flushed) || !target.equals(replica.replayed)) {
                    replica.flushed = target;
                    replica.replayed = target;
                    changed = true;
                }
            }
            if (!changed) {
                return;
            }
        }
    }

    /** The node {@code replica} streams from right now, or null. */
    NodeState streamingUpstreamLocked(NodeState replica) {
        if (!replica.running || !replica.standby || replica.upstream == null || replica.replicationPaused) {
            return null;
        }
        NodeState upstream = states.get(replica.upstream);
        if (upstream == null || !upstream.running || upstream.unresponsive) {
            return null;
        }
        return compatibleLocked(replica, upstream) ? upstream : null;
    }

    /** Why {@code replica} does not stream, in words; empty when it does. */
    Optional<String> notStreamingReasonLocked(NodeState replica) {
        if (streamingUpstreamLocked(replica) != null) {
            return Optional.empty();
        }
        NodeState upstream = replica.upstream == null ? null : states.get(replica.upstream);
        if (replica.replicationPaused) {
            return Optional.of("replication paused");
        } else if (upstream == null || !upstream.running || upstream.unresponsive) {
            return Optional.of("upstream " + replica.upstream + " unreachable");
        } else if (!upstream.systemIdentifier.equals(replica.systemIdentifier)) {
            return Optional.of("system identifier differs from " + upstream.name);
        }
        return Optional.of("diverged from " + upstream.name + " (timeline " + replica.timeline + " at "
                + replica.flushed + ", upstream on timeline " + upstream.timeline + ")");
    }

    /** {@code pg_stat_replication} on {@code node}: the replicas streaming from it, by name. */
    List<ReplicationPeer> replicationRowsLocked(NodeState node) {
        List<ReplicationPeer> rows = new ArrayList<>();
        states.values().stream().filter(r -> streamingUpstreamLocked(r) == node)
                .sorted((a, b) -> a.name.compareTo(b.name))
                .forEach(r -> rows.add(new ReplicationPeer(r.name, "streaming",
                        !node.synchronousStandbys.contains(r.name) ? "async"
                                : node.synchronousAny > 0 ? "quorum" : "sync", Optional.of(r.flushed),
                        Optional.of(r.replayed))));
        return rows;
    }

    /**
     * Where {@code node}'s history leaves {@code source}'s: the switch point at which their
     * timelines part, or empty when {@code node} is on {@code source}'s current timeline.
     */
    static Optional<Lsn> forkPoint(NodeState node, NodeState source) {
        List<NodeState.TimelineSwitch> mine = node.history;
        List<NodeState.TimelineSwitch> theirs = source.history;
        int common = Math.min(mine.size(), theirs.size());
        for (int i = 0; i < common; i++) {
            if (!mine.get(i).equals(theirs.get(i))) {
                return Optional.of(min(mine.get(i).end(), theirs.get(i).end()));
            }
        }
        if (mine.size() < theirs.size()) {
            return Optional.of(theirs.get(mine.size()).end());
        }
        if (mine.size() > theirs.size()) {
            return Optional.of(mine.get(theirs.size()).end());
        }
        return Optional.empty();
    }

    /** Whether {@code node} has WAL that {@code source}'s history does not contain. */
    static boolean diverged(NodeState node, NodeState source) {
        return node.timeline > source.timeline
                || forkPoint(node, source).map(fork -> node.flushed.isAfter(fork)).orElse(false);
    }

    private static boolean compatibleLocked(NodeState replica, NodeState upstream) {
        return upstream.systemIdentifier != null && upstream.systemIdentifier.equals(replica.systemIdentifier)
                && !diverged(replica, upstream);
    }

    private static Lsn min(Lsn a, Lsn b) {
        return a.isBefore(b) ? a : b;
    }
}
