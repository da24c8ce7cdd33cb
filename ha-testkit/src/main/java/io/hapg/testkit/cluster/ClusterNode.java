package io.hapg.testkit.cluster;

import io.hapg.testkit.FaultProxy;
import io.hapg.testkit.Pids;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One node of a {@link LocalCluster}: its agent process, its PostgreSQL, its REST API and its
 * path to etcd. Faults go to PIDs only: {@link #killNode()} (kill -9 of the agent and all it
 * started), {@link #killPostgres()} (kill -9 of the postmaster, the agent alive),
 * {@link #terminateAgent()} (SIGTERM), {@link #freezeAgent()}, {@link #cutFromEtcd()}.
 *
 * <p>Thread-safe.
 */
public final class ClusterNode {
    private static final Duration QUICK = Duration.ofSeconds(3);
    private static final Duration SLOW = Duration.ofSeconds(40);
    private static final Duration CANDIDATE_PATIENCE = Duration.ofSeconds(10);

    /** An HTTP answer; {@code status} is -1 when the agent did not answer at all. */
    public record Response(int status, String body) {
    }

    private final String name;
    private final int restPort;
    private final int pgPort;
    private final String scheme;
    private final Path dataDir;
    private final Path configFile;
    private final AgentProcess agent;
    private final List<FaultProxy> etcdPaths;
    private final Rest rest;
    /** What {@link #freezePostgres()} and {@link #freezeWalSenders()} stopped, in order; guarded by itself. */
    private final List<Long> frozenPostgres = new ArrayList<>();

    ClusterNode(String name, int restPort, int pgPort, String scheme, Path dataDir, Path configFile,
                AgentProcess agent, List<FaultProxy> etcdPaths, Rest rest) {
        this.name = name;
        this.restPort = restPort;
        this.pgPort = pgPort;
        this.scheme = scheme;
        this.dataDir = dataDir;
        this.configFile = configFile;
        this.agent = agent;
        this.etcdPaths = List.copyOf(etcdPaths);
        this.rest = rest;
    }

    /** The member name ({@code n0}, {@code n1}, ...). */
    public String name() {
        return name;
    }

    /** The REST API's base URL, e.g. {@code http://127.0.0.1:41234}. */
    public String restUrl() {
        return scheme + "://127.0.0.1:" + restPort;
    }

    public int restPort() {
        return restPort;
    }

    public int pgPort() {
        return pgPort;
    }

    /** A JDBC URL to this node's PostgreSQL as the superuser, with short timeouts. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres?user=" + LocalCluster.SUPERUSER + "&password="
                + LocalCluster.SUPERUSER_PASSWORD + "&connectTimeout=3&socketTimeout=10";
    }

    /** A JDBC URL without credentials (pass them as properties). */
    public String jdbcUrlWithoutCredentials() {
        return "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The node's generated Patroni-style YAML. */
    public Path configFile() {
        return configFile;
    }

    /** The agent's log (decisions, callbacks, PostgreSQL tool output); it continues across restarts. */
    public Path agentLog() {
        return agent.log();
    }

    /** PostgreSQL's server log, kept by the agent next to the data directory. */
    public Path postgresLog() {
        return dataDir.resolveSibling(dataDir.getFileName() + ".hapg").resolve("postgres.log");
    }

    // ----- REST -----

    /** The status code of {@code GET path}, or -1 when the agent does not answer. */
    public int status(String path) {
        return status("GET", path);
    }

    /** The status code of {@code method path} (GET, HEAD, OPTIONS), or -1 when the agent does not answer. */
    public int status(String method, String path) {
        return rest.send(uri(path), method, null, true, QUICK).status();
    }

    /** {@code GET path} with its body. */
    public Response get(String path) {
        return rest.send(uri(path), "GET", null, true, QUICK);
    }

    /**
     * A request with a JSON body (or none), with the cluster's REST credentials when configured.
     * Waits up to 40 s: a switchover answers once it is done.
     */
    public Response request(String method, String path, String jsonBody) {
        return rest.send(uri(path), method, jsonBody, true, SLOW);
    }

    /**
     * {@code POST /switchover} to this node, the leader, naming {@code candidate}; answers once the
     * switchover is done (see {@link #request}). Retries for up to 10 s while the answer is 412: a
     * replica that just (re)joined is no candidate until it published its running state, a loop
     * later (as with Patroni).
     *
     * @return the last answer; 200 when the switchover happened
     */
    public Response switchover(String candidate) {
        String body = "{\"leader\": \"" + name + "\", \"candidate\": \"" + candidate + "\"}";
        long deadline = System.nanoTime() + CANDIDATE_PATIENCE.toNanos();
        Response r = request("POST", "/switchover", body);
        while (r.status() == 412 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
            r = request("POST", "/switchover", body);
        }
        return r;
    }

    /** The same request without credentials. */
    public Response requestWithoutCredentials(String method, String path, String jsonBody) {
        return rest.send(uri(path), method, jsonBody, false, SLOW);
    }

    private URI uri(String path) {
        return URI.create(restUrl() + (path.startsWith("/") ? path : "/" + path));
    }

    // ----- processes -----

    /** Whether the agent JVM runs. */
    public boolean isAgentRunning() {
        return agent.isRunning();
    }

    /** The agent JVM's PID, while it runs. */
    public OptionalLong agentPid() {
        return agent.pid();
    }

    /** The postmaster's PID: the one in {@code postmaster.pid}, if it descends from the agent. */
    public OptionalLong postmasterPid() {
        return agent.postmasterPid();
    }

    /** kill -9 of the node: the agent JVM and every process it started (its postmaster and backends). */
    public void killNode() {
        agent.killNode();
    }

    /** kill -9 of the agent JVM alone, as an OOM kill or a crash would: its PostgreSQL is left running. */
    public void killAgent() {
        agent.killAgentOnly();
    }

    /**
     * kill -9 of the postmaster and its children; the agent keeps running.
     *
     * @return the killed postmaster's PID
     * @throws IllegalStateException when no postmaster runs
     */
    public long killPostgres() {
        return agent.killPostgres();
    }

    /** SIGTERM to the agent (a clean stop); returns at once, see {@link #awaitAgentExit(Duration)}. */
    public void terminateAgent() {
        agent.terminate();
    }

    /** Waits until the agent exited; true if it did within {@code timeout}. */
    public boolean awaitAgentExit(Duration timeout) {
        return agent.awaitExit(timeout);
    }

    /** Starts the agent again with the same configuration (its log continues). */
    public void startAgent() {
        agent.start();
    }

    /** SIGSTOP to the agent JVM only: it stops renewing and answering; PostgreSQL keeps running. */
    public void freezeAgent() {
        agent.freeze(true);
    }

    /** SIGCONT to the agent JVM. */
    public void thawAgent() {
        agent.freeze(false);
    }

    // ----- network -----

    /**
     * Cuts this node's connections to every etcd member (connections closed, new ones refused).
     *
     * @throws IllegalStateException when the cluster was built without etcd proxies
     */
    public void cutFromEtcd() {
        paths().forEach(FaultProxy::cut);
    }

    /** Like {@link #cutFromEtcd()} but packets are silently dropped: connections hang. */
    public void blackholeFromEtcd() {
        paths().forEach(FaultProxy::blackhole);
    }

    /** Delays everything between this node and etcd by {@code latency} each way (a slow etcd or network). */
    public void slowEtcd(Duration latency) {
        paths().forEach(p -> p.slow(latency));
    }

    /** Restores this node's paths to etcd. */
    public void healEtcd() {
        paths().forEach(FaultProxy::heal);
    }

    private List<FaultProxy> paths() {
        if (etcdPaths.isEmpty()) {
            throw new IllegalStateException(name + ": built without etcd proxies; use LocalCluster.Builder.etcdProxies");
        }
        return etcdPaths;
    }

    // ----- PostgreSQL stopped behind the agent's back -----

    /**
     * {@code pg_ctl stop -D <data> -m <mode> -W} with the binaries of the running postmaster, as
     * its OS user: PostgreSQL stopped behind the agent's back, as an administrator would; then
     * waits up to 60 s for <em>that</em> postmaster to exit. pg_ctl's own {@code -w} would wait
     * for whatever PID {@code postmaster.pid} names, and an agent that restarts the server in place
     * within pg_ctl's 100 ms poll leaves a new, running postmaster there: pg_ctl then waits its
     * whole timeout and reports "server does not shut down".
     *
     * @param mode {@code smart}, {@code fast} or {@code immediate}
     * @return pg_ctl's output
     * @throws IllegalStateException when no postmaster runs, pg_ctl fails (the message holds its
     *     output) or the postmaster still runs after 60 s
     */
    public String stopPostgres(String mode) {
        long pid = postmasterPid().orElseThrow(() -> new IllegalStateException(name + ": no postmaster runs"));
        Path pgCtl;
        try {
            pgCtl = Path.of("/proc", Long.toString(pid), "exe").toRealPath().resolveSibling("pg_ctl");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(name + ": cannot find the binaries of postmaster " + pid + ": " + e, e);
        }
        List<String> command = List.of(pgCtl.toString(), "stop", "-D", dataDir.toString(), "-m", mode, "-W");
        io.hapg.process.OsUser user = io.hapg.process.OsUser.current().isRoot()
                ? io.hapg.process.OsUser.unprivileged() : io.hapg.process.OsUser.current();
        io.hapg.process.Commands.Result r = io.hapg.process.Commands.run(user.wrap(command), Duration.ofSeconds(30));
        if (!r.succeeded()) {
            throw new IllegalStateException(name + ": " + String.join(" ", command) + " failed: " + r.output());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (Pids.isAlive(pid)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(name + ": postmaster " + pid + " still runs 60 s after "
                        + String.join(" ", command) + ": " + r.output());
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        return r.output();
    }

    /**
     * Replaces the {@code tags:} section of this node's YAML (none for an empty map). The agent
     * reads its file at start: restart it ({@link #terminateAgent()}, {@link #startAgent()}) for
     * the new tags to take effect.
     */
    public void rewriteTags(java.util.Map<String, ?> tags) {
        try {
            String yaml = java.nio.file.Files.readString(configFile);
            int at = yaml.indexOf("\ntags:\n");
            String kept = at < 0 ? yaml : yaml.substring(0, at + 1);
            java.nio.file.Files.writeString(configFile, kept + NodeYaml.tags(tags));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot rewrite the tags in " + configFile, e);
        }
    }

    // ----- PostgreSQL processes hung (by PID) -----

    /**
     * SIGSTOP to this node's postmaster, then to every process it started (backends, walsenders,
     * background workers): PostgreSQL hangs with its sockets open, as on a stuck disk or a paused
     * VM. Clients wait for answers that never come; new connections wait in the listen backlog.
     * The agent keeps running. Undo with {@link #thawPostgres()}.
     *
     * @return the PIDs stopped, the postmaster first (it starts no new process once stopped)
     * @throws IllegalStateException when no postmaster runs
     */
    public List<Long> freezePostgres() {
        long postmaster = postmasterPid().orElseThrow(() -> new IllegalStateException(name + ": no postmaster runs"));
        java.util.Set<Long> stopped = new java.util.LinkedHashSet<>();
        List<Long> batch = new ArrayList<>(List.of(postmaster));
        batch.addAll(Pids.descendants(postmaster));
        // Again for any child forked before the postmaster stopped, until none is new.
        while (!batch.isEmpty()) {
            stop(batch);
            stopped.addAll(batch);
            batch = new ArrayList<>(Pids.descendants(postmaster));
            batch.removeAll(stopped);
        }
        return List.copyOf(stopped);
    }

    /**
     * SIGSTOP to this node's walsenders (the postmaster's children whose process title says
     * {@code walsender}): its replicas receive no more WAL while this node keeps committing, so a
     * primary's WAL goes past theirs without any connection being closed. Undo with
     * {@link #thawPostgres()}.
     *
     * @return the PIDs stopped; empty when no replica streams from this node
     * @throws IllegalStateException when no postmaster runs
     */
    public List<Long> freezeWalSenders() {
        long postmaster = postmasterPid().orElseThrow(() -> new IllegalStateException(name + ": no postmaster runs"));
        List<Long> senders = new ArrayList<>();
        for (long pid : Pids.descendants(postmaster)) {
            if (Pids.commandLine(pid).contains("walsender")) {
                senders.add(pid);
            }
        }
        stop(senders);
        return senders;
    }

    /**
     * SIGCONT, in the order they were stopped, to every process {@link #freezePostgres()} and
     * {@link #freezeWalSenders()} stopped that still runs, also after the agent died (the
     * postmaster is then an orphan {@link #postmasterPid()} no longer finds).
     */
    public void thawPostgres() {
        List<Long> stopped;
        synchronized (frozenPostgres) {
            stopped = List.copyOf(frozenPostgres);
            frozenPostgres.clear();
        }
        for (long pid : stopped) {
            if (Pids.isAlive(pid)) {
                Pids.signal(pid, "CONT");
            }
        }
    }

    /** One {@code kill -STOP} for all: one per PID lets the backends commit for seconds on a busy machine. */
    private void stop(List<Long> pids) {
        if (pids.isEmpty()) {
            return;
        }
        synchronized (frozenPostgres) {
            List<String> kill = new ArrayList<>(List.of("kill", "-STOP"));
            pids.forEach(p -> kill.add(Long.toString(p)));
            io.hapg.process.Commands.run(kill, Duration.ofSeconds(10));
            frozenPostgres.addAll(pids);
        }
    }

    // ----- SQL -----

    /**
     * Runs {@code sql} on a fresh superuser connection to this node ({@link #jdbcUrl()}: connect
     * within 3 s, each read within 10 s).
     *
     * @throws IllegalStateException wrapping the {@link SQLException}, naming the node and the statement
     */
    public void execute(String sql) {
        try (Connection c = DriverManager.getConnection(jdbcUrl()); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + e.getMessage() + " [" + sql + "]", e);
        }
    }

    /**
     * Runs the query {@code sql} like {@link #execute} and returns its first column, one value per
     * row as text (SQL NULL is null).
     *
     * @throws IllegalStateException wrapping the {@link SQLException}, naming the node and the statement
     */
    public List<String> query(String sql) {
        try (Connection c = DriverManager.getConnection(jdbcUrl()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + e.getMessage() + " [" + sql + "]", e);
        }
    }

    List<FaultProxy> etcdPaths() {
        return etcdPaths;
    }

    AgentProcess agent() {
        return agent;
    }

    @Override
    public String toString() {
        return name + "(rest " + restPort + ", pg " + pgPort + (agent.isRunning() ? "" : ", agent stopped") + ")";
    }
}
