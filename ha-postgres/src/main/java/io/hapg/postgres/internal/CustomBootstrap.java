package io.hapg.postgres.internal;

import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.postgres.BootstrapMethod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patroni's custom bootstrap ({@code bootstrap.py}: {@code _custom_bootstrap}, {@code _post_restore};
 * {@code ha.py}: "waiting for end of recovery after bootstrap"), up to a running primary: the
 * method's command restores the empty data directory, hapg configures it, then starts it and, when
 * it starts in recovery, waits until recovery has ended (bounded by the clone timeout, where Patroni
 * waits without bound) and rewrites the configuration without the recovery settings. The caller
 * empties the data directory when this fails.
 */
final class CustomBootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(CustomBootstrap.class);
    private static final List<String> SIGNALS = List.of("recovery.signal", "standby.signal");

    private final Instance instance;
    private final BootstrapMethod method;

    CustomBootstrap(Instance instance, BootstrapMethod method) {
        this.instance = instance;
        this.method = method;
    }

    /**
     * Restores, configures and starts the new cluster, and returns once it runs as a primary.
     *
     * @throws DatabaseUnavailableException when the command fails or times out, leaves no data
     *     directory, the server does not start, or recovery does not end within the clone timeout
     */
    void run(long epoch) {
        restore();
        Path data = instance.dataDir().path();
        List<String> kept = new ArrayList<>();
        if (method.recoveryConf().isEmpty() && method.keepExistingRecoveryConf()) {
            SIGNALS.stream().filter(s -> Files.exists(data.resolve(s), LinkOption.NOFOLLOW_LINKS)).forEach(kept::add);
        }
        instance.files().writePrimary(); // removes the backup's signal files
        // Patroni's _post_restore: a trigger file in the backup would promote the server at once.
        delete(data.resolve("promote"));
        if (!method.recoveryConf().isEmpty()) {
            writeRecoveryConf();
            kept.add("recovery.signal");
        }
        kept.forEach(signal -> PassFile.writePrivate(data.resolve(signal), "", instance.user()));
        instance.startAndAwait(epoch);
        if (!kept.isEmpty()) {
            awaitEndOfRecovery();
            instance.files().writePrimary();
            reload();
        }
    }

    /** {@code command [--scope=S --datadir=D] [--key=value...]} as the OS user, as Patroni calls it. */
    private void restore() {
        List<String> command = new ArrayList<>(method.command());
        if (!method.noParams()) {
            command.add("--scope=" + method.scope());
            command.add("--datadir=" + instance.dataDir().path());
        }
        command.addAll(method.arguments());
        // The command only, as Patroni logs it: an option may carry a secret (a repository key).
        LOG.info("{} - running custom bootstrap script: {}", instance.member(), String.join(" ", method.command()));
        instance.tools().run("bootstrap-method-" + method.name(), command, instance.config().cloneTimeout());
        if (!instance.dataDir().isInitialized()) {
            throw new DatabaseUnavailableException(instance.member() + ": bootstrap method " + method.name()
                    + " exited 0 but left no PostgreSQL data directory in " + instance.dataDir().path());
        }
    }

    /**
     * The method's {@code recovery_conf} as PostgreSQL 12+ reads it: appended to hapg's
     * {@code postgresql.conf} (a later line wins over hapg's own {@code recovery_target_timeline}),
     * with {@code recovery.signal} written by the caller.
     */
    private void writeRecoveryConf() {
        Path file = Instance.configFile(instance.config()); // hapg's own, just written
        StringBuilder conf = new StringBuilder(NoFollowFiles.readFrom(file, 0));
        conf.append("# bootstrap method ").append(method.name()).append(": recovery_conf, until the first promotion\n");
        method.recoveryConf().forEach((k, v) -> conf.append(k).append(" = '").append(v.replace("'", "''"))
                .append("'\n"));
        PassFile.writePrivate(file, conf.toString(), instance.user());
    }

    /** Waits until the server has left recovery, as a primary; a paused recovery is reported once. */
    private void awaitEndOfRecovery() {
        Duration timeout = instance.config().cloneTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean pausedReported = false;
        LOG.info("{} - waiting for end of recovery after bootstrap", instance.member());
        while (System.nanoTime() - deadline < 0) {
            if (!instance.postmaster().isRunning()) {
                throw new DatabaseUnavailableException(instance.member() + ": postgres exited during the recovery"
                        + " of bootstrap method " + method.name() + "; see " + instance.postmaster().logFile());
            }
            try (Connection c = instance.connect(instance.config().queryTimeout())) {
                if (!"t".equals(Jdbc.value(c, "SELECT pg_catalog.pg_is_in_recovery()"))) {
                    return;
                }
                if (!pausedReported && "t".equals(Jdbc.value(c, "SELECT pg_catalog.pg_is_wal_replay_paused()"))) {
                    pausedReported = true;
                    LOG.warn("{} - the recovery of bootstrap method {} is paused (PostgreSQL's default"
                            + " recovery_target_action: pause): set recovery_target_action: promote, or call"
                            + " pg_wal_replay_resume()", instance.member(), method.name());
                }
            } catch (SQLException e) {
                LOG.debug("{} - recovery check failed: {}", instance.member(), e.getMessage());
            }
            io.hapg.process.Commands.pause(200);
        }
        throw new DatabaseUnavailableException(instance.member() + ": the recovery of bootstrap method "
                + method.name() + " did not end within " + timeout + " (its recovery settings must promote, e.g."
                + " recovery_target_action: promote)");
    }

    private void reload() {
        try (Connection c = instance.connect(instance.config().queryTimeout())) {
            Jdbc.value(c, "SELECT pg_catalog.pg_reload_conf()");
        } catch (SQLException e) {
            throw new DatabaseUnavailableException(instance.member() + ": cannot reload after the bootstrap's"
                    + " recovery: " + e.getMessage(), e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }
}
