package io.hapg.agent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.cluster.LocalClusterExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * hactl against a real cluster: one etcd member and two agents (each with its PostgreSQL) as
 * processes. Most commands run in-process through {@link CtlMain#run} (one JVM start less each);
 * one list, an unconfirmed switchover and one refusal run as {@code java ... Main ctl} processes
 * to check the real exit codes (and that a process without a terminal refuses to ask).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HactlIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final LocalClusterExtension HAPG = LocalClusterExtension.of(LocalCluster.builder().scope("hactl-it")
            .nodes(2).etcdMembers(1).ttl(8).loopWait(1).retryTimeout(2).restApiAuthentication("admin", "it-secret"));

    private static LocalCluster cluster;
    private static String config;

    @BeforeAll
    static void converged() {
        cluster = HAPG.cluster();
        config = cluster.node(0).configFile().toString();
    }

    @Test
    @Order(1)
    void listShowsTheLeaderAndTheStreamingReplica() throws IOException {
        ClusterNode primary = cluster.primary().orElseThrow();
        ClusterNode replica = other(primary);
        HactlRun list = awaitCtl(r -> r.out().contains("| Replica | streaming |"), "list");
        assertThat(list.out()).startsWith("+ Cluster: hactl-it (")
                .contains("| Member | Host ")
                .containsPattern("\\| " + primary.name() + " +\\| 127\\.0\\.0\\.1:" + primary.pgPort()
                        + " +\\| Leader +\\| running +\\| +1 \\| +\\|")
                .containsPattern("\\| " + replica.name() + " +\\| 127\\.0\\.0\\.1:" + replica.pgPort()
                        + " +\\| Replica +\\| streaming +\\| +1 \\| +0 \\|");

        JsonNode rows = JSON.readTree(ctl("list", "-f", "json").out());
        assertThat(rows).hasSize(2);
        assertThat(rows.findValuesAsText("Role")).containsExactlyInAnyOrder("Leader", "Replica");
        assertThat(rows.findValuesAsText("Cluster")).containsOnly("hactl-it");

        HactlRun asProcess = ctlProcess("list");
        assertThat(asProcess.code()).as(asProcess.err()).isZero();
        assertThat(asProcess.out()).contains("| " + primary.name() + " ").contains("Leader");

        assertThat(ctl("list", "hactl-it").out()).as("patronictl's positional cluster name")
                .contains("| " + primary.name() + " ");
        HactlRun otherCluster = ctl("list", "batman");
        assertThat(otherCluster.code()).isEqualTo(2);
        assertThat(otherCluster.err()).isEqualTo("hactl: list: cluster 'batman' is not the configured cluster"
                + " 'hactl-it' (hactl acts on the scope of its config file)\n");
    }

    @Test
    @Order(2)
    void switchoverMovesTheLeaderAndHistoryShowsTheNewTimeline() throws IOException {
        ClusterNode primary = cluster.primary().orElseThrow();
        ClusterNode replica = other(primary);
        // Standard input is no terminal here: without --force hactl refuses instead of asking.
        HactlRun unconfirmed = ctlProcess("switchover", "--candidate", replica.name());
        assertThat(unconfirmed.code()).isEqualTo(1);
        assertThat(unconfirmed.err()).startsWith("hactl: Aborting switchover: \"Are you sure you want to switchover"
                + " cluster hactl-it, demoting current leader " + primary.name() + "?\" needs an answer")
                .contains("give --force");
        assertThat(cluster.primary()).contains(primary);

        HactlRun switchover = ctl("switchover", "hactl-it", "--candidate", replica.name(), "--force");
        assertThat(switchover.code()).as(switchover.err()).isZero();
        assertThat(switchover.out()).startsWith("Current cluster topology\n")
                .contains("Successfully switched over to \"" + replica.name() + "\"");
        cluster.awaitPrimary(n -> n == replica, Duration.ofSeconds(40));

        HactlRun history = awaitCtl(r -> r.out().contains("| " + replica.name()), "history");
        assertThat(history.out()).contains("| TL |")
                .containsPattern("\\|  1 \\| +\\d+ \\| [^|]+\\| [^|]+\\| " + replica.name() + " +\\|");
        Pattern newLeader = Pattern.compile("\\| " + replica.name() + " +\\| [0-9.:]+ +\\| Leader +\\| running +\\| +2 \\|");
        awaitCtl(r -> newLeader.matcher(r.out()).find(), "list");
    }

    @Test
    @Order(3)
    void pauseAndResumeToggleTheConfig() {
        HactlRun pause = ctl("pause", "--wait");
        assertThat(pause.code()).as(pause.err()).isZero();
        assertThat(pause.out()).contains("Success: cluster management is paused");
        assertThat(ctl("show-config").out()).contains("pause: true");
        assertThat(ctl("list").out()).contains(" Maintenance mode: on");

        HactlRun again = ctl("pause");
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("hactl: Cluster is already paused\n");

        HactlRun resume = ctl("resume");
        assertThat(resume.code()).as(resume.err()).isZero();
        assertThat(resume.out()).isEqualTo("Success: cluster management is resumed\n");
        assertThat(ctl("show-config").out()).doesNotContain("pause");
    }

    @Test
    @Order(4)
    void editConfigChangesTheStoredConfig() {
        HactlRun edit = ctl("edit-config", "-s", "postgresql.parameters.work_mem=8MB", "-s", "maximum_lag_on_failover=2097152",
                "--force");
        assertThat(edit.code()).as(edit.err()).isZero();
        assertThat(edit.out()).contains("+    work_mem: 8MB\n").contains("Configuration changed");
        assertThat(ctl("show-config").out()).contains("maximum_lag_on_failover: 2097152").contains("work_mem: 8MB");
        assertThat(ctl("edit-config", "-s", "maximum_lag_on_failover=2097152").out()).isEqualTo("Not changed\n");
        // Every node reloads the cluster's PostgreSQL settings within a loop or two.
        for (ClusterNode n : cluster.nodes()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            String workMem = "";
            while (!workMem.equals("8MB") && System.nanoTime() - deadline < 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
                workMem = show(n, "work_mem");
            }
            assertThat(workMem).as("work_mem on %s", n.name()).isEqualTo("8MB");
        }
    }

    private static String show(ClusterNode node, String setting) {
        return query(node, "SHOW " + setting);
    }

    /** The first column of the first row, or the error. */
    private static String query(ClusterNode node, String sql) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(node.jdbcUrl());
             java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (java.sql.SQLException e) {
            return e.getMessage();
        }
    }

    /** A setting that needs a restart: the member keys show it, list marks it, restart --pending clears it. */
    @Test
    @Order(6)
    void restartPendingRestartsTheMembersThatWaitForIt() throws Exception {
        ClusterNode replica = cluster.node(0); // leader or replica: a restart in place either way
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(replica.jdbcUrl());
             java.sql.Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET max_connections = 61");
            st.execute("SELECT pg_reload_conf()");
        }
        HactlRun marked = awaitCtl(r -> r.out().contains("Pending restart"), "list");
        String pending = cluster.nodes().stream().map(n -> n.name() + ": " + query(n,
                "SELECT string_agg(name, ',') FROM pg_settings WHERE pending_restart"))
                .collect(java.util.stream.Collectors.joining("; "));
        assertThat(marked.out()).as("settings pending a restart: %s", pending)
                .containsPattern("\\| " + replica.name() + " .*\\| \\*  +\\|");

        HactlRun restart = ctl("restart", "--pending", "--force");
        assertThat(restart.code()).as(restart.out() + restart.err()).isZero();
        assertThat(restart.out()).contains("Skipped: member " + other(replica).name() + " has no pending restart")
                .contains("Success: restart on member " + replica.name());
        awaitCtl(r -> !r.out().contains("Pending restart") && r.out().contains("| Replica | streaming |")
                && r.out().contains("| Leader  | running "), "list");
    }

    @Test
    @Order(5)
    void refusedActionsExitNonZeroWithTheApisAnswer() throws IOException {
        ClusterNode primary = cluster.primary().orElseThrow();
        HactlRun reinit = ctlProcess("reinit", primary.name(), "--force");
        assertThat(reinit.code()).isEqualTo(1);
        assertThat(reinit.out()).contains("Failed: reinitialize for member " + primary.name()
                + ", status code=503, (I am the leader, can not reinitialize)");
        assertThat(reinit.err()).contains("hactl: reinitialize failed on 1 of 1 member: " + primary.name());

        HactlRun badTtl = ctl("edit-config", "-s", "ttl=3", "--force");
        assertThat(badTtl.code()).isEqualTo(1);
        assertThat(badTtl.err()).startsWith("hactl: Failed: edit-config via " + primary.name() + ", status code=400,"
                + " (invalid configuration: loop_wait + 2 * retry_timeout must not exceed ttl");

        Path wrongPassword = cluster.baseDir().resolve("wrong-password.yml");
        Files.writeString(wrongPassword, Files.readString(Path.of(config))
                + "ctl:\n  authentication:\n    username: admin\n    password: not-it\n");
        HactlRun unauthorized = ctlWith(wrongPassword.toString(), "pause");
        assertThat(unauthorized.code()).isEqualTo(1);
        assertThat(unauthorized.err()).contains("status code=401");

        HactlRun unknown = ctl("failover", "--candidate", "n9");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).isEqualTo("hactl: member 'n9' is not in cluster 'hactl-it' (members: n0, n1)\n");
        HactlRun missing = ctl("failover");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).startsWith("hactl: failover: --candidate is required");
    }

    /**
     * The runbook commands: reload, topology, dsn, version, flush of a scheduled restart and
     * switchover, and remove refusing without a terminal.
     */
    @Test
    @Order(7)
    void reloadTopologyDsnVersionAndFlush() {
        ClusterNode primary = cluster.primary().orElseThrow();
        ClusterNode replica = other(primary);
        HactlRun reload = ctl("reload", "--force");
        assertThat(reload.code()).as(reload.out() + reload.err()).isZero();
        assertThat(reload.out()).contains("Reload request received for member " + primary.name())
                .contains("Reload request received for member " + replica.name());
        HactlRun refused = ctlWith(cluster.baseDir().resolve("wrong-password.yml").toString(), "reload",
                replica.name(), "--force");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.out()).contains("Failed: reload for member " + replica.name() + ", status code=401");

        assertThat(ctl("topology").out()).containsPattern("\\| " + primary.name() + " +\\| [0-9.:]+ +\\| Leader ")
                .containsPattern("\\| \\+ " + replica.name() + " +\\| [0-9.:]+ +\\| Replica ");
        assertThat(ctl("dsn").out()).isEqualTo("host=127.0.0.1 port=" + primary.pgPort() + "\n");
        assertThat(ctl("dsn", "--role", "replica").out()).isEqualTo("host=127.0.0.1 port=" + replica.pgPort() + "\n");
        HactlRun version = ctl("version", "hactl-it");
        assertThat(version.code()).as(version.err()).isZero();
        assertThat(version.out()).startsWith("hactl version ").contains(primary.name() + ": hapg ")
                .contains(replica.name() + ": hapg ");

        String inAnHour = java.time.OffsetDateTime.now().plusHours(1).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString();
        HactlRun restart = ctl("restart", replica.name(), "--scheduled", inAnHour, "--force");
        assertThat(restart.out()).as(restart.err()).contains("Success: restart scheduled on member " + replica.name());
        // The member key carries it, as Patroni's does: patronictl's and hactl's list show it.
        String scheduledAt = java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx")
                .format(java.time.OffsetDateTime.parse(inAnHour).atZoneSameInstant(java.time.ZoneOffset.UTC));
        io.hapg.testkit.Await.until("list -e shows the scheduled restart", Duration.ofSeconds(20),
                () -> ctl("list", "-e").out().contains(scheduledAt));
        HactlRun flushRestart = ctl("flush", replica.name(), "restart", "--force");
        assertThat(flushRestart.code()).as(flushRestart.err()).isZero();
        assertThat(flushRestart.out()).contains("Success: flush scheduled restart for member " + replica.name());
        assertThat(ctl("flush", replica.name(), "restart", "--force").out())
                .contains("No scheduled restart for member " + replica.name());

        HactlRun switchover = ctl("switchover", "--candidate", replica.name(), "--scheduled", inAnHour, "--force");
        assertThat(switchover.code()).as(switchover.err()).isZero();
        assertThat(ctl("list").out()).contains("Switchover scheduled at: ");
        HactlRun flushSwitchover = ctl("flush", "hactl-it", "switchover");
        assertThat(flushSwitchover.code()).as(flushSwitchover.err()).isZero();
        assertThat(flushSwitchover.out()).isEqualTo("Success: scheduled switchover deleted\n");
        assertThat(ctl("flush", "switchover").out()).isEqualTo("No pending scheduled switchover\n");
        assertThat(cluster.primary()).contains(primary);

        HactlRun remove = ctl("remove", "hactl-it");
        assertThat(remove.code()).as("remove has no --force: nobody to type the answers").isEqualTo(1);
        assertThat(remove.err()).startsWith("hactl: Aborted remove: \"Please confirm the cluster name to remove\"");
        assertThat(ctl("show-config").code()).isZero();
    }

    @Test
    @Order(8)
    void queryAndEditConfigWithAnEditorAsPatronictlRunsThem() throws IOException {
        ClusterNode primary = cluster.primary().orElseThrow();
        Map<String, String> login = Map.of("PGPASSWORD", "secret");
        String sql = "SELECT pg_catalog.pg_is_in_recovery() AS recovery, 1 AS one, NULL AS nothing";
        HactlRun leader = ctlProcess(login, "query", "-U", "postgres", "-d", "postgres", "-c", sql);
        assertThat(leader.code()).as(leader.err()).isZero();
        assertThat(leader.out()).isEqualTo("recovery\tone\tnothing\nFalse\t1\tNone\n");
        HactlRun replica = ctlProcess(login, "query", "-U", "postgres", "--role", "replica", "--format", "json",
                "-c", "SELECT pg_catalog.pg_is_in_recovery() AS recovery");
        assertThat(replica.out()).as(replica.err()).isEqualTo("[{\"recovery\":true}]\n");
        HactlRun wrongRole = ctlProcess(login, "query", "-U", "postgres", "-m", other(primary).name(), "-c",
                "CREATE TABLE hactl_query (id int)");
        assertThat(wrongRole.code()).isEqualTo(1);
        assertThat(wrongRole.out()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\tERROR, SQLSTATE: 25006\n");
        HactlRun noPassword = ctlProcess(Map.of(), "query", "-U", "postgres", "-c", "SELECT 1");
        assertThat(noPassword.code()).isEqualTo(1);
        assertThat(noPassword.out()).contains("\tERROR, SQLSTATE: ");

        Path editor = Files.writeString(cluster.baseDir().resolve("editor.sh"),
                "#!/bin/sh\necho 'maximum_lag_on_failover: 3145728' >> \"$1\"\n");
        editor.toFile().setExecutable(true);
        HactlRun edited = ctlProcess(Map.of("EDITOR", editor.toString()), "edit-config", "--force");
        assertThat(edited.code()).as(edited.err()).isZero();
        assertThat(edited.out()).contains("+maximum_lag_on_failover: 3145728\n").endsWith("Configuration changed\n");
        assertThat(ctl("show-config").out()).contains("maximum_lag_on_failover: 3145728");
        HactlRun unconfirmed = ctlProcess(Map.of("EDITOR", editor.toString()), "edit-config", "-s",
                "maximum_lag_on_failover=1048576");
        assertThat(unconfirmed.code()).isEqualTo(1);
        assertThat(unconfirmed.err()).contains("\"Apply these changes?\" needs an answer");
        assertThat(ctl("show-config").out()).contains("maximum_lag_on_failover: 3145728");
    }

    private static ClusterNode other(ClusterNode node) {
        return cluster.nodes().stream().filter(n -> n != node).findFirst().orElseThrow();
    }

    private static HactlRun ctl(String... args) {
        return ctlWith(config, args);
    }

    private static HactlRun ctlWith(String file, String... args) {
        return HactlRun.of(file, args);
    }

    /** Repeats an in-process command until its result matches (the member keys follow within a loop). */
    private static HactlRun awaitCtl(Predicate<HactlRun> done, String... args) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HactlRun last = ctl(args);
        while (!done.test(last) && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            last = ctl(args);
        }
        assertThat(done.test(last)).as("hactl %s never matched; last output:%n%s%s", String.join(" ", args),
                last.out(), last.err()).isTrue();
        return last;
    }

    /** {@code java -cp <this class path> io.hapg.agent.Main ctl -c CONFIG args...} as a process. */
    private static HactlRun ctlProcess(String... args) throws IOException {
        return ctlProcess(Map.of(), args);
    }

    /** {@link #ctlProcess(String...)} with these environment variables added. */
    private static HactlRun ctlProcess(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.hapg.agent.Main", "ctl", "-c", config));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(cluster.baseDir(), "hactl", ".out");
        Path err = Files.createTempFile(cluster.baseDir(), "hactl", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().remove("PGPASSWORD");
        builder.environment().putAll(env);
        Process p = builder.start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("hactl " + String.join(" ", args) + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return new HactlRun(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
