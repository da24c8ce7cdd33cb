package io.hapg.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.core.internal.HttpPeerClient;
import io.hapg.core.model.Member;
import io.hapg.core.model.PeerStatus;
import io.hapg.process.PgInstallation;
import io.hapg.testkit.Await;
import io.hapg.testkit.Pids;
import io.hapg.testkit.WriteHistory;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Migrating from Patroni node by node (issue #15): Patroni 3.0.2 nodes and hapg nodes in one
 * scope and one etcd, on real processes. Each topology gets one cluster for all its steps:
 * convergence, each side reading the other's {@code GET /patroni}, a switchover from a Patroni
 * node to an hapg node and back (with {@code patronictl} and with {@code hactl}), a kill -9 of the
 * primary node (agent and postmaster by PID), convergence again. In synchronous mode a writer
 * commits throughout and no acknowledged commit may be missing on the final primary. The measured
 * times are printed (FROM-PATRONI.md quotes them).
 */
class MixedClusterIT {
    private static final Path PATRONI = Path.of("/usr/bin/patroni");
    private static final Path PATRONICTL = Path.of("/usr/bin/patronictl");
    private static final int TTL = 8;
    private static final Duration BOOTSTRAP = Duration.ofSeconds(240);
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void twoPatroniAndOneHapgAsynchronous() throws Exception {
        try (LocalCluster cluster = start("mixed-a", Set.of(0, 1), false, Map.of(), -1)) {
            Set<String> patroni = Set.of("n0", "n1");
            long t0 = System.nanoTime();
            ClusterNode primary = cluster.awaitConverged(BOOTSTRAP);
            report("2 Patroni + 1 hapg: converged with " + primary.name() + " as primary after " + ms(t0) + " ms");
            assertListings(cluster, patroni);
            assertPositionsReadBothWays(cluster, patroni);

            switchovers(cluster, patroni, "2 Patroni + 1 hapg");

            ClusterNode killed = cluster.primary().orElseThrow();
            ClusterNode next = killPrimary(cluster, killed, "2 Patroni + 1 hapg");
            assertPatroniRaceRead(cluster, patroni, killed, next);
            restartAndConverge(cluster, killed, "2 Patroni + 1 hapg");
            assertListings(cluster, patroni);

            // Migrating node by node: a Patroni replica becomes an hapg node on the same data directory,
            // then rolls back to Patroni.
            ClusterNode replica = cluster.nodes().stream().filter(n -> patroni.contains(n.name()) && n != next)
                    .findFirst().orElseThrow();
            replaceAgent(cluster, replica, cluster.defaultLauncher(), "hapg", "2 Patroni + 1 hapg");
            assertListings(cluster, patroni);
            assertPositionsReadBothWays(cluster, patroni);
            replaceAgent(cluster, replica, patroniLauncher(), "Patroni", "2 Patroni + 1 hapg (roll back)");
            assertListings(cluster, patroni);
        }
    }

    @Test
    void onePatroniAndTwoHapgSynchronous() throws Exception {
        // synchronous_node_count 2: both replicas are synchronous standbys, so that each is a switchover
        // candidate, and the sync key lists two names.
        // n0 starts once hapg bootstrapped: Patroni clones from an hapg primary (pg_hba, replication user,
        // slot made by hapg), where in the other topology hapg clones from Patroni's.
        try (LocalCluster cluster = start("mixed-b", Set.of(0), true, Map.of(), 0)) {
            Set<String> patroni = Set.of("n0");
            long t0 = System.nanoTime();
            ClusterNode bootstrapped = cluster.awaitPrimary(n -> true, BOOTSTRAP);
            assertThat(bootstrapped.name()).isNotEqualTo("n0");
            report("1 Patroni + 2 hapg (sync): hapg bootstrapped on " + bootstrapped.name() + " after " + ms(t0) + " ms");
            long joined = System.nanoTime();
            cluster.node("n0").startAgent();
            ClusterNode primary = cluster.awaitConverged(BOOTSTRAP);
            report("1 Patroni + 2 hapg (sync): Patroni n0 cloned from hapg and streams after " + ms(joined) + " ms");
            report("1 Patroni + 2 hapg (sync): converged with " + primary.name() + " as primary after " + ms(t0)
                    + " ms");
            cluster.awaitSyncStandby(CONVERGE);
            assertListings(cluster, patroni);
            assertPositionsReadBothWays(cluster, patroni);
            try (WriteHistory writes = WriteHistory.builder(cluster.jdbcUrls())
                    .credentials(cluster.superuser().username(), cluster.superuser().password())
                    .writers(2).writerPerNode().interval(Duration.ofMillis(5)).queryTimeout(Duration.ofSeconds(5))
                    .start()) {
                String topology = "1 Patroni + 2 hapg (sync)";
                ClusterNode n0 = cluster.node("n0");
                ClusterNode first = cluster.primary().orElseThrow();
                switchover(cluster, first, n0, true, topology);
                ClusterNode other = cluster.nodes().stream().filter(n -> n != first && n != n0).findFirst().orElseThrow();
                switchover(cluster, n0, other, false, topology);
                cluster.awaitSyncStandby(CONVERGE);
                ClusterNode killed = cluster.primary().orElseThrow();
                writes.awaitAcknowledged(n -> n.equals(killed.name()), java.time.Instant.now(), CONVERGE);
                killPrimary(cluster, killed, "1 Patroni + 2 hapg (sync)");
                restartAndConverge(cluster, killed, "1 Patroni + 2 hapg (sync)");
                writes.stop();
                String last = writes.awaitConverged(CONVERGE);
                report(writes.summary() + "; final primary " + last);
                assertThat(writes.lostAcknowledgedCommits()).as("acknowledged commits missing on %s", last).isEmpty();
                writes.assertAtMostOnePrimaryAtATime();
                assertThat(writes.acknowledged()).isNotEmpty();
            }
            assertListings(cluster, patroni);
        }
    }

    // ----- steps -----

    private static LocalCluster start(String scope, Set<Integer> patroniNodes, boolean synchronous,
                                      Map<Integer, Map<String, ?>> tags, int startLater) {
        assertThat(Files.isExecutable(PATRONI)).as("patroni at %s (scripts/install-deps.sh)", PATRONI).isTrue();
        LocalCluster.Builder builder = LocalCluster.builder().scope(scope).nodes(3).etcdMembers(3).ttl(TTL)
                .loopWait(1).retryTimeout(2).synchronousMode(synchronous);
        patroniNodes.forEach(i -> builder.launcher(i, patroniLauncher()));
        tags.forEach(builder::tags);
        if (synchronous) {
            builder.dcs("synchronous_node_count", 2);
        }
        if (startLater >= 0) {
            builder.startLater(startLater);
        }
        return builder.start();
    }

    /** Patroni 3.0.2 through {@link LaunchedAgent}, on the node's YAML adapted. */
    private static LocalCluster.Launcher patroniLauncher() {
        String pgBin = PgInstallation.findBinDir(Optional.empty()).map(Path::toString).orElse("");
        return new LocalCluster.Launcher(LaunchedAgent.class.getName(), List.of("-Xmx32m",
                "-D" + LaunchedAgent.SYSTEM + "=" + BenchReport.PATRONI, "-D" + LaunchedAgent.COMMAND + "=" + PATRONI,
                "-Dhapg.bench.pgbindir=" + pgBin));
    }

    /**
     * The migration step of FROM-PATRONI.md on one replica: stop its agent cleanly (SIGTERM: Patroni
     * stops PostgreSQL and exits), start the other system on the same YAML and data directory, wait
     * until it streams again and its {@code GET /patroni} says which agent answers.
     */
    private static void replaceAgent(LocalCluster cluster, ClusterNode node, LocalCluster.Launcher launcher,
                                     String expectedAgent, String topology) throws Exception {
        long t0 = System.nanoTime();
        node.terminateAgent();
        assertThat(node.awaitAgentExit(Duration.ofSeconds(60))).as("%s's agent stops on SIGTERM", node.name()).isTrue();
        Await.until(node.name() + "'s PostgreSQL stopped", Duration.ofSeconds(30),
                () -> Pids.postmasterPidFile(node.dataDir()).stream().noneMatch(Pids::isAlive));
        long stopped = ms(t0);
        cluster.relaunch(node, launcher);
        Await.until(node.name() + " answers GET /patroni as " + expectedAgent, CONVERGE, () -> {
            try {
                JsonNode doc = JSON.readTree(node.get("/patroni").body());
                return doc.path("patroni").path("version").asText().startsWith(expectedAgent.equals("Patroni") ? "3."
                        : "0.") && doc.has("xlog");
            } catch (IOException | RuntimeException e) {
                return false;
            }
        });
        ClusterNode primary = cluster.awaitConverged(CONVERGE);
        assertThat(primary).isNotEqualTo(node);
        report(String.format(Locale.ROOT, "%s: %s stopped in %d ms, back as a streaming %s replica after %d ms",
                topology, node.name(), stopped, expectedAgent, ms(t0)));
    }

    /** {@code patronictl list} and {@code hactl list} both show the three members, one leader, two replicas. */
    private static void assertListings(LocalCluster cluster, Set<String> patroni) throws Exception {
        Await.until("patronictl list shows one Leader and two streaming Replicas", CONVERGE, () -> {
            JsonNode list;
            try {
                list = JSON.readTree(patronictl(cluster, "list", "-f", "json").out());
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            List<String> roles = new ArrayList<>();
            list.forEach(m -> roles.add(m.path("Role").asText() + "/" + m.path("State").asText()));
            return list.size() == 3 && roles.stream().filter(r -> r.startsWith("Leader/running")).count() == 1
                    && roles.stream().filter(r -> r.startsWith("Replica/") || r.startsWith("Sync Standby/"))
                    .filter(r -> r.endsWith("/running") || r.endsWith("/streaming")).count() == 2;
        });
        Run patronictl = patronictl(cluster, "list");
        Run hactl = hactl(cluster, "list");
        report("patronictl list:\n" + patronictl.out() + "hactl list:\n" + hactl.out());
        assertThat(hactl.code()).as(hactl.err()).isZero();
        for (ClusterNode n : cluster.nodes()) {
            assertThat(hactl.out()).contains("| " + n.name() + " ");
            assertThat(patronictl.out()).contains("| " + n.name() + " ");
        }
        assertThat(hactl.out()).containsOnlyOnce("| Leader ");
    }

    /**
     * Both sides read every node's {@code GET /patroni}: hapg's race client ({@link HttpPeerClient},
     * what {@code HaLoop} asks) gets a position and timeline from each, and the document has what
     * Patroni's {@code _MemberStatus.from_api_response} asserts on ({@code xlog}, primary:
     * {@code location}, replica: {@code received_location}/{@code replayed_location}).
     */
    private static void assertPositionsReadBothWays(LocalCluster cluster, Set<String> patroni) throws Exception {
        ClusterNode primary = cluster.primary().orElseThrow();
        List<Member> members = cluster.nodes().stream()
                .map(n -> Member.of(n.name(), "postgres://127.0.0.1:" + n.pgPort() + "/postgres",
                        n.restUrl() + "/patroni"))
                .collect(Collectors.toList());
        try (HttpPeerClient client = new HttpPeerClient("mixed-it")) {
            Map<String, PeerStatus> statuses = client.statuses(members, Duration.ofSeconds(5));
            report("hapg's race client read: " + statuses);
            for (ClusterNode n : cluster.nodes()) {
                PeerStatus s = statuses.get(n.name());
                assertThat(s).as("hapg's race client parsed %s (%s)", n.name(),
                        patroni.contains(n.name()) ? "Patroni" : "hapg").isNotNull();
                assertThat(s.walPosition()).as("%s's position as hapg reads it", n.name()).isPresent();
                assertThat(s.timeline()).as("%s's timeline", n.name()).isPositive();
            }
        }
        for (ClusterNode n : cluster.nodes()) {
            JsonNode doc = JSON.readTree(n.get("/patroni").body());
            JsonNode xlog = doc.has("wal") ? doc.get("wal") : doc.get("xlog");
            assertThat(xlog).as("%s: Patroni's race asserts 'wal' or 'xlog' in %s", n.name(), doc).isNotNull();
            if (n == primary) {
                assertThat(xlog.has("location")).as("%s primary: xlog.location in %s", n.name(), doc).isTrue();
            } else {
                assertThat(xlog.has("location")).as("%s replica: no xlog.location (Patroni reads it as a primary)",
                        n.name()).isFalse();
                assertThat(xlog.has("received_location") || xlog.has("replayed_location"))
                        .as("%s replica: received/replayed_location in %s", n.name(), doc).isTrue();
            }
            assertThat(doc.path("timeline").asInt()).as("%s timeline in %s", n.name(), doc).isPositive();
        }
    }

    /**
     * A Patroni node that survived the kill raced for the key: its log shows it read every other
     * surviving member's {@code GET /patroni} ("Got response from ...") and did not find it
     * unreachable ("Request failed to ...").
     */
    private static void assertPatroniRaceRead(LocalCluster cluster, Set<String> patroni, ClusterNode killed,
                                              ClusterNode next) throws IOException {
        for (ClusterNode n : cluster.nodes()) {
            if (n == killed || !patroni.contains(n.name())) {
                continue;
            }
            String log = Files.readString(n.agentLog(), StandardCharsets.UTF_8);
            for (ClusterNode peer : cluster.nodes()) {
                if (peer == n || peer == killed) {
                    continue;
                }
                if (n != next || !log.contains("Got response from " + peer.name())) {
                    // Only a node that raced asks its peers; the winner or a node that lost may have.
                    continue;
                }
                String line = log.lines().filter(l -> l.contains("Got response from " + peer.name())).reduce((a, b) -> b)
                        .orElseThrow();
                report("Patroni " + n.name() + " read " + peer.name() + ": " + line.trim());
                assertThat(line).contains("\"xlog\"");
            }
        }
    }

    /**
     * Patroni → hapg with {@code patronictl switchover}, hapg → Patroni with {@code hactl switchover};
     * when the cluster bootstrapped on hapg, {@code hactl} first hands it to a Patroni node.
     */
    private static void switchovers(LocalCluster cluster, Set<String> patroni, String topology) throws Exception {
        ClusterNode primary = cluster.primary().orElseThrow();
        ClusterNode aPatroni = cluster.nodes().stream().filter(n -> patroni.contains(n.name()) && n != primary)
                .findFirst().orElseThrow();
        ClusterNode aHapg = cluster.nodes().stream().filter(n -> !patroni.contains(n.name()) && n != primary)
                .findFirst().orElseThrow();
        ClusterNode current = primary;
        if (!patroni.contains(primary.name())) {
            current = switchover(cluster, current, aPatroni, false, topology);
        }
        current = switchover(cluster, current, aHapg, true, topology);
        ClusterNode back = cluster.nodes().stream().filter(n -> patroni.contains(n.name())).findFirst().orElseThrow();
        switchover(cluster, current, back, false, topology);
    }

    /** One switchover with patronictl or hactl; returns the new primary once all replicas stream from it. */
    private static ClusterNode switchover(LocalCluster cluster, ClusterNode from, ClusterNode to, boolean withPatronictl,
                                          String topology) throws Exception {
        if (cluster.nodes().stream().anyMatch(n -> n.status("/sync") == 200)) {
            // Synchronous mode: only the synchronous standby is a candidate, with Patroni as with hapg.
            Await.until(to.name() + " is the synchronous standby", CONVERGE, () -> to.status("/sync") == 200);
        }
        long t0 = System.nanoTime();
        Run run;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        do {
            run = withPatronictl
                    ? patronictl(cluster, "switchover", "--leader", from.name(), "--candidate", to.name(), "--force")
                    : hactl(cluster, "switchover", "--leader", from.name(), "--candidate", to.name(), "--force");
            // A replica that just (re)started is no candidate until it published its state (412, as with Patroni).
        } while (!run.out().contains("Successfully switched over") && System.nanoTime() - deadline < 0
                && sleep(Duration.ofSeconds(1)));
        String tool = withPatronictl ? "patronictl" : "hactl";
        assertThat(run.out()).as("%s switchover %s -> %s: %s %s", tool, from.name(), to.name(), run.out(), run.err())
                .contains("Successfully switched over");
        ClusterNode now = cluster.awaitPrimary(n -> n == to, CONVERGE);
        long promoted = ms(t0);
        cluster.awaitConverged(CONVERGE);
        report(String.format(Locale.ROOT, "%s: %s switchover %s (%s) -> %s (%s): new primary after %d ms,"
                        + " converged after %d ms", topology, tool, from.name(), kind(cluster, from), to.name(),
                kind(cluster, to), promoted, ms(t0)));
        return now;
    }

    /** kill -9 of the primary's agent and of its postmaster (Patroni's is not its child), by PID. */
    private static ClusterNode killPrimary(LocalCluster cluster, ClusterNode primary, String topology) {
        OptionalLong postmaster = Pids.postmasterPidFile(primary.dataDir());
        String kind = kind(cluster, primary);
        long t0 = System.nanoTime();
        primary.killNode();
        postmaster.ifPresent(pid -> {
            if (Pids.isAlive(pid)) {
                List<Long> all = new ArrayList<>(Pids.descendants(pid));
                all.add(0, pid);
                Pids.killAll(all);
            }
        });
        ClusterNode next = cluster.awaitPrimary(n -> n != primary, Duration.ofSeconds(TTL * 6L));
        report(String.format(Locale.ROOT, "%s: kill -9 of primary %s (%s): %s (%s) primary after %d ms", topology,
                primary.name(), kind, next.name(), kind(cluster, next), ms(t0)));
        return next;
    }

    private static void restartAndConverge(LocalCluster cluster, ClusterNode killed, String topology) {
        long t0 = System.nanoTime();
        killed.startAgent();
        cluster.awaitConverged(CONVERGE);
        report(String.format(Locale.ROOT, "%s: %s restarted and streaming again after %d ms", topology, killed.name(),
                ms(t0)));
    }

    // ----- tools -----

    record Run(int code, String out, String err) {
    }

    /** patronictl with the hapg node's YAML (scope, namespace, etcd3 hosts are Patroni's keys). */
    private static Run patronictl(LocalCluster cluster, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PATRONICTL.toString(), "-c", hapgConfig(cluster).toString()));
        command.addAll(List.of(args));
        return run(cluster, command);
    }

    /** {@code java -cp <this class path> io.hapg.agent.Main ctl -c <hapg node's YAML> args...}. */
    private static Run hactl(LocalCluster cluster, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "io.hapg.agent.Main", "ctl", "-c", hapgConfig(cluster).toString()));
        command.addAll(List.of(args));
        return run(cluster, command);
    }

    private static Path hapgConfig(LocalCluster cluster) {
        return cluster.node("n2").configFile();
    }

    private static Run run(LocalCluster cluster, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(cluster.baseDir(), "ctl", ".out");
        Path err = Files.createTempFile(cluster.baseDir(), "ctl", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Which agent the node's process runs: Patroni through {@link LaunchedAgent}, or hapg. */
    private static String kind(LocalCluster cluster, ClusterNode node) {
        OptionalLong pid = node.agentPid();
        if (pid.isEmpty()) {
            return "stopped";
        }
        return Pids.commandLine(pid.getAsLong()).contains(LaunchedAgent.class.getName()) ? "Patroni" : "hapg";
    }

    private static boolean sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static long ms(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    private static void report(String line) {
        System.out.println("[mixed] " + line);
        System.out.flush();
    }
}
