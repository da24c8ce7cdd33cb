package io.hapg.examples.cluster;

import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.ManagedProcess;
import io.hapg.testkit.Pids;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Remembers the PID of every process the demo (or the soak) started (etcd members, agents, the postmasters the
 * agents run) and stops them: SIGTERM to each agent (it stops its PostgreSQL and hands the leader
 * key over), then {@link LocalCluster#close()} (kill -9 of whatever is left, by PID, and etcd).
 * On Ctrl-C the JVM runs the testkit's own shutdown hooks at the same time, which kill -9 the
 * agents at once; either way nothing the demo started survives it. Thread-safe.
 */
public final class Stopper {
    private static final Duration AGENT_GRACE = Duration.ofSeconds(15);

    private final LocalCluster cluster;
    private final PrintStream out;
    private final Map<String, Long> pids = new LinkedHashMap<>();

    public Stopper(LocalCluster cluster, PrintStream out) {
        this.cluster = cluster;
        this.out = out;
    }

    /** {@code "etcd e0" -> pid, "agent n0" -> pid, "postmaster n0" -> pid}, as known now. */
    public synchronized Map<String, Long> pids() {
        for (ManagedProcess p : cluster.etcd().processes()) {
            pids.putIfAbsent(p.name(), p.pid());
        }
        cluster.nodes().forEach(this::remember);
        return new LinkedHashMap<>(pids);
    }

    /** Records the node's current agent and postmaster PIDs (a restart brings new ones). */
    public synchronized void remember(ClusterNode n) {
        n.agentPid().ifPresent(pid -> pids.put(key("agent", n, pid), pid));
        n.postmasterPid().ifPresent(pid -> pids.put(key("postmaster", n, pid), pid));
    }

    private String key(String what, ClusterNode n, long pid) {
        String base = what + " " + n.name();
        return pids.containsKey(base) && pids.get(base) != pid ? base + " (pid " + pid + ")" : base;
    }

    /** Stops everything and reports what, if anything, survived. */
    public void stopAll() {
        Map<String, Long> all = pids();
        out.println("\nstopping every process started here, by PID");
        for (ClusterNode n : cluster.nodes()) {
            n.terminateAgent();
        }
        for (ClusterNode n : cluster.nodes()) {
            n.awaitAgentExit(AGENT_GRACE);
        }
        cluster.close();
        List<String> alive = new ArrayList<>();
        all.forEach((name, pid) -> {
            if (Pids.isAlive(pid)) {
                alive.add(name + " " + pid);
            }
        });
        out.println(alive.isEmpty() ? "stopped all " + all.size() + " processes: " + all.values()
                : "still running: " + alive);
        out.println("logs kept in " + cluster.baseDir());
        out.flush();
    }
}
