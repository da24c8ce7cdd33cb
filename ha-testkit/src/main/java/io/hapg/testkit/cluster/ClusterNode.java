package io.hapg.testkit.cluster;

import io.hapg.testkit.FaultProxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
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

    // ----- PostgreSQL faults -----

    /**
     * SIGSTOP of this node's whole PostgreSQL (the postmaster and every child): a hung server, not a
     * dead one; the agent keeps running. {@link #thawPostgres()} resumes it.
     *
     * @return the frozen postmaster's PID
     * @throws IllegalStateException when no postmaster runs
     */
    public long freezePostgres() {
        return agent.freezePostgres();
    }

    /** SIGCONT to what {@link #freezePostgres()} stopped, if it still exists (the agent may have killed it). */
    public void thawPostgres() {
        agent.thawPostgres();
    }

    /**
     * {@code pg_ctl stop -D <data> -m <mode> -w} with the binaries of the running postmaster, as
     * its OS user: PostgreSQL stopped behind the agent's back, as an administrator would.
     *
     * @param mode {@code smart}, {@code fast} or {@code immediate}
     * @return pg_ctl's output
     * @throws IllegalStateException when no postmaster runs or pg_ctl fails (the message holds its output)
     */
    public String stopPostgres(String mode) {
        long pid = postmasterPid().orElseThrow(() -> new IllegalStateException(name + ": no postmaster runs"));
        Path pgCtl;
        try {
            pgCtl = Path.of("/proc", Long.toString(pid), "exe").toRealPath().resolveSibling("pg_ctl");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(name + ": cannot find the binaries of postmaster " + pid + ": " + e, e);
        }
        List<String> command = List.of(pgCtl.toString(), "stop", "-D", dataDir.toString(), "-m", mode, "-w",
                "-t", "60");
        io.hapg.process.OsUser user = io.hapg.process.OsUser.current().isRoot()
                ? io.hapg.process.OsUser.unprivileged() : io.hapg.process.OsUser.current();
        io.hapg.process.Commands.Result r = io.hapg.process.Commands.run(user.wrap(command), Duration.ofSeconds(70));
        if (!r.succeeded()) {
            throw new IllegalStateException(name + ": " + String.join(" ", command) + " failed: " + r.output());
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
