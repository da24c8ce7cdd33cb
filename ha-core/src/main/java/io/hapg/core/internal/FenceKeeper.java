package io.hapg.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The out-of-process half of fencing: a small bash process ({@code hapg-fence-<member>}) that
 * runs the database's fence command when the agent, while primary, stops re-arming it in time or
 * dies without disarming it. {@link LeaseWatchdog} cannot cover either case: it is a thread of the
 * JVM that is frozen (SIGSTOP, a stuck GC, a VM-level pause of the process) or gone (kill -9, an
 * OOM kill), and a PostgreSQL left running would keep accepting commits after another node took
 * the lease. This is Patroni's watchdog without the kernel device: it stops PostgreSQL instead of
 * resetting the machine.
 *
 * <p>The agent talks to it over its standard input (see {@code fence-keeper.sh}); its output goes
 * straight to the agent's standard error, never through the JVM, so a frozen JVM cannot block it.
 * The JVM closes every other descriptor in the processes it starts, so nothing else holds the pipe
 * open and the keeper sees end of input the moment the agent dies.
 *
 * <p>Owned by {@link LeaseWatchdog}: {@link #arm}/{@link #disarm} come from the HA loop thread,
 * {@link #close} from the loop's shutdown; all are synchronized. A keeper that exited (after
 * fencing, or killed) is started again on the next {@link #arm}.
 */
final class FenceKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FenceKeeper.class);
    static final Path BASH = Path.of("/bin/bash");
    /** The keeper's exit status after it ran the fence command. */
    static final int FENCED = 3;
    private static final long MIN_BUDGET_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final String member;
    private final List<String> command;
    private Process process;
    private OutputStream control;
    private boolean closed;
    /** The agent armed the keeper last (not disarmed): it must run, or this node has no outside fence. */
    private boolean armed;
    /** The last attempt to start a keeper failed. */
    private boolean launchFailed;

    private FenceKeeper(String member, List<String> command) {
        this.member = member;
        this.command = command;
    }

    /**
     * Starts a keeper that runs {@code fenceCommand} when it fires.
     *
     * @throws IllegalStateException naming the reason when bash is missing or the process cannot start
     */
    static FenceKeeper start(String member, List<String> fenceCommand) {
        if (!Files.isExecutable(BASH)) {
            throw new IllegalStateException(BASH + " is missing: the out-of-process fence needs bash");
        }
        FenceKeeper keeper = new FenceKeeper(member, command(member, fenceCommand));
        synchronized (keeper) {
            keeper.launch();
        }
        return keeper;
    }

    /** The keeper's command line: bash running {@code fence-keeper.sh} with the fence command as arguments. */
    static List<String> command(String member, List<String> fenceCommand) {
        List<String> argv = new ArrayList<>(List.of(BASH.toString(), "-c", script(), "hapg-fence-" + member));
        argv.addAll(fenceCommand);
        return List.copyOf(argv);
    }

    /** Fence unless re-armed or disarmed within {@code budgetNanos} (at least 1 ms). */
    synchronized void arm(long budgetNanos) {
        long nanos = Math.max(MIN_BUDGET_NANOS, budgetNanos);
        armed = true;
        send(armMessage(nanos));
    }

    /**
     * {@code arm <seconds>.<millis>}, the budget as the keeper script reads it. Built by hand, not
     * with {@code String.format}: it is sent on every renewal, and the formatter was a fifth of an
     * idle leader's loop CPU (JFR, loop_wait 1).
     */
    static String armMessage(long nanos) {
        long millis = nanos / 1_000_000L % 1000;
        return "arm " + nanos / 1_000_000_000L + (millis < 10 ? ".00" : millis < 100 ? ".0" : ".") + millis;
    }

    /** Wait without a deadline: this node is no longer a primary that must be fenced. */
    synchronized void disarm() {
        armed = false;
        send("disarm");
    }

    /**
     * Whether this keeper can fence: the last start succeeded and, while armed, its process runs.
     * A keeper that exited while disarmed is healthy (the next arm starts a new one); one that
     * died or fired while armed is not, until the next arm has started a new one.
     */
    synchronized boolean isHealthy() {
        return !closed && !launchFailed && (!armed || process.isAlive());
    }

    /** The keeper's PID while it runs; for logs and tests. */
    synchronized long pid() {
        return process.pid();
    }

    /** Disarms the keeper and lets it exit (end of input while disarmed). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (process.isAlive()) {
            try {
                control.write("disarm\n".getBytes(StandardCharsets.US_ASCII));
                control.close();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    LOG.warn("{}: fence keeper (pid {}) did not exit; killing it", member, process.pid());
                    process.destroyForcibly();
                }
            } catch (IOException e) {
                LOG.debug("{}: fence keeper already gone: {}", member, e.toString());
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void send(String message) {
        if (closed) {
            return;
        }
        if (!process.isAlive()) {
            int code = process.exitValue();
            LOG.warn("{}: fence keeper (pid {}) exited with {}{}; starting a new one", member, process.pid(), code,
                    code == FENCED ? " after fencing PostgreSQL" : "");
            try {
                launch();
            } catch (IllegalStateException e) {
                launchFailed = true;
                LOG.error("{}: no out-of-process fence until a keeper starts: {}", member, e.getMessage());
                return;
            }
        }
        try {
            control.write((message + "\n").getBytes(StandardCharsets.US_ASCII));
            control.flush();
        } catch (IOException e) {
            // Died between the check and the write: the next message starts a new one.
            LOG.warn("{}: fence keeper (pid {}) did not take '{}': {}", member, process.pid(), message, e.toString());
        }
    }

    private void launch() {
        try {
            process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fence keeper: " + e.getMessage(), e);
        }
        control = process.getOutputStream();
        launchFailed = false;
        LOG.info("{}: fence keeper started (pid {}): stops PostgreSQL if this agent freezes or dies as primary",
                member, process.pid());
    }

    private static String script() {
        try (InputStream in = FenceKeeper.class.getResourceAsStream("fence-keeper.sh")) {
            if (in == null) {
                throw new IllegalStateException("fence-keeper.sh is missing from the hapg jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
