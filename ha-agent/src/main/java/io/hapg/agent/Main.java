package io.hapg.agent;

import io.hapg.agent.ctl.CtlMain;
import io.hapg.agent.logging.AgentLogging;
import io.hapg.core.HaAgent;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * {@code java -jar hapg.jar <command>}: the entry point of the standalone agent's jar.
 *
 * <pre>
 *   agent CONFIG.yml            run one node from a Patroni-style YAML file (like `patroni CONFIG.yml`);
 *                               Patroni's PATRONI_* environment variables override the file
 *   agent --validate-config CONFIG.yml   check the file and exit (like `patroni --validate-config`)
 *   ctl -c CONFIG.yml COMMAND   hactl: list, switchover, failover, pause, resume, history, ...
 * </pre>
 *
 * Exit codes: 0 success, 1 failure at run time, 2 bad usage or bad configuration.
 */
public final class Main {
    private Main() {
    }

    /** The jar's entry point: sets up its logging ({@link AgentLogging#installDefaults()}), runs, exits. */
    public static void main(String[] args) {
        AgentLogging.installDefaults();
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            usage(args.length == 0 ? err : out);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "agent":
                return AgentMain.run(rest, out, err, System.getenv());
            case "ctl":
                return CtlMain.run(rest, out, err);
            case "version":
            case "--version":
                out.println(HaAgent.VERSION);
                return 0;
            default:
                err.println("hapg: unknown command '" + args[0] + "'");
                usage(err);
                return 2;
        }
    }

    private static void usage(PrintStream out) {
        out.println("usage: java -jar hapg.jar <command> [args]");
        out.println("  agent CONFIG.yml            run one node from a Patroni-style YAML file");
        out.println("  agent --validate-config CONFIG.yml");
        out.println("                              check the file (PATRONI_* variables applied), start nothing");
        out.println("  ctl -c CONFIG.yml COMMAND   hactl: list, switchover, failover, pause, resume, history,");
        out.println("                              show-config, edit-config, restart, reinit");
        out.println("  version                     print the version");
    }
}
