package io.hapg.core.callbacks;

import io.hapg.core.spi.PrePromoteHook;
import io.hapg.core.spi.RoleChange;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's {@code pre_promote}: a command run synchronously after this node took the leader key
 * and before it promotes; a non-zero exit (or a timeout) vetoes the promotion. Like Patroni, it is
 * passed no arguments.
 */
public final class ScriptPrePromote implements PrePromoteHook {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptPrePromote.class);
    private final List<String> command;
    private final Duration timeout;

    /** @throws IllegalArgumentException when the command cannot be parsed */
    public ScriptPrePromote(String command, Duration timeout) {
        this.command = CommandLine.split(command);
        this.timeout = timeout;
    }

    @Override
    public boolean approve(RoleChange context) {
        try {
            OptionalInt exited = CommandLine.runQuietly(command, timeout);
            if (exited.isEmpty()) {
                LOG.warn("pre_promote {} did not finish within {}: vetoing", command, timeout);
                return false;
            }
            int exit = exited.getAsInt();
            LOG.info("pre_promote {} exited with {}", command, exit);
            return exit == 0;
        } catch (IOException e) {
            LOG.warn("pre_promote {} could not start: {}: vetoing", command, e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
