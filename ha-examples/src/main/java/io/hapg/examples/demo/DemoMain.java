package io.hapg.examples.demo;

import io.hapg.agent.ctl.QuietLogging;
import io.hapg.core.model.ClusterView;
import io.hapg.etcd.EtcdConfig;
import io.hapg.etcd.EtcdConsensus;
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
 * {@code java -jar hapg-demo.jar demo [--exit-when-ready]}: three etcd members and three agents, each
 * with its PostgreSQL, on loopback, from generated Patroni-style configs in a temporary directory
 * ({@link LocalCluster}). It prints the cluster table whenever the leader, a role, a state or a
 * timeline changes, tells how to kill the primary or ask for a switchover from another terminal,
 * restarts an agent that died after 5 s (as systemd's {@code Restart=always} would, so the old
 * primary comes back as a replica), and on Ctrl-C stops every process it started, by PID.
 *
 * <p>{@code --exit-when-ready} stops everything as soon as the cluster has converged (one
 * primary, two streaming replicas, as etcd shows them): a smoke test of the whole stack.
 */
public final class DemoMain {
    static final String SCOPE = "hapg-demo";
    static final String API_USER = "hapg";
    static final String API_PASSWORD = "demo";
    private static final Duration BOOT = Duration.ofSeconds(180);
    private static final Duration RESTART_DELAY = Duration.ofSeconds(5);

    private DemoMain() {
    }

    /** Runs the demo; returns the exit code (0 after Ctrl-C or --exit-when-ready, 1 on failure, 2 bad usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean exitWhenReady = false;
        for (String a : args) {
            if (a.equals("--exit-when-ready")) {
                exitWhenReady = true;
            } else if (a.equals("-h") || a.equals("--help")) {
                out.println("usage: java -jar hapg-demo.jar demo [--exit-when-ready]");
                return 0;
            } else {
                err.println("hapg demo: unknown argument '" + a + "'; usage: java -jar hapg-demo.jar demo"
                        + " [--exit-when-ready]");
                return 2;
            }
        }
        // The demo's output is the table and the how-to; the agents log to their own files.
        QuietLogging.apply();
        out.println("hapg demo: starting 3 etcd members and 3 agents with PostgreSQL on 127.0.0.1"
                + (OsUser.current().isRoot() ? " (PostgreSQL runs as OS user '" + OsUser.unprivileged().name() + "')"
                : "") + " ...");
        LocalCluster cluster;
        try {
            cluster = LocalCluster.builder().scope(SCOPE).nodes(3).etcdMembers(3).ttl(10).loopWait(2).retryTimeout(3)
                    .restApiAuthentication(API_USER, API_PASSWORD).start();
        } catch (MissingBinaryException e) {
            err.println("hapg demo: " + e.getMessage() + " (bash scripts/install-deps.sh installs what is missing)");
            return 1;
        }
        return new RunningDemo(cluster, out, err).run(exitWhenReady);
    }

    /** One running demo: the cluster, the table printer and the stop-by-PID on exit. */
    private static final class RunningDemo {
        private final LocalCluster cluster;
        private final PrintStream out;
        private final PrintStream err;
        private final EtcdConsensus etcd;
        private final TableWatcher table;
        private final Stopper stopper;
        private final AtomicBoolean stopping = new AtomicBoolean();
        private final CountDownLatch stopped = new CountDownLatch(1);

        RunningDemo(LocalCluster cluster, PrintStream out, PrintStream err) {
            this.cluster = cluster;
            this.out = out;
            this.err = err;
            this.etcd = new EtcdConsensus(EtcdConfig.builder().endpoints(cluster.etcd().clientEndpoints())
                    .scope(SCOPE).member("hapg-demo-watch").ttl(Duration.ofSeconds(10))
                    .retryTimeout(Duration.ofSeconds(10)).build());
            this.table = new TableWatcher(etcd, SCOPE, out);
            this.stopper = new Stopper(cluster, out);
        }

        int run(boolean exitWhenReady) {
            Thread hook = new Thread(this::stop, "hapg-demo-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            out.println("configs and logs: " + cluster.baseDir() + " (nK.yml, nK/agent.log)");
            table.start();
            try {
                ClusterNode primary = cluster.awaitConverged(BOOT);
                awaitConvergedInEtcd(Duration.ofSeconds(60));
                out.print(Instructions.processes(stopper.pids()));
                out.print(Instructions.howTo(cluster, primary));
                out.flush();
                if (exitWhenReady) {
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
