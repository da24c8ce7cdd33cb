package io.hapg.examples.demo;

import io.hapg.examples.cluster.Stopper;
import io.hapg.agent.ctl.QuietLogging;
import io.hapg.core.model.ClusterView;
import io.hapg.etcd.EtcdConfig;
import io.hapg.etcd.EtcdConsensus;
import io.hapg.examples.storefront.StorefrontRun;
import io.hapg.process.OsUser;
import io.hapg.testkit.MissingBinaryException;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code java -jar hapg-demo.jar demo [--short | --interactive | --exit-when-ready] [--sync on|off]
 * [--fast-failover on|off]}: three etcd members and three agents, each with its PostgreSQL, on
 * loopback, from generated Patroni-style configs in a temporary directory ({@link LocalCluster}),
 * synchronous mode unless {@code --sync off}, and in synchronous mode hapg's {@code fast_failover}
 * (FAST-FAILOVER.md: a dead primary is taken over once confirmed dead, not when its lease expires)
 * unless {@code --fast-failover off}. It prints the cluster table whenever the leader, a role, a state or a
 * timeline changes. On Ctrl-C it stops every process it started, by PID.
 *
 * <p>By default a storefront ({@link StorefrontRun}) runs through the article's faults and the
 * demo ends with a table per fault and a verdict (exit 1 when a fault did not converge or, in
 * synchronous mode, an acknowledged order was lost); {@code --short} runs two of the faults.
 * {@code --interactive} keeps the cluster up, tells how to kill the primary or ask for a
 * switchover from another terminal, and restarts an agent that died after 5 s (as systemd's
 * {@code Restart=always} would, so the old primary comes back as a replica).
 * {@code --exit-when-ready} stops everything as soon as the cluster has converged (one primary,
 * two streaming replicas, as etcd shows them): a smoke test of the whole stack.
 */
public final class DemoMain {
    static final String SCOPE = "hapg-demo";
    static final String API_USER = "hapg";
    static final String API_PASSWORD = "demo";
    private static final int TTL = 10;
    private static final String HIKARI_LOG_LEVEL = "org.slf4j.simpleLogger.log.com.zaxxer.hikari";
    private static final Duration BOOT = Duration.ofSeconds(180);
    private static final Duration RESTART_DELAY = Duration.ofSeconds(5);

    private DemoMain() {
    }

    static final String USAGE = "usage: java -jar hapg-demo.jar demo [--short | --interactive | --exit-when-ready]"
            + " [--sync on|off] [--fast-failover on|off]";

    /** What the demo does once the cluster has converged. */
    enum Mode {
        /** The storefront through the article's faults, a table, a verdict (the default). */
        STOREFRONT,
        /** The storefront through a switchover and a kill -9 of the primary node only (CI). */
        SHORT,
        /** The cluster stays up for the user's own faults until Ctrl-C. */
        INTERACTIVE,
        /** Stops once converged: a smoke test of the whole stack. */
        EXIT_WHEN_READY
    }

    /** Runs the demo; returns the exit code (0 done, 1 on failure or a failed verdict, 2 bad usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Mode mode = Mode.STOREFRONT;
        boolean synchronous = true;
        Boolean fastFailover = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            Mode chosen = switch (a) {
                case "--short" -> Mode.SHORT;
                case "--interactive" -> Mode.INTERACTIVE;
                case "--exit-when-ready" -> Mode.EXIT_WHEN_READY;
                default -> null;
            };
            if (chosen != null) {
                mode = chosen;
            } else if (a.equals("--sync") && i + 1 < args.length
                    && (args[i + 1].equals("on") || args[i + 1].equals("off"))) {
                synchronous = args[++i].equals("on");
            } else if (a.equals("--fast-failover") && i + 1 < args.length
                    && (args[i + 1].equals("on") || args[i + 1].equals("off"))) {
                fastFailover = args[++i].equals("on");
            } else if (a.equals("-h") || a.equals("--help")) {
                out.println(USAGE);
                return 0;
            } else {
                err.println("hapg demo: " + (a.equals("--sync") || a.equals("--fast-failover") ? a
                        + " takes on or off" : "unknown argument '" + a + "'") + "; " + USAGE);
                return 2;
            }
        }
        if (Boolean.TRUE.equals(fastFailover) && !synchronous) {
            err.println("hapg demo: --fast-failover on needs --sync on: fast failover works only in synchronous mode; "
                    + USAGE);
            return 2;
        }
        boolean fast = synchronous && !Boolean.FALSE.equals(fastFailover);
        // The demo's output is the table and the how-to; the agents log to their own files. The
        // storefront counts its failed orders; HikariCP's stack trace per broken connection would bury them.
        if (System.getProperty(HIKARI_LOG_LEVEL) == null) {
            System.setProperty(HIKARI_LOG_LEVEL, "error");
        }
        QuietLogging.apply();
        out.println("hapg demo: starting 3 etcd members and 3 agents with PostgreSQL on 127.0.0.1"
                + (synchronous ? ", synchronous mode" : ", asynchronous mode")
                + (fast ? ", fast failover on" : "")
                + (OsUser.current().isRoot() ? " (PostgreSQL runs as OS user '" + OsUser.unprivileged().name() + "')"
                : "") + " ...");
        LocalCluster cluster;
        try {
            cluster = LocalCluster.builder().scope(SCOPE).nodes(3).etcdMembers(3).ttl(TTL).loopWait(2).retryTimeout(3)
                    .synchronousMode(synchronous).etcdProxies(true).restApiAuthentication(API_USER, API_PASSWORD)
                    .dcs("fast_failover", fast)
                    .removeDataDirectoryWhenDiverged().start(); // killed nodes come back on their own
        } catch (MissingBinaryException e) {
            err.println("hapg demo: " + e.getMessage() + " (bash scripts/install-deps.sh installs what is missing)");
            return 1;
        }
        return new RunningDemo(cluster, synchronous, out, err).run(mode);
    }

    /** One running demo: the cluster, the table printer and the stop-by-PID on exit. */
    private static final class RunningDemo {
        private final LocalCluster cluster;
        private final PrintStream out;
        private final PrintStream err;
        private final boolean synchronous;
        private final EtcdConsensus etcd;
        private final TableWatcher table;
        private final Stopper stopper;
        private final AtomicBoolean stopping = new AtomicBoolean();
        private final CountDownLatch stopped = new CountDownLatch(1);

