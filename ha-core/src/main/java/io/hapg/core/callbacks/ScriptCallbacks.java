package io.hapg.core.callbacks;

import io.hapg.core.spi.RoleChange;
import io.hapg.core.model.Role;
import io.hapg.core.spi.RoleChangeListener;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni-compatible script callbacks ({@code postgresql.callbacks}): runs
 * {@code <cmd> <action> <role> <scope>} for {@code on_start}, {@code on_stop},
 * {@code on_restart}, {@code on_reload} and {@code on_role_change}.
 *
 * <p>As in Patroni, callbacks are fire-and-forget and run one at a time: starting a callback
 * kills the one still running (and its children). Each runs at most {@code timeout}, then is
 * killed. Its output goes to the agent's log. {@code on_role_change} is called with
 * {@code primary} after a promotion and {@code replica} after a demotion or a follow; the
 * transient roles in between (candidate, demoting) are not announced, so a script sees exactly
 * the roles Patroni would pass.
 */
public final class ScriptCallbacks implements RoleChangeListener {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptCallbacks.class);
    /** The callback names Patroni knows. */
    public static final List<String> ACTIONS = List.of("on_start", "on_stop", "on_restart", "on_reload",
            "on_role_change");

    /** How long a finished callback's last output lines may take to reach the log. */
    private static final long DRAIN_MILLIS = 2000;

    private final Map<String, List<String>> commands;
    private final Duration timeout;
    private final BiConsumer<String, String> output;
    private Process running;

    /**
     * @param commands callback name → command line (split like a POSIX shell)
     * @param timeout  how long one callback may run before it is killed
     * @throws IllegalArgumentException naming an unknown callback name or an unparseable command
     */
    public ScriptCallbacks(Map<String, String> commands, Duration timeout) {
        this(commands, timeout, (action, line) -> LOG.info("callback {}: {}", action, line));
    }

    /** As {@link #ScriptCallbacks(Map, Duration)}, each output line handed to {@code output} (action, line). */
    ScriptCallbacks(Map<String, String> commands, Duration timeout, BiConsumer<String, String> output) {
        this.output = output;
        Map<String, List<String>> parsed = new LinkedHashMap<>();
        commands.forEach((action, command) -> {
            if (!ACTIONS.contains(action)) {
                throw new IllegalArgumentException("unknown callback '" + action + "'; known: " + ACTIONS);
            }
            if (command != null && !command.isBlank()) {
                parsed.put(action, CommandLine.split(command));
            }
        });
        this.commands = Map.copyOf(parsed);
        this.timeout = timeout;
    }

    @Override
    public void roleChanged(RoleChange change) {
        wireRole(change.newRole()).ifPresent(role -> run("on_role_change", role, change.scope()));
    }

    @Override
    public void lifecycle(String action, RoleChange context) {
        // Patroni passes the role PostgreSQL runs in: anything but a primary is a replica here
        // (a freshly cloned node, a node being demoted), never "uninitialized" or "demoted".
        run(action, context.newRole() == Role.PRIMARY ? "primary"
                : context.newRole() == Role.STANDBY_LEADER ? "standby_leader" : "replica", context.scope());
    }

    private static Optional<String> wireRole(Role role) {
        switch (role) {
            case PRIMARY:
                return Optional.of("primary");
            case REPLICA:
                return Optional.of("replica");
            case STANDBY_LEADER:
                return Optional.of("standby_leader");
            default:
                return Optional.empty();
        }
    }

    private synchronized void run(String action, String role, String scope) {
        List<String> command = commands.get(action);
        if (command == null) {
            return;
        }
        killRunning();
        List<String> argv = new ArrayList<>(command);
        argv.add(action);
        argv.add(role);
        argv.add(scope);
        try {
            Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            running = process;
            LOG.info("callback {}: {} (pid {})", action, String.join(" ", argv), process.pid());
            Thread reaper = new Thread(() -> supervise(action, process), "ha-callback-" + action);
            reaper.setDaemon(true);
            reaper.start();
        } catch (IOException e) {
            LOG.warn("callback {} could not start: {}", action, e.getMessage());
        }
    }

    /**
     * Waits for the callback (killing it past the timeout), while a second thread copies its output
     * to the log. The copying thread owns the stream and closes it at end of output: a script that
     * prints and exits at once would otherwise lose its lines when the stream is closed under a
     * reader that has not read them yet. The wait ends once the output is drained (bounded), so a
     * callback's lines come before the warning about its exit code.
     */
    private void supervise(String action, Process process) {
        InputStream stream = process.getInputStream();
        Thread pump = new Thread(() -> {
            try (var reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                reader.lines().forEach(line -> output.accept(action, line));
            } catch (IOException | UncheckedIOException ignored) {
                // The process was killed; nothing more to read.
            }
        }, "ha-callback-output-" + action);
        pump.setDaemon(true);
        pump.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("callback {} still running after {}: killing it", action, timeout);
                kill(process);
            }
            // A child the script left behind may hold the output open: bounded.
            pump.join(DRAIN_MILLIS);
            if (!process.isAlive() && process.exitValue() != 0) {
                LOG.warn("callback {} exited with {}", action, process.exitValue());
            }
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
        }
    }

    private void killRunning() {
        if (running != null && running.isAlive()) {
            LOG.info("killing the previous callback (pid {}) to run the next one", running.pid());
            kill(running);
        }
        running = null;
    }

    /**
     * Kills the script and everything it started. The parent goes first (children first would let
     * a shell run its next command in between), but its children are listed before, since they
     * are reparented once it dies.
     */
    static void kill(Process process) {
        List<ProcessHandle> children = process.descendants().collect(Collectors.toList());
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
