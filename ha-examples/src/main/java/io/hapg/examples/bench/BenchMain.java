package io.hapg.examples.bench;

import io.hapg.agent.ctl.QuietLogging;
import io.hapg.process.OsUser;
import io.hapg.process.PgInstallation;
import io.hapg.testkit.MissingBinaryException;
import io.hapg.testkit.cluster.LocalCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * {@code java -jar hapg-demo.jar bench [--repetitions N] [--ttl S] [--loop-wait S] [--sync on|off] [--fast-failover on|off]
 * [--against patroni] [--output DIR]}: the demo's local cluster (three etcd members, three agents
 * with PostgreSQL, on loopback), each agent started by the shipped launcher {@code ha-agent/bin/hapg};
 * with {@code --against patroni} the same on Patroni (same YAML, etcd, PostgreSQL and timings), one
 * cluster after the other. Prints a markdown table and writes it to {@code DIR/bench.md}, the raw
 * samples to {@code DIR/samples.csv} and the plots to {@code DIR/*.png}.
 *
 * <p>Exit codes: 0 every sample measured, 1 a sample failed or a cluster did not start, 2 bad
 * arguments. On exit or Ctrl-C every process it started is stopped by PID.
 */
public final class BenchMain {
    private static final String PATRONI = "/usr/bin/patroni";

    private BenchMain() {
    }

    /** Runs the bench; returns the exit code. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length == 1 && (argv[0].equals("-h") || argv[0].equals("--help"))) {
            out.println(BenchArgs.USAGE);
            return 0;
        }
        BenchArgs args;
        try {
            args = BenchArgs.parse(argv);
        } catch (IllegalArgumentException e) {
            err.println("hapg bench: " + e.getMessage());
            err.println(BenchArgs.USAGE);
            return 2;
        }
        if (args.againstPatroni() && !Files.isExecutable(Path.of(PATRONI))) {
            err.println("hapg bench: --against patroni needs " + PATRONI + " (bash scripts/install-deps.sh installs it)");
            return 1;
        }
        // The bench's output is its progress lines and the table: the pool's and the locator's warnings
        // (a stack trace per broken connection, a line per poll of a dead member) would bury them.
        for (String logger : List.of("com.zaxxer.hikari", "io.hapg.hikari")) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "error");
            }
        }
        QuietLogging.apply();
        out.println("hapg bench: " + args.describe() + (OsUser.current().isRoot() ? "; PostgreSQL runs as OS user '"
                + OsUser.unprivileged().name() + "'" : ""));
        BenchReport report = new BenchReport();
        List<FaultBench.Timeline> timelines = new ArrayList<>();
        boolean started = runSystem(BenchReport.HAPG, args, report, timelines, out, err);
        if (args.againstPatroni()) {
            started &= runSystem(BenchReport.PATRONI, args, report, timelines, out, err);
        }
        String table = report.table();
        out.println();
        out.print(table);
        try {
            write(args, report, table, timelines, out);
        } catch (UncheckedIOException e) {
            err.println("hapg bench: " + e.getMessage());
            return 1;
        }
        return started && report.samples().stream().allMatch(Sample::ok) ? 0 : 1;
    }

    private static void write(BenchArgs args, BenchReport report, String table, List<FaultBench.Timeline> timelines,
                              PrintStream out) {
        Path dir = args.output();
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("bench.md"), "# hapg bench\n\n" + args.describe() + "\n\n" + table,
                    StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("samples.csv"), report.csv(), StandardCharsets.UTF_8);
            List<Path> plots = BenchPlots.write(dir, timelines, report);
            out.println("\nwritten: " + dir.resolve("bench.md") + ", " + dir.resolve("samples.csv") + " and "
                    + plots.size() + " plots (" + plots.stream().map(p -> p.getFileName().toString())
                    .collect(Collectors.joining(", ")) + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** One system's cluster, start to stop; false when it did not start or converge. */
    private static boolean runSystem(String system, BenchArgs args, BenchReport report,
                                     List<FaultBench.Timeline> timelines, PrintStream out, PrintStream err) {
        LocalCluster.Builder builder = LocalCluster.builder().scope(system.equals(BenchReport.HAPG) ? "hapg-bench"
                        : "bench-p").nodes(3).etcdMembers(3).ttl(args.ttl()).loopWait(args.loopWait())
                .retryTimeout(args.retryTimeout()).synchronousMode(args.synchronous())
                .restApiAuthentication(SystemRun.API_USER, SystemRun.API_PASSWORD)
                // as the Patroni run's YAML (LaunchedAgent): both systems re-clone what cannot rewind
                .removeDataDirectoryWhenDiverged()
                // The 100 pools hold one connection each, beside the agents', the locators' and the storefront's.
                .pgParameter("max_connections", Integer.toString(PoolRetarget.POOLS * 3));
        if (args.fastFailover() && system.equals(BenchReport.HAPG)) {
            builder.dcs("fast_failover", true);
        }
        Optional<String> launcher = system.equals(BenchReport.HAPG) ? launcher() : Optional.of(PATRONI);
        if (launcher.isPresent()) {
            String pgBin = PgInstallation.findBinDir(Optional.empty()).map(Path::toString).orElse("");
            builder.mainClass(LaunchedAgent.class.getName()).javaOptions(List.of("-Xmx24m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-D" + LaunchedAgent.SYSTEM + "=" + system,
                    "-D" + LaunchedAgent.COMMAND + "=" + launcher.get(), "-Dhapg.bench.pgbindir=" + pgBin));
            out.println(system + ": agents started by " + launcher.get());
        } else {
            out.println(system + ": ha-agent/bin/hapg or ha-agent/target/hapg.jar not found beside the demo jar;"
                    + " agents run in the demo jar with the test kit's JVM flags");
        }
        LocalCluster cluster;
        try {
            cluster = builder.start();
        } catch (MissingBinaryException e) {
            err.println("hapg bench: " + e.getMessage() + " (bash scripts/install-deps.sh installs what is missing)");
            return false;
        }
        SystemRun run = new SystemRun(system, args, cluster, report, out);
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                run.stopper().stopAll();
            }
        };
        Thread hook = new Thread(stop, "hapg-bench-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            run.run();
            timelines.addAll(run.timelines());
            return true;
        } catch (RuntimeException e) {
            err.println("hapg bench: " + system + ": " + e.getMessage() + " (logs in " + cluster.baseDir() + ")");
            return false;
        } finally {
            stop.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook runs now.
            }
        }
    }

    /**
     * The shipped launcher, when this runs from a build: {@code ha-agent/bin/hapg} beside
     * {@code ha-examples/target/hapg-demo.jar}, with the {@code ha-agent/target/hapg.jar} it runs.
     */
    static Optional<String> launcher() {
        try {
            Path jar = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path repo = jar.toAbsolutePath().getParent().getParent().getParent();
            Path script = repo.resolve("ha-agent/bin/hapg");
            return Files.isExecutable(script) && Files.isRegularFile(repo.resolve("ha-agent/target/hapg.jar"))
                    ? Optional.of(script.toString()) : Optional.empty();
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