        RunningDemo(LocalCluster cluster, boolean synchronous, PrintStream out, PrintStream err) {
            this.cluster = cluster;
            this.synchronous = synchronous;
            this.out = out;
            this.err = err;
            this.etcd = new EtcdConsensus(EtcdConfig.builder().endpoints(cluster.etcd().clientEndpoints())
                    .scope(SCOPE).member("hapg-demo-watch").ttl(Duration.ofSeconds(10))
                    .retryTimeout(Duration.ofSeconds(10)).build());
            this.table = new TableWatcher(etcd, SCOPE, out);
            this.stopper = new Stopper(cluster, out);
        }

        int run(Mode mode) {
            Thread hook = new Thread(this::stop, "hapg-demo-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            out.println("configs and logs: " + cluster.baseDir() + " (nK.yml, nK/agent.log)");
            table.start();
            try {
                ClusterNode primary = cluster.awaitConverged(BOOT);
                awaitConvergedInEtcd(Duration.ofSeconds(60));
                out.print(Instructions.processes(stopper.pids()));
                if (mode == Mode.STOREFRONT || mode == Mode.SHORT) {
                    int code = new StorefrontRun(cluster, synchronous, TTL, stopper, out).run(mode == Mode.SHORT, 1);
                    stop();
                    return code;
                }
                out.print(Instructions.howTo(cluster, primary));
                out.flush();
                if (mode == Mode.EXIT_WHEN_READY) {
                    stop();
                    return 0;
                }
                supervise(primary);
                return 0;
            } catch (RuntimeException e) {
                err.println("hapg demo: " + e.getMessage());
                err.println("hapg demo: agent logs are in " + cluster.baseDir());
                stop();
                return 1;
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook is running.
                }
            }
        }

        /** Until Ctrl-C: restarts dead agents and prints how-to lines when the primary moves. */
        private void supervise(ClusterNode first) {
            String leader = first.name();
            long[] deadSince = new long[cluster.nodes().size()];
            while (!stopping.get()) {
                try {
                    if (stopped.await(1, TimeUnit.SECONDS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                Optional<String> now = table.lastView().flatMap(ClusterView::leaderMember).map(m -> m.name());
                if (now.isPresent() && !now.get().equals(leader)) {
                    leader = now.get();
                    out.print(Instructions.howTo(cluster, cluster.node(leader)));
                }
                restartDeadAgents(deadSince);
                cluster.nodes().forEach(stopper::remember); // postmasters restart with new PIDs
            }
        }

        private void restartDeadAgents(long[] deadSince) {
            List<ClusterNode> nodes = cluster.nodes();
            for (int i = 0; i < nodes.size(); i++) {
                ClusterNode n = nodes.get(i);
                if (n.isAgentRunning() || stopping.get()) {
                    deadSince[i] = 0;
                } else if (deadSince[i] == 0) {
                    deadSince[i] = System.nanoTime();
                    out.println("\nthe agent of " + n.name() + " exited: restarting it in " + RESTART_DELAY.toSeconds()
                            + " s (as systemd's Restart=always would); it rejoins as a replica");
                } else if (System.nanoTime() - deadSince[i] > RESTART_DELAY.toNanos()) {
                    deadSince[i] = 0;
                    n.startAgent();
                    out.println("\nrestarted the agent of " + n.name() + " (pid "
                            + n.agentPid().orElse(-1) + ")");
                }
            }
        }

        /** Waits until etcd shows a leader and every member running or streaming on a timeline. */
        private void awaitConvergedInEtcd(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() - deadline < 0) {
                Optional<ClusterView> view = table.poll();
                if (view.isPresent() && Instructions.converged(view.get(), cluster.nodes().size())) {
                    return;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            throw new IllegalStateException("etcd did not show the converged cluster within " + timeout);
        }

        /** Stops everything this demo started, by PID; idempotent, also the Ctrl-C hook. */
        private void stop() {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            table.close();
            etcd.close();
            stopper.stopAll();
            stopped.countDown();
        }
    }
}
