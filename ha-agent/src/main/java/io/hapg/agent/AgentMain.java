package io.hapg.agent;

import io.hapg.agent.config.ConfigLoader;
import io.hapg.agent.config.NodeConfig;
import io.hapg.agent.logging.AgentLogging;
import io.hapg.core.HaAgent;
import io.hapg.core.spi.FatalHaException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar hapg.jar agent CONFIG.yml}: one hapg node from a Patroni-style YAML file, as
 * {@code patroni CONFIG.yml} runs one Patroni node. Wires etcd ({@code etcd3}/{@code etcd}), the
 * local PostgreSQL ({@code postgresql}) and the REST API ({@code restapi}) into an
 * {@link HaAgent} ({@link HapgAgent#fromYaml(Path)}), and on SIGTERM or Ctrl-C closes it: on the primary that stops PostgreSQL and
 * hands the leader key over once a replica has the shutdown checkpoint.
 */
public final class AgentMain {
    private static final Logger LOG = LoggerFactory.getLogger(AgentMain.class);

    private AgentMain() {
    }

    /** Runs until the JVM is asked to stop. Returns the exit code (2 for a bad configuration). */
    public static int run(String[] args, PrintStream err) {
        return run(args, System.out, err, System.getenv());
    }

    /**
     * Runs until the JVM is asked to stop, or, with {@code --validate-config FILE}, checks the
     * file and returns. Patroni's {@code PATRONI_*} variables of {@code environment} override the
     * file. Returns the exit code (2 for a bad configuration or usage).
     */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> environment) {
        if (args.length == 2 && args[0].equals("--validate-config")) {
            return validate(Path.of(args[1]), out, environment);
        }
        if (args.length != 1 || args[0].startsWith("--")) {
            err.println("usage: java -jar hapg.jar agent CONFIG.yml");
            err.println("       java -jar hapg.jar agent --validate-config CONFIG.yml");
            return 2;
        }
        Path file = Path.of(args[0]);
        HaAgent agent;
        try {
            agent = HapgAgent.fromConfig(load(file, environment));
        } catch (FatalHaException | IllegalArgumentException e) {
            err.println("hapg: " + file + ": " + e.getMessage());
            return 2;
        } catch (NoSuchFileException e) {
            err.println("hapg: " + file + ": no such file");
            return 2;
        }
        // Nothing may die silently: a thread that does is named in the log.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) ->
                LOG.error("uncaught exception in thread {}", thread.getName(), e));
        CompletableFuture<Void> stopSignal = new CompletableFuture<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("received a stop signal: shutting down");
            agent.close();
            stopSignal.complete(null);
        }, "hapg-shutdown"));
        agent.start();
        return serve(agent, stopSignal);
    }

    /**
     * The node's configuration, with its {@code log:} section applied before anything about the
     * file is logged, so that its warnings already go where the section says. The configuration is
     * logged at DEBUG, its secrets masked.
     */
    static NodeConfig load(Path file, Map<String, String> environment) throws NoSuchFileException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString());
        }
        ConfigLoader.Validation v = ConfigLoader.validate(file, environment);
        if (v.valid()) {
            v.config().ifPresent(node -> AgentLogging.apply(node.log()));
        }
        NodeConfig node = v.loaded(file.toString()).config();
        LOG.debug("{}: {}", file, node);
        return node;
    }

    /**
     * {@code --validate-config}, as Patroni's: prints each problem (key, line, reason), one a line,
     * errors first; exit 0 when the node could start with this file (warnings allowed), 1 when not.
     * Builds nothing and connects to nothing.
     */
    static int validate(Path file, PrintStream out, Map<String, String> environment) {
        if (!Files.isRegularFile(file)) {
            out.println("ERROR: " + file + ": no such file");
            return 1;
        }
        ConfigLoader.Validation v = ConfigLoader.validate(file, environment);
        List<String> errors = new ArrayList<>();
        v.errors().forEach(e -> errors.add(e.getMessage()));
        v.config().ifPresent(node -> errors.addAll(HapgAgent.check(node)));
        errors.forEach(e -> out.println("ERROR: " + e));
        v.warnings().forEach(w -> out.println("WARNING: " + w.message()));
        if (!errors.isEmpty()) {
            out.println(file + ": " + errors.size() + " error(s), " + v.warnings().size() + " warning(s)");
            return 1;
        }
        out.println(file + ": valid, " + v.warnings().size() + " warning(s)");
        return 0;
    }

    /**
     * Waits until the stop signal (0) or until the HA loop dies (1: the loop fenced PostgreSQL if
     * it was primary; exiting lets the supervisor, systemd's {@code Restart=always}, restart the
     * agent, which then rejoins as a replica or takes the key back).
     */
    static int serve(HaAgent agent, CompletableFuture<?> stopSignal) {
        try {
            Object ended = CompletableFuture.anyOf(stopSignal, agent.loopDeath()).get();
            if (ended instanceof Throwable) {
                LOG.error("the HA loop died ({}): exiting with status 1", ended.toString());
                return 1;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.error("waiting for the agent failed: {}", e.getCause().toString());
            return 1;
        }
        return 0;
    }
}
