package io.hapg.examples.demo;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Member;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/** The demo's explanations: which processes run, and what to type in another terminal. */
final class Instructions {
    private Instructions() {
    }

    /** etcd shows a leader, and every member running (leader) or streaming (replicas) on a timeline. */
    static boolean converged(ClusterView view, int nodes) {
        if (view.leader().isEmpty() || view.members().size() != nodes) {
            return false;
        }
        for (Member m : view.members().values()) {
            boolean ok = view.isLeader(m.name()) ? m.isRunning() && m.isPrimaryRole()
                    : m.replicationState().filter("streaming"::equals).isPresent();
            if (!ok || m.timeline() <= 0) {
                return false;
            }
        }
        return true;
    }

    /** One line per kind of process (etcd, agents, postmasters) with the PIDs Ctrl-C will stop. */
    static String processes(Map<String, Long> pids) {
        StringBuilder b = new StringBuilder("\nprocesses started by this demo (Ctrl-C stops them all, by PID):\n");
        Map<String, String> byKind = pids.entrySet().stream().collect(Collectors.groupingBy(
                e -> e.getKey().split("[ -]")[0], LinkedHashMap::new,
                Collectors.mapping(e -> e.getKey() + " " + e.getValue(), Collectors.joining(", "))));
        byKind.values().forEach(line -> b.append("  ").append(line).append('\n'));
        return b.toString();
    }

    /** How to kill {@code primary} or move the leader away from it, from another terminal. */
    static String howTo(LocalCluster cluster, ClusterNode primary) {
        ClusterNode other = cluster.nodes().stream().filter(n -> n != primary).findFirst().orElse(primary);
        String agent = pid(primary.agentPid());
        String postmaster = pid(primary.postmasterPid());
        String ctl = hapgCommand() + " ctl -c " + primary.configFile();
        StringBuilder b = new StringBuilder();
        b.append("\n").append(primary.name()).append(" is the primary (agent pid ").append(agent)
                .append(", postmaster pid ").append(postmaster).append("). From another terminal:\n");
        b.append("  kill the primary node:    kill -9 ").append(agent).append(' ').append(postmaster).append('\n');
        b.append("  crash its PostgreSQL:     kill -9 ").append(postmaster)
                .append("   (the agent restarts it in place)\n");
        b.append("  switch over (hactl):      ").append(ctl).append(" switchover --candidate ").append(other.name())
                .append('\n');
        b.append("  switch over (curl):       curl -s -u ").append(DemoMain.API_USER).append(':')
                .append(DemoMain.API_PASSWORD).append(" -X POST ").append(primary.restUrl())
                .append("/switchover -d '{\"leader\":\"").append(primary.name()).append("\",\"candidate\":\"")
                .append(other.name()).append("\"}'\n");
        b.append("  the cluster table:        ").append(ctl).append(" list\n");
        b.append("  who is primary (200/503): curl -s -o /dev/null -w '%{http_code}\\n' ").append(primary.restUrl())
                .append("/primary\n");
        b.append("Ctrl-C stops everything.\n");
        return b.toString();
    }

    private static String pid(OptionalLong pid) {
        return pid.isPresent() ? Long.toString(pid.getAsLong()) : "?";
    }

    /** {@code java -jar /path/hapg-demo.jar} when running from the jar, else the class-path form. */
    static String hapgCommand() {
        CodeSource code = DemoMain.class.getProtectionDomain().getCodeSource();
        if (code != null) {
            try {
                Path source = Path.of(code.getLocation().toURI());
                if (Files.isRegularFile(source)) {
                    return "java -jar " + source;
                }
            } catch (URISyntaxException | IllegalArgumentException e) {
                // Not a file URL: fall through to the class-path form.
            }
        }
        return "java -cp " + LocalCluster.absoluteClasspath(System.getProperty("java.class.path"))
                + " io.hapg.examples.Main";
    }
}
