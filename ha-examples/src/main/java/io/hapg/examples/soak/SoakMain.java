package io.hapg.examples.soak;

import io.hapg.examples.cluster.Fault;
import io.hapg.examples.cluster.Stopper;
import io.hapg.agent.ctl.QuietLogging;
import io.hapg.process.OsUser;
import io.hapg.testkit.MissingBinaryException;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code java -jar hapg-demo.jar soak --minutes N [--faults K] [--sync on|off] [--seed S]}: the
 * demo's local cluster (three etcd members, three agents with PostgreSQL, on loopback) with the
 * e2e suite's fast timings, under continuous writes, with a random {@link Fault} about every
 * 30 s. After each fault and its heal: convergence within {@link Soak#CONVERGE_BOUND}, then the
 * invariants on that fault's write history. One line per fault, a table per fault kind, and a
 * verdict with the seed to replay the same sequence of faults.
 *
 * <p>Exit codes: 0 every fault passed, 1 a violation (the soak stops at the first) or a failure
 * to start, 2 bad arguments. On exit or Ctrl-C every process it started is stopped by PID.
 */
public final class SoakMain {
    static final String SCOPE = "hapg-soak";
    private static final Duration BOOT = Duration.ofSeconds(180);

    private SoakMain() {
    }

    /** Runs the soak; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            out.println(SoakArgs.USAGE);
            return 0;
        }
        SoakArgs parsed;
        try {
            parsed = SoakArgs.parse(args, ThreadLocalRandom.current().nextLong(1, 1_000_000));
        } catch (IllegalArgumentException e) {
            err.println("hapg soak: " + e.getMessage());
            err.println(SoakArgs.USAGE);
            return 2;
        }
        QuietLogging.apply();
        out.println("hapg soak: " + describe(parsed));
        LocalCluster cluster;
        try {
            cluster = LocalCluster.builder().scope(SCOPE).nodes(3).etcdMembers(3).ttl(Soak.TTL)
                    .loopWait(Soak.LOOP_WAIT).retryTimeout(Soak.RETRY_TIMEOUT).synchronousMode(parsed.synchronous())
                    .etcdProxies(true).restApiAuthentication("hapg", "soak")
                    // killed nodes must come back on their own, also when a rewind fails under load
                    .removeDataDirectoryWhenDiverged().start();
        } catch (MissingBinaryException e) {
            err.println("hapg soak: " + e.getMessage() + " (bash scripts/install-deps.sh installs what is missing)");
            return 1;
        }
        return new Running(cluster, parsed, out, err).run();
    }

    private static String describe(SoakArgs a) {
        return (a.synchronous() ? "synchronous" : "asynchronous") + " mode, seed " + a.seed() + ", "
                + (a.faults().isPresent() ? a.faults().getAsInt() + " faults" : "")
                + (a.faults().isPresent() && a.minutes().isPresent() ? " or " : "")
                + (a.minutes().isPresent() ? a.minutes().getAsInt() + " minutes" : "")
                + (a.faults().isPresent() && a.minutes().isPresent() ? " (whichever comes first)" : "") + ";"
                + " ttl=" + Soak.TTL + "s loop_wait=" + Soak.LOOP_WAIT + "s retry_timeout=" + Soak.RETRY_TIMEOUT
                + "s; held faults healed after " + Soak.HOLD.toSeconds() + " s; convergence awaited "
                + Soak.SETTLE.toSeconds() + " s after the heal, must come within " + Soak.CONVERGE_BOUND.toSeconds()
                + " s (2 x ttl)"
                + (OsUser.current().isRoot() ? "; PostgreSQL runs as OS user '" + OsUser.unprivileged().name() + "'"
                : "");
    }

    /** One running soak: the cluster, the loop and the stop-by-PID on exit or Ctrl-C. */
    private static final class Running {
        private final LocalCluster cluster;
        private final SoakArgs args;
        private final PrintStream out;
        private final PrintStream err;
        private final Stopper stopper;
        private final Soak soak;
        private final AtomicBoolean stopping = new AtomicBoolean();

        Running(LocalCluster cluster, SoakArgs args, PrintStream out, PrintStream err) {
            this.cluster = cluster;
            this.args = args;
            this.out = out;
            this.err = err;
            this.stopper = new Stopper(cluster, out);
            this.soak = new Soak(cluster, args.synchronous(), args.seed(), out, stopper);
        }

        int run() {
            Thread hook = new Thread(this::stop, "hapg-soak-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            out.println("configs and logs: " + cluster.baseDir() + " (nK.yml, nK/agent.log)");
            long started = System.nanoTime();
            try {
                cluster.awaitConverged(BOOT);
                stopper.pids();
                out.printf("cluster converged after %.1f s; faults start now%n", (System.nanoTime() - started) / 1e9);
                out.flush();
                // Without --minutes only --faults ends the soak: a year stands for "no time limit".
                Duration budget = Duration.ofMinutes(args.minutes().orElse(SoakArgs.MAX_MINUTES));
                soak.run(args.faults().orElse(Integer.MAX_VALUE), budget, stopping::get);
            } catch (RuntimeException e) {
                err.println("hapg soak: the cluster did not start (logs in " + cluster.baseDir() + "): "
                        + e.getMessage());
                stop();
                return 1;
            } finally {
                removeHook(hook);
            }
            return finish(System.nanoTime() - started);
        }

        private static void removeHook(Thread hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook runs now and stops everything.
            }
        }

        private int finish(long nanos) {
            SoakReport report = soak.report();
            out.println();
            out.print(report.table());
            String ran = report.rows().size() + " faults in " + Duration.ofNanos(nanos).toSeconds() + " s";
            String replay = "seed " + args.seed() + "; replay: " + args.replay();
            if (report.passed() && !report.rows().isEmpty()) {
                out.println("soak verdict: PASS - " + ran + ", no split brain"
                        + (args.synchronous() ? ", no acknowledged commit lost" : "") + "; " + replay);
            } else {
                out.println("soak verdict: FAIL - " + ran + "; " + report.firstFailure()
                        .map(r -> "fault #" + r.number() + " (" + r.fault().label() + ", " + r.target() + "): "
                                + (r.problem().isEmpty() ? r.splitBrain() + " split-brain moments, " + r.lost()
                                + " acknowledged commits lost" : r.problem()))
                        .orElse("no fault ran") + "; logs in " + cluster.baseDir() + "; " + replay);
            }
            out.flush();
            stop();
            return report.passed() && !report.rows().isEmpty() ? 0 : 1;
        }

        /** Stops the writers and every process the soak started, by PID; idempotent, also the Ctrl-C hook. */
        private void stop() {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            soak.stopWrites();
            stopper.stopAll();
        }
    }
}
