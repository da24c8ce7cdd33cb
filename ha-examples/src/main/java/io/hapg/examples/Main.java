package io.hapg.examples;

import io.hapg.examples.bench.BenchMain;
import io.hapg.examples.demo.DemoMain;
import io.hapg.examples.soak.SoakMain;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * {@code java -jar hapg-demo.jar <command>}: the demo jar's entry point. {@code demo},
 * {@code soak} and {@code bench} are its own;
 * {@code agent} and {@code ctl} are the standalone agent's ({@link io.hapg.agent.Main}), so that
 * the demo's agents and the commands it prints run from the same jar.
 *
 * Exit codes: 0 success, 1 failure at run time, 2 bad usage or bad configuration.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("demo")) {
            return DemoMain.run(Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length > 0 && args[0].equals("soak")) {
            return SoakMain.run(Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length > 0 && args[0].equals("bench")) {
            return BenchMain.run(Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            PrintStream to = args.length == 0 ? err : out;
            to.println("usage: java -jar hapg-demo.jar <command> [args]");
            to.println("  demo [--short | --interactive | --exit-when-ready] [--sync on|off]");
            to.println("                              a local three-node cluster (etcd x3, agents x3) and a storefront");
            to.println("                              on it, through the article's faults");
            to.println("  soak --minutes N [--faults K] [--sync on|off] [--seed S]");
            to.println("                              random faults under writes on that cluster, checked after each");
            to.println("  bench [--repetitions N] [--ttl S] [--loop-wait S] [--sync on|off] [--against patroni]");
            to.println("        [--output DIR]        failover, switchover, /primary and idle numbers, side by side with");
            to.println("                              Patroni: a markdown table, samples.csv, plots");
            to.println("  agent, ctl, version         as java -jar ha-agent/target/hapg.jar");
            return args.length == 0 ? 2 : 0;
        }
        return io.hapg.agent.Main.run(args, out, err);
    }
}
