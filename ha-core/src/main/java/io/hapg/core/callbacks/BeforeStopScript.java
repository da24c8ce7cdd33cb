package io.hapg.core.callbacks;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's {@code postgresql.before_stop}: a command run synchronously right before PostgreSQL is
 * told to stop (not before a fencing kill). Like Patroni it gets no arguments, its exit code is only
 * logged ({@code before_stop script `...` exited with 3}) and never keeps the stop from happening.
 * Unlike Patroni, which waits as long as the script runs, it is bounded: after {@code timeout} the
 * script and its children are killed and the stop goes on, so a hung script cannot hold a
 * switchover or a demotion. Stateless apart from its command; safe to share.
 */
public final class BeforeStopScript {
    private static final Logger LOG = LoggerFactory.getLogger(BeforeStopScript.class);
    private final String text;
    private final List<String> command;
    private final Duration timeout;

    /**
     * @param command the command line, split as a shell would ({@code shlex.split} in Patroni)
     * @param timeout how long the script may run before it is killed
     * @throws IllegalArgumentException when the command is empty or a quote is not closed
     */
    public BeforeStopScript(String command, Duration timeout) {
        this.text = Objects.requireNonNull(command, "command");
        this.command = CommandLine.split(command);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** Runs the script and waits for it (at most the timeout); never throws for the script's sake. */
    public void run(String member) {
        try {
            OptionalInt exit = CommandLine.runQuietly(command, timeout);
            if (exit.isEmpty()) {
                LOG.warn("{} - before_stop script `{}` did not finish within {}: killed it, stopping PostgreSQL",
                        member, text, timeout);
                return;
            }
            LOG.info("{} - before_stop script `{}` exited with {}", member, text, exit.getAsInt());
        } catch (IOException e) {
            LOG.error("{} - before_stop script `{}` could not start: {}", member, text, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The bound on one run. */
    public Duration timeout() {
        return timeout;
    }
}
