package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.agent.ctl.HactlRun;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.FreePorts;
import io.hapg.testkit.ManagedProcess;
import io.hapg.testkit.ProcessLogs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the cluster's clients see, on one three-node cluster with REST authentication and a
 * callback script: the bootstrap, every health endpoint's code on a primary, a replica and a
 * stopped node, 401 for mutating calls without credentials, callbacks after a failover (among
 * them the article's {@code on_role_change.sh}, corrected, rewriting an application's
 * {@code .env}), HAProxy with Patroni's standard check following the primary, and
 * {@code patronictl list} next to {@code hactl list}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterClientsIT {
    private static final Path HAPROXY = Path.of(System.getProperty("hapg.haproxy", "/usr/sbin/haproxy"));
    private static final Path PATRONICTL = Path.of(System.getProperty("hapg.patronictl", "/usr/bin/patronictl"));
    private static final Path ETCDCTL = Path.of(System.getProperty("hapg.etcdctl", "/usr/bin/etcdctl"));
    /** The article's callback, corrected to Patroni's argument order (see the script's header). */
    private static final Path ON_ROLE_CHANGE = Path.of("scripts", "on_role_change.sh").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PRIMARY_200 = List.of("/", "/primary", "/read-write", "/master", "/leader",
            "/read-only", "/health", "/liveness", "/readiness", "/read-only-sync");
    private static final List<String> PRIMARY_503 = List.of("/replica", "/standby-leader", "/sync", "/async");
    private static final List<String> REPLICA_200 = List.of("/replica", "/read-only", "/health", "/liveness",
            "/readiness", "/async", "/replica?replication_state=streaming", "/replica?lag=16MB");
    private static final List<String> REPLICA_503 = List.of("/", "/primary", "/read-write", "/master", "/leader",
            "/standby-leader", "/sync", "/read-only-sync");

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster cluster;
    private Path callbackLog;
    private Path appEnv;

    @BeforeAll
    void startCluster() throws IOException {
        Path dir = Files.createTempDirectory("hapg-e2e-callbacks-");
        callbackLog = dir.resolve("callbacks.log");
        Path script = dir.resolve("callback.sh");
        // Patroni's callback contract: <cmd> <action> <role> <scope>; the agent runs in its node directory.
        Files.writeString(script, "#!/bin/sh\necho \"$(basename \"$PWD\") $*\" >> " + callbackLog + "\n",
                StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        // The application's configuration the article's script rewrites on a new primary.
        appEnv = dir.resolve("shop.env");
        Files.writeString(appEnv, "APP_NAME=shop\nDB_HOST=10.0.0.9\nDB_PORT=5432\nDB_DATABASE=shop\n",
                StandardCharsets.UTF_8);
        assertThat(Files.isExecutable(ON_ROLE_CHANGE)).as("%s", ON_ROLE_CHANGE).isTrue();
        cluster = E2e.cluster("e2e-clients").restApiAuthentication("admin", "admin-pass")
                .callback("on_start", script.toString())
                // The article puts callbacks at the top level (Patroni reads postgresql.callbacks).
                .topLevelCallback("on_role_change", ON_ROLE_CHANGE + " {etcd_hosts} " + appEnv).start();
        logs.watch(cluster);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void bootstrapFromNothingOneInitdbTwoClones() throws IOException {
        Instant t0 = Instant.now();
        ClusterNode primary = cluster.awaitConverged(E2e.BOOT);
        report("bootstrap of 3 nodes from nothing: converged " + E2e.millisSince(t0, Instant.now()) + " ms after start");
        assertThat(cluster.nodes().stream().filter(n -> n.status("/primary") == 200)).containsExactly(primary);
        List<String> bootstrapped = new ArrayList<>();
        List<String> cloned = new ArrayList<>();
        List<String> systemIds = new ArrayList<>();
        for (ClusterNode n : cluster.nodes()) {
            String log = Files.readString(n.agentLog());
            if (log.contains(n.name() + ": bootstrapping:")) {
                bootstrapped.add(n.name());
            }
            if (log.contains(n.name() + ": cloning from leader")) {
                cloned.add(n.name());
            }
            systemIds.add(JSON.readTree(n.get("/patroni").body()).path("database_system_identifier").asText());
        }
        // Several nodes may race for the initialize key; the winner ran initdb, the others cloned it.
        assertThat(bootstrapped).as("the primary raced to initialize").contains(primary.name());
        assertThat(cloned).as("the two others cloned").hasSize(2).doesNotContain(primary.name());
        assertThat(systemIds).as("one database system").hasSize(3).doesNotContain("").containsOnly(systemIds.get(0));
        assertThat(JSON.readTree(primary.get("/patroni").body()).path("timeline").asInt()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void healthEndpointsOnAPrimaryAndAReplica() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        ClusterNode replica = other(primary);
        assertThat(codes(primary, PRIMARY_200)).as("primary").containsOnly(200);
        assertThat(codes(primary, PRIMARY_503)).as("primary").containsOnly(503);
        assertThat(codes(replica, REPLICA_200)).as("replica").containsOnly(200);
        assertThat(codes(replica, REPLICA_503)).as("replica").containsOnly(503);
        for (String method : List.of("OPTIONS", "HEAD")) {
            assertThat(primary.status(method, "/primary")).as(method + " /primary on the primary").isEqualTo(200);
            assertThat(replica.status(method, "/primary")).as(method + " /primary on a replica").isEqualTo(503);
            assertThat(replica.status(method, "/replica")).as(method + " /replica on a replica").isEqualTo(200);
        }
        assertThat(primary.status("/patroni")).isEqualTo(200);
        assertThat(primary.status("/cluster")).isEqualTo(200);
        assertThat(primary.status("/history")).isEqualTo(200);
        assertThat(primary.status("/config")).isEqualTo(200);
        assertThat(primary.get("/metrics").body()).contains("patroni_primary{").contains("patroni_postgres_running{");
    }

    @Test
    @Order(3)
    void mutatingCallsWithoutCredentialsAre401() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        ClusterNode replica = other(primary);
        Map<String, String> calls = new LinkedHashMap<>();
        calls.put("POST /switchover", "{\"leader\": \"" + primary.name() + "\", \"candidate\": \"" + replica.name() + "\"}");
        calls.put("POST /failover", "{\"candidate\": \"" + replica.name() + "\"}");
        calls.put("DELETE /switchover", null);
        calls.put("POST /restart", "{}");
        calls.put("POST /reload", null);
        calls.put("POST /reinitialize", "{}");
        calls.put("PATCH /config", "{\"pause\": true}");
        calls.forEach((call, body) -> {
            String[] mp = call.split(" ");
            assertThat(primary.requestWithoutCredentials(mp[0], mp[1], body).status()).as(call).isEqualTo(401);
        });
        assertThat(primary.request("POST", "/reload", null).status()).as("POST /reload with credentials").isEqualTo(202);
        assertThat(cluster.awaitConverged(E2e.CONVERGE)).as("nothing changed").isEqualTo(primary);
    }

    @Test
    @Order(4)
    void healthEndpointsOnStoppedNodes() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        ClusterNode replica = other(primary);

        // In pause the agent leaves a stopped PostgreSQL alone, so its codes can be read at leisure
        // (otherwise it restarts it within a loop, faster than a client can look).
        assertThat(primary.request("PATCH", "/config", "{\"pause\": true}").status()).isEqualTo(200);
        awaitCode(replica, "/patroni", "\"pause\":true");
        awaitCode(primary, "/patroni", "\"pause\":true");
        replica.killPostgres();
        Map<String, Integer> down = snapshotWhilePostgresDown(replica, List.of("/replica", "/read-only", "/primary",
                "/leader", "/async", "/readiness", "/liveness", "/health"));
        report("replica " + replica.name() + " with PostgreSQL killed, agent alive (paused): " + down);
        assertThat(down).containsEntry("/replica", 503).containsEntry("/read-only", 503).containsEntry("/primary", 503)
                .containsEntry("/leader", 503).containsEntry("/async", 503).containsEntry("/readiness", 503)
                .containsEntry("/liveness", 200).containsEntry("/health", 503);

        primary.killPostgres();
        Map<String, Integer> primaryDown = snapshotWhilePostgresDown(primary, List.of("/primary", "/leader",
                "/read-write", "/replica", "/liveness", "/health"));
        report("primary " + primary.name() + " with PostgreSQL killed, agent alive (paused): " + primaryDown);
        // hapg, unlike Patroni, answers 503 on /primary while the primary's PostgreSQL is down (DESIGN.md).
        assertThat(primaryDown).containsEntry("/primary", 503).containsEntry("/read-write", 503)
                .containsEntry("/leader", 200).containsEntry("/replica", 503).containsEntry("/liveness", 200)
                .containsEntry("/health", 503);
        assertThat(primary.request("PATCH", "/config", "{\"pause\": false}").status()).isEqualTo(200);
        assertThat(cluster.awaitConverged(E2e.CONVERGE)).as("restarted in place").isEqualTo(primary);

        replica.terminateAgent();
        assertThat(replica.awaitAgentExit(Duration.ofSeconds(30))).isTrue();
        assertThat(codes(replica, List.of("/primary", "/replica", "/health", "/liveness", "/patroni")))
                .as("agent stopped: connection refused").containsOnly(-1);
        replica.startAgent();
        assertThat(cluster.awaitConverged(E2e.CONVERGE)).isEqualTo(primary);
    }

    @Test
    @Order(5)
    void failoverFiresCallbacksAndHaproxyRoutesWritesToTheNewPrimary() throws Exception {
        assertThat(Files.isExecutable(HAPROXY)).as("haproxy at %s (apt-get install haproxy)", HAPROXY).isTrue();
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        ClusterNode candidate = other(primary);
        int port = FreePorts.next();
        Path cfg = cluster.baseDir().resolve("haproxy.cfg");
        Files.writeString(cfg, haproxyConfig(port), StandardCharsets.UTF_8);
        try (ManagedProcess haproxy = ManagedProcess.start("haproxy", List.of(HAPROXY.toString(), "-db", "-f",
                cfg.toString()), cluster.baseDir().resolve("haproxy.log"), Map.of(), cluster.baseDir())) {
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&password=secret"
                    + "&connectTimeout=2&socketTimeout=5";
            assertThat(awaitWritableThrough(url, primary, Duration.ofSeconds(20))).isEqualTo(primary.pgPort());
            Instant t0 = Instant.now();
            ClusterNode.Response r = E2e.postManual(primary, "/failover", "{\"candidate\": \"" + candidate.name() + "\"}");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            awaitWritableThrough(url, candidate, Duration.ofSeconds(20));
            report("HAProxy (haproxy/hapg.cfg: OPTIONS /primary, inter 500ms fall 2 rise 1) routed writes to " + candidate.name()
                    + " " + E2e.millisSince(t0, Instant.now()) + " ms after POST /failover");
            assertThat(haproxy.isAlive()).isTrue();
            assertThat(cluster.awaitConverged(E2e.CONVERGE)).isEqualTo(candidate);
        }
        // The article's script ran on both nodes with Patroni's arguments, read the new leader from
        // etcd and rewrote the application's .env; nothing else in the file changed.
        String newPrimaryLine = "DB_PORT=" + candidate.pgPort();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!(Files.readString(appEnv).contains(newPrimaryLine)
                && agentLog(primary).contains("callback on_role_change: on_role_change: role replica"))
                && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        report("on_role_change.sh rewrote the .env to: " + Files.readString(appEnv).replace('\n', ' '));
        assertThat(Files.readAllLines(appEnv)).containsExactlyInAnyOrder("APP_NAME=shop", "DB_DATABASE=shop",
                "DB_HOST=127.0.0.1", newPrimaryLine);
        assertThat(agentLog(candidate))
                .contains("'callbacks' (line")
                .contains("callback on_role_change: on_role_change: role primary in cluster " + cluster.scope())
                .contains("callback on_role_change: Detected PostgreSQL primary change. New primary: 127.0.0.1:"
                        + candidate.pgPort())
                .doesNotContain("callback on_role_change exited with");
        assertThat(agentLog(primary))
                .contains("callback on_role_change: on_role_change: role replica in cluster " + cluster.scope());
        // The script's own query: the leader key holds the leader's name, as with Patroni.
        assertThat(etcdctl("get", "/service/" + cluster.scope() + "/leader", "--print-value-only"))
                .isEqualTo(candidate.name() + "\n");
        assertThat(callbacks()).as("on_start is still the logging script")
                .contains(" on_start replica " + cluster.scope()).doesNotContain("on_role_change");
    }

    @Test
    @Order(6)
    void patronictlListShowsTheSameMembersLeaderAndTimelineAsHactlListAndRest() throws Exception {
        assertThat(Files.isExecutable(PATRONICTL)).as("patronictl at %s (apt-get install patroni)", PATRONICTL)
                .isTrue();
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        Path cfg = cluster.baseDir().resolve("patronictl.yml");
        Files.writeString(cfg, "scope: " + cluster.scope() + "\nnamespace: /service/\netcd3:\n  hosts: "
                + String.join(",", cluster.etcdHosts()) + "\n", StandardCharsets.UTF_8);
        // Members publish once per loop: compare once the three reads agree on every timeline and
        // lag (a member may move to the new timeline, or catch up, between two reads).
        JsonNode rest;
        JsonNode patroni;
        JsonNode hactl;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        do {
            rest = JSON.readTree(primary.get("/cluster").body());
            patroni = JSON.readTree(patronictl(cfg, "list", "-f", "json"));
            hactl = JSON.readTree(hactl("list", "-f", "json"));
        } while (!(sameTimelines(rest, patroni) && patroni.equals(withPatronictlState(hactl, patroni)))
                && System.nanoTime() - deadline < 0);
        report("patronictl list -f json: " + patroni);
        report("hactl list -f json:      " + hactl);
        report("GET /cluster: " + rest);
        Map<String, JsonNode> byMember = new HashMap<>();
        patroni.forEach(row -> byMember.put(row.get("Member").asText(), row));
        assertThat(byMember).containsOnlyKeys("n0", "n1", "n2");
        assertThat(byMember.get(primary.name()).get("Role").asText()).isEqualTo("Leader");

        // The same rows, cell for cell (Cluster, Member, Host, Role, TL, Lag in MB), except a
        // replica's State: patronictl 3.0.2 prints the member key's state ("running"), hactl
        // the replication state ("streaming") as patronictl 3.0.3 and later do.
        assertThat(hactl).hasSameSizeAs(patroni);
        for (int i = 0; i < patroni.size(); i++) {
            JsonNode p = patroni.get(i);
            JsonNode h = hactl.get(i);
            List<String> keys = new ArrayList<>();
            p.fieldNames().forEachRemaining(keys::add);
            List<String> hactlKeys = new ArrayList<>();
            h.fieldNames().forEachRemaining(hactlKeys::add);
            assertThat(hactlKeys).as("hactl's columns").isEqualTo(keys);
            for (String k : keys) {
                if (k.equals("State") && p.get("Role").asText().equals("Replica")) {
                    assertThat(p.get(k).asText()).as(p + " State").isEqualTo("running");
                    assertThat(h.get(k).asText()).as(h + " State").isEqualTo("streaming");
                } else {
                    assertThat(h.get(k)).as(p.get("Member") + " " + k).isEqualTo(p.get(k));
                }
            }
        }

        for (JsonNode m : rest.get("members")) {
            JsonNode row = byMember.get(m.get("name").asText());
            assertThat(row.get("Cluster").asText()).isEqualTo(cluster.scope());
            assertThat(row.get("Role").asText()).as(m.toString())
                    .isEqualTo(m.get("role").asText().equals("leader") ? "Leader" : "Replica");
            assertThat(row.get("TL").asInt()).as(m.toString()).isEqualTo(m.get("timeline").asInt());
            assertThat(row.get("Host").asText()).isEqualTo(m.get("host").asText() + ":" + m.get("port").asInt());
            if (m.get("role").asText().equals("leader")) {
                assertThat(row.get("State").asText()).isEqualTo(m.get("state").asText());
            }
        }

        // The pretty tables: the same member lines; the titles name the scope, and hactl's also the
        // system identifier (the initialize key), as patronictl does from 3.0.3 on (3.0.2 drops it).
        String patroniTable = patronictl(cfg, "list");
        String hactlTable = hactl("list");
        report("patronictl list:\n" + patroniTable + "hactl list:\n" + hactlTable);
        String sysid = etcdctl("get", "/service/" + cluster.scope() + "/initialize", "--print-value-only").strip();
        assertThat(sysid).matches("\\d+");
        assertThat(patroniTable).startsWith("+ Cluster: " + cluster.scope() + " -");
        assertThat(hactlTable).startsWith("+ Cluster: " + cluster.scope() + " (" + sysid + ") -");
        List<List<String>> hactlRows = cells(hactlTable);
        hactlRows.stream().filter(r -> r.size() > 3 && r.get(2).equals("Replica") && r.get(3).equals("streaming"))
                .forEach(r -> r.set(3, "running")); // the one difference, explained above
        assertThat(hactlRows).isEqualTo(cells(patroniTable));
    }

    /** The cells of a pretty table's rows, trimmed, without the border lines. */
    private static List<List<String>> cells(String table) {
        List<List<String>> rows = new ArrayList<>();
        table.lines().filter(l -> l.startsWith("|")).forEach(l -> {
            List<String> row = new ArrayList<>();
            for (String c : l.substring(1, l.length() - 1).split("\\|")) {
                row.add(c.trim());
            }
            rows.add(row);
        });
        return rows;
    }

    /** hactl's rows with each replica's State as patronictl 3.0.2 prints it. */
    private static JsonNode withPatronictlState(JsonNode hactl, JsonNode patroni) {
        JsonNode copy = hactl.deepCopy();
        for (int i = 0; i < copy.size() && i < patroni.size(); i++) {
            if (copy.get(i).path("Role").asText().equals("Replica") && copy.get(i).path("State").asText()
                    .equals("streaming")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) copy.get(i)).put("State",
                        patroni.get(i).path("State").asText());
            }
        }
        return copy;
    }

    private static boolean sameTimelines(JsonNode rest, JsonNode list) {
        Map<String, Integer> a = new HashMap<>();
        Map<String, Integer> b = new HashMap<>();
        rest.get("members").forEach(m -> a.put(m.get("name").asText(), m.path("timeline").asInt()));
        list.forEach(row -> b.put(row.get("Member").asText(), row.path("TL").asInt()));
        return a.equals(b);
    }

    /** hactl in this JVM, with the first node's agent configuration (it reads etcd directly). */
    private String hactl(String... args) {
        HactlRun run = HactlRun.of(cluster.node(0).configFile().toString(), args);
        assertThat(run.code()).as("hactl %s: %s", String.join(" ", args), run.err()).isZero();
        return run.out();
    }

    private String etcdctl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ETCDCTL.toString(),
                "--endpoints=" + String.join(",", cluster.etcdHosts())));
        command.addAll(List.of(args));
        return run(command);
    }

    private static String agentLog(ClusterNode node) {
        try {
            return Files.readString(node.agentLog());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The shipped {@code haproxy/hapg.cfg} up to its replica section, with this cluster's bind
     * address and servers in place of the example ones.
     */
    private String haproxyConfig(int port) throws IOException {
        String shipped = Files.readString(Path.of("haproxy", "hapg.cfg"), StandardCharsets.UTF_8);
        StringBuilder c = new StringBuilder();
        for (String line : shipped.substring(0, shipped.indexOf("listen replicas")).split("\n")) {
            if (line.strip().startsWith("bind ")) {
                c.append("    bind 127.0.0.1:").append(port).append('\n');
            } else if (!line.strip().startsWith("server ")) {
                c.append(line).append('\n');
            }
        }
        for (ClusterNode n : cluster.nodes()) {
            c.append("    server ").append(n.name()).append(" 127.0.0.1:").append(n.pgPort())
                    .append(" maxconn 100 check port ").append(n.restPort()).append('\n');
        }
        return c.toString();
    }

    /** Commits through HAProxy until a commit lands on {@code expected}; returns its port. */
    private static int awaitWritableThrough(String url, ClusterNode expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS through_haproxy (at timestamptz DEFAULT now())");
                st.execute("INSERT INTO through_haproxy DEFAULT VALUES");
                try (ResultSet rs = st.executeQuery("SELECT inet_server_port()")) {
                    rs.next();
                    if (rs.getInt(1) == expected.pgPort()) {
                        return rs.getInt(1);
                    }
                    last = "committed on port " + rs.getInt(1);
                }
            } catch (SQLException e) {
                last = e.getMessage();
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        throw new AssertionError("no commit through HAProxy reached " + expected.name() + " within " + timeout
                + "; last: " + last);
    }

    /** Polls until PostgreSQL is seen down on {@code node}, then takes the codes of {@code paths}. */
    private static Map<String, Integer> snapshotWhilePostgresDown(ClusterNode node, List<String> paths) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (node.status("/health") == 503) {
                Map<String, Integer> codes = new LinkedHashMap<>();
                paths.forEach(p -> codes.put(p, node.status(p)));
                if (node.status("/health") == 503) {
                    return codes; // still down after the snapshot: the codes belong to one state
                }
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        throw new AssertionError(node.name() + " never reported PostgreSQL down on /health");
    }

    private static void awaitCode(ClusterNode node, String path, String contains) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!node.get(path).body().contains(contains)) {
            assertThat(System.nanoTime() - deadline).as("%s %s shows %s", node.name(), path, contains).isNegative();
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    private static List<Integer> codes(ClusterNode node, List<String> paths) {
        List<Integer> codes = new ArrayList<>();
        paths.forEach(p -> codes.add(node.status(p)));
        return codes;
    }

    private ClusterNode other(ClusterNode primary) {
        return cluster.nodes().stream().filter(n -> n != primary).findFirst().orElseThrow();
    }

    private String callbacks() {
        try {
            return Files.exists(callbackLog) ? Files.readString(callbackLog) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String patronictl(Path cfg, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PATRONICTL.toString(), "-c", cfg.toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("hapg-client", ".out");
        Path err = Files.createTempFile("hapg-client", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command.get(0)).isTrue();
            assertThat(p.exitValue()).as("%s exit code; stderr: %s", command, Files.readString(err)).isZero();
            return Files.readString(out);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
