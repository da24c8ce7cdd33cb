package io.hapg.testkit.cluster;

import io.hapg.testkit.ManagedProcess;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** Waiting for the cluster's shape, from the REST API's codes and PostgreSQL's own view. */
final class Convergence {
    private static final Duration POLL = Duration.ofMillis(100);

    private Convergence() {
    }

    static Optional<ClusterNode> primary(List<ClusterNode> nodes) {
        List<ClusterNode> primaries = nodes.stream().filter(n -> n.status("/primary") == 200)
                .collect(Collectors.toList());
        return primaries.size() == 1 ? Optional.of(primaries.get(0)) : Optional.empty();
    }

    static ClusterNode awaitPrimary(List<ClusterNode> nodes, Predicate<ClusterNode> which, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<ClusterNode> p = primary(nodes);
            if (p.isPresent() && which.test(p.get())) {
                return p.get();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no matching primary within " + timeout + "; /primary codes: "
                        + codes(nodes, "/primary"));
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    static ClusterNode awaitSyncStandby(List<ClusterNode> nodes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<ClusterNode> p = primary(nodes);
            Optional<ClusterNode> standby = nodes.stream()
                    .filter(n -> p.isPresent() && n != p.get() && n.status("/sync") == 200).findFirst();
            if (standby.isPresent()) {
                return standby.get();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no synchronous standby within " + timeout + "; /sync codes: "
                        + codes(nodes, "/sync") + ", /primary codes: " + codes(nodes, "/primary"));
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    static ClusterNode awaitConverged(List<ClusterNode> nodes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (true) {
            failIfAnAgentExited(nodes);
            Optional<ClusterNode> p = primary(nodes);
            if (p.isPresent()) {
                Map<String, String> replicas = new LinkedHashMap<>();
                for (ClusterNode n : nodes) {
                    if (n != p.get()) {
                        replicas.put(n.name(), replicaState(n, p.get()));
                    }
                }
                if (replicas.values().stream().allMatch("streaming"::equals)) {
                    return p.get();
                }
                last = "primary " + p.get().name() + ", replicas " + replicas;
            } else {
                last = "/primary codes " + codes(nodes, "/primary");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the cluster did not converge within " + timeout + ": " + last);
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    /**
     * An agent that exited cannot converge (nothing restarts it while we wait): say so at once,
     * with the end of its log, rather than time out minutes later with only REST codes to show.
     */
    private static void failIfAnAgentExited(List<ClusterNode> nodes) {
        for (ClusterNode n : nodes) {
            if (!n.isAgentRunning()) {
                throw new IllegalStateException("the agent of " + n.name() + " exited; the last lines of "
                        + n.agentLog() + ":\n" + ManagedProcess.tail(n.agentLog(), 20));
            }
        }
    }

    /**
     * "streaming" when {@code n}'s WAL receiver streams from {@code primary} and its agent has seen it
     * too ({@code /replica?replication_state=streaming} 200): the REST answers come from the agent's
     * last loop, which can lag PostgreSQL by a loop, and tests check those answers right after.
     */
    private static String replicaState(ClusterNode n, ClusterNode primary) {
        int code = n.status("/replica?replication_state=streaming");
        if (code != 200) {
            return "/replica?replication_state=streaming " + code;
        }
        try (Connection c = DriverManager.getConnection(n.jdbcUrl()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT status, sender_port FROM pg_stat_wal_receiver")) {
            if (!rs.next()) {
                return "no WAL receiver";
            }
            if (!"streaming".equals(rs.getString(1)) || rs.getInt(2) != primary.pgPort()) {
                return rs.getString(1) + " from port " + rs.getInt(2);
            }
            return "streaming";
        } catch (SQLException e) {
            return "SQL: " + e.getMessage();
        }
    }

    static Map<String, Integer> codes(List<ClusterNode> nodes, String path) {
        Map<String, Integer> codes = new LinkedHashMap<>();
        nodes.forEach(n -> codes.put(n.name(), n.status(path)));
        return codes;
    }
}
