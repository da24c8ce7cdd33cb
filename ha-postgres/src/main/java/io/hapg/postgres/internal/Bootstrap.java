package io.hapg.postgres.internal;

import io.hapg.core.config.PgUser;
import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.core.spi.FatalHaException;
import io.hapg.postgres.PostgresConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * A new cluster: initdb (or Patroni's custom {@code bootstrap.method}, {@link io.hapg.postgres.BootstrapMethod}),
 * configuration, first start as a primary, the roles hapg needs, {@code post_bootstrap}.
 */
public final class Bootstrap {
    private static final List<String> REWIND_FUNCTIONS = List.of("pg_catalog.pg_ls_dir(text, boolean, boolean)",
            "pg_catalog.pg_stat_file(text, boolean)", "pg_catalog.pg_read_binary_file(text)",
            "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)");

    private final Instance instance;
    private final PostgresConfig config;

    public Bootstrap(Instance instance) {
        this.instance = instance;
        this.config = instance.config();
    }

    /**
     * Runs the bootstrap; on failure stops the server and empties the data directory again.
     *
     * @throws DatabaseUnavailableException when initdb or the custom method fails (non-zero exit,
     *     timeout, no data directory left), the server does not start or its recovery does not end
     *     within the clone timeout, or post_bootstrap fails
     */
    public void run(long epoch) {
        DataDir dataDir = instance.dataDir();
        DataDir.Content content = dataDir.content();
        if (content != DataDir.Content.ABSENT && content != DataDir.Content.EMPTY) {
            throw new FatalHaException("dataDir " + dataDir.path() + " is not empty; bootstrap only initializes an"
                    + " empty data directory");
        }
        if (instance.postmaster().isRunning()) {
            throw new DatabaseUnavailableException(instance.member() + ": a postmaster runs on " + dataDir.path());
        }
        dataDir.create();
        try {
            if (config.bootstrapMethod().isPresent()) {
                new CustomBootstrap(instance, config.bootstrapMethod().get()).run(epoch);
            } else {
                initdb();
                instance.files().adoptInitdbConf();
                instance.files().writePrimary();
                instance.startAndAwait(epoch);
            }
            createRoles();
            postBootstrap();
        } catch (RuntimeException e) {
            instance.postmaster().stop(StopMode.IMMEDIATE, config.stopTimeout(), false);
            dataDir.wipe();
            throw e;
        }
    }

    private void initdb() {
        Path pwfile = instance.runDir().resolve("initdb.pw");
        List<String> command = new ArrayList<>(List.of(instance.binaries().tool("initdb"),
                "--pgdata=" + instance.dataDir().path(), "--username=" + config.superuser().username()));
        try {
            config.superuser().password().ifPresent(p -> {
                PassFile.writePrivate(pwfile, p.reveal() + "\n", instance.user());
                command.add("--pwfile=" + pwfile);
            });
            command.addAll(config.initdbOptions());
            instance.tools().run("initdb", command, config.startTimeout());
        } finally {
            try {
                Files.deleteIfExists(pwfile);
            } catch (IOException ignored) {
                // Mode 0600 in the private run directory; the next bootstrap overwrites it.
            }
        }
    }

    /**
     * Patroni's {@code post_bootstrap}: the command, as the OS user, with the local connection
     * string as its last argument (libpq's {@code key=value} form, as Patroni passes it; the
     * password comes from {@code PGPASSFILE}) and {@code PGOPTIONS=-c synchronous_commit=local},
     * so that the script's writes never wait for a standby that does not exist yet. Bounded by
     * {@link PostgresConfig#cloneTimeout()}: Patroni waits without bound, and a hung script would
     * keep the cluster uninitialized. A failure (non-zero exit, timeout) fails the bootstrap: the
     * server is stopped and the data directory emptied, as Patroni removes a cluster whose
     * post_bootstrap failed.
     */
    private void postBootstrap() {
        if (config.postBootstrap().isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("env", "PGOPTIONS=-c synchronous_commit=local"));
        command.addAll(config.postBootstrap());
        command.add(localDsn());
        instance.tools().run("post_bootstrap", command, config.cloneTimeout());
    }

    /** Patroni's local DSN for {@code post_bootstrap}: the superuser on this node's local address. */
    String localDsn() {
        return Conninfo.patroniDsn(config.superuser().username(), config.localHost(), config.port());
    }

    private void createRoles() {
        try (Connection c = instance.connect(config.queryTimeout())) {
            // A restored backup may name synchronous standbys of its old cluster: do not wait for them.
            Jdbc.execute(c, "SET synchronous_commit = local");
            createRole(c, config.replication(), "REPLICATION LOGIN");
            if (config.rewind().isPresent() && !config.rewind().get().username().equals(config.superuser().username())) {
                PgUser rewind = config.rewind().get();
                createRole(c, rewind, "LOGIN");
                for (String function : REWIND_FUNCTIONS) {
                    Jdbc.execute(c, "GRANT EXECUTE ON FUNCTION " + function + " TO " + Jdbc.identifier(rewind.username()));
                }
            }
        } catch (SQLException e) {
            throw new DatabaseUnavailableException(instance.member() + ": cannot create the roles: " + e.getMessage(), e);
        }
    }

    private static void createRole(Connection c, PgUser user, String options) throws SQLException {
        String name = Jdbc.identifier(user.username());
        boolean exists = Jdbc.value(c, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = "
                + Jdbc.literal(user.username())) != null;
        Jdbc.execute(c, (exists ? "ALTER ROLE " : "CREATE ROLE ") + name + " WITH " + options);
        if (user.password().isPresent()) {
            // Hashed here (SCRAM), so the clear password never reaches the server or its log.
            c.unwrap(PGConnection.class).alterUserPassword(user.username(),
                    user.password().get().reveal().toCharArray(), "scram-sha-256");
        }
    }
}
