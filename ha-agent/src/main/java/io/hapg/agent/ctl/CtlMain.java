package io.hapg.agent.ctl;

import io.hapg.agent.config.AdapterConfigs;
import io.hapg.core.config.HaConfig;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.etcd.EtcdConsensus;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code java -jar hapg.jar ctl -c CONFIG.yml COMMAND [options]}: hactl, patronictl's everyday
 * commands. The cluster (scope, namespace, etcd endpoints) and the REST API credentials come from
 * the config file ({@code -c}, else {@code $HACTL_CONFIG}); hactl reads etcd directly and acts
 * only through the members' REST API (but {@code remove}, which deletes the cluster's keys).
 *
 * <p>Like patronictl, hactl asks before a switchover, a failover, a restart of every member,
 * a reinit, a reload and a flush of scheduled restarts ({@code Are you sure you want to ...?
 * [y/N]}); {@code --force} skips the question, and without a terminal to ask the command is
 * refused (exit 1). The cluster may be named first, as patronictl's positional {@code CLUSTER_NAME} ({@code hactl switchover batman ...}); it must be
 * the config's scope.
 *
 * <p>Exit codes: 0 done (also "Not changed"); 1 refused or failed (the API answered 4xx/5xx, no
 * member answered, etcd is unreachable, or the cluster's state forbids it, e.g. already paused);
 * 2 bad usage (unknown command or option, a missing argument, an unknown member, a bad config).
 * Messages for 1 and 2 go to standard error, starting with {@code hactl: }.
 */
public final class CtlMain {
    /** Environment variable naming the config file when {@code -c} is not given. */
    public static final String CONFIG_ENV = "HACTL_CONFIG";
    /** patronictl's variable for the same, read after {@link #CONFIG_ENV} so Patroni runbooks work as they are. */
    public static final String PATRONICTL_CONFIG_ENV = "PATRONICTL_CONFIG_FILE";
    /**
     * The least time an etcd read may take: a fresh JVM's first gRPC call needs seconds to set up,
     * more than a small {@code retry_timeout} tuned for agents gives.
     */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private CtlMain() {
    }

    /** Runs one command; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        QuietLogging.apply();
        CtlArgs parsed;
        try {
            parsed = CtlArgs.parse(args);
        } catch (CtlException e) {
            err.println("hactl: " + e.getMessage());
            return e.exitCode();
        }
        if (parsed.help()) {
            out.print(parsed.command().map(Usage::of).orElseGet(Usage::all));
            return 0;
        }
        if (parsed.command().equals(Optional.of(Command.COMPLETION))) {
            // Needs no config: it is run once, when setting up a shell.
            if (!parsed.arguments().isEmpty() && !parsed.arguments().get(0).equals("bash")) {
                err.println("hactl: completion: only bash is supported (zsh: autoload bashcompinit; bashcompinit)");
                return CtlException.USAGE;
            }
            out.print(Completion.bash());
            return 0;
        }
        if (parsed.command().equals(Optional.of(Command.VERSION)) && parsed.arguments().isEmpty()) {
            // patronictl's version without a cluster name: only its own, so no config is needed.
            Versions.own(out);
            return 0;
        }
        try {
            Path file = parsed.config().or(() -> Optional.ofNullable(System.getenv(CONFIG_ENV)))
                    .or(() -> Optional.ofNullable(System.getenv(PATRONICTL_CONFIG_ENV))).map(Path::of)
                    .orElseThrow(() -> CtlException.usage("no config file: give -c CONFIG.yml (or set "
                            + CONFIG_ENV + " or " + PATRONICTL_CONFIG_ENV + ")"));
            return run(parsed, CtlConfig.load(file), out);
        } catch (CtlException e) {
            err.println("hactl: " + e.getMessage());
            return e.exitCode();
        }
    }

    private static int run(CtlArgs args, CtlConfig config, PrintStream out) {
        HaConfig cluster = config.cluster();
        EtcdConsensus etcd;
        try {
            etcd = new EtcdConsensus(AdapterConfigs.etcd(config.etcd())
                    .namespace(cluster.namespace())
                    .scope(cluster.scope())
                    .member(CtlConfig.READER_NAME)
                    .ttl(cluster.bootstrapDcs().ttl())
                    .retryTimeout(max(READ_TIMEOUT, cluster.bootstrapDcs().retryTimeout()))
                    .build());
        } catch (IllegalArgumentException e) {
            throw CtlException.usage("config: " + config.etcd().section() + ": " + e.getMessage());
        }
        try {
            Session session = new Session(cluster.scope(), () -> etcd(etcd, "read the cluster from", etcd::read),
                    new RestClient(config), out, Clock.systemDefaultZone(), Duration.ofSeconds(1), Confirmation.console(),
                    () -> etcd(etcd, "delete the cluster's keys in", etcd::deleteCluster));
            return dispatch(args, session);
        } finally {
            etcd.close();
        }
    }

    /** Runs the parsed command against {@code session}. */
    static int dispatch(CtlArgs given, Session session) {
        Command command = given.command().orElseThrow();
        CtlArgs args = given.forCluster(session.scope());
        switch (command) {
            case LIST: return Listing.list(session, args);
            case TOPOLOGY: return Listing.topology(session, args);
            case DSN: return Listing.dsn(session, args);
            case QUERY: return Query.query(session, args);
            case VERSION: return Versions.members(session, args);
            case HISTORY: return Listing.history(session, args);
            case SHOW_CONFIG: return Listing.showConfig(session, args);
            case SWITCHOVER: return ManualFailover.switchover(session, args);
            case FAILOVER: return ManualFailover.failover(session, args);
            case PAUSE: return ConfigChanges.pause(session, args);
            case RESUME: return ConfigChanges.resume(session, args);
            case EDIT_CONFIG: return ConfigChanges.editConfig(session, args);
            case RESTART: return MemberActions.restart(session, args);
            case REINIT: return MemberActions.reinit(session, args);
            case RELOAD: return MemberActions.reload(session, args);
            case FLUSH: return Flush.flush(session, args);
            case REMOVE: return Remove.remove(session);
            default: throw new IllegalStateException("unhandled command " + command);
        }
    }

    /** {@code call}'s result; etcd not answering is a failure naming {@code what} and the endpoints. */
    private static <T> T etcd(EtcdConsensus etcd, String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (ConsensusUnavailableException e) {
            throw CtlException.failed("cannot " + what + " etcd " + etcd.config().endpoints() + ": " + e.getMessage());
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
