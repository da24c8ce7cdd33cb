package io.hapg.postgres;

import java.util.List;
import java.util.Objects;

/**
 * One of Patroni's {@code create_replica_methods}, tried in order when a replica is created; the
 * first that succeeds wins. {@link #BASEBACKUP} is hapg's own pg_basebackup. Any other method runs
 * {@code command} as the OS user with {@code arguments} and then, unless {@code noParams},
 * {@code --datadir=<data dir>} and {@code --connstring=<libpq string to the source>} (the password
 * in {@code PGPASSFILE}), as Patroni calls them; it must leave a PostgreSQL data directory that can
 * start as a replica of the source (recovery settings are written by hapg afterwards).
 *
 * @param name      the method's name ({@code basebackup}, {@code pgbackrest}, ...)
 * @param command   the program and its first arguments; empty for {@code basebackup}
 * @param arguments Patroni's {@code --key=value} arguments that come before the data directory: the
 *                  method section's own options, then {@code --scope} and {@code --role=replica}
 *                  unless {@code noParams}
 * @param keepData  {@code keep_data}: the data directory is not emptied before the command runs
 * @param noParams  {@code no_params}: no {@code --scope}, {@code --role}, {@code --datadir},
 *                  {@code --connstring}
 */
public record ReplicaMethod(String name, List<String> command, List<String> arguments, boolean keepData,
                            boolean noParams) {
    /** hapg's pg_basebackup, Patroni's default and last resort. */
    public static final ReplicaMethod BASEBACKUP = new ReplicaMethod("basebackup", List.of(), List.of(), false,
            false);

    public ReplicaMethod {
        Objects.requireNonNull(name, "name");
        command = List.copyOf(command);
        arguments = List.copyOf(arguments);
        if (!name.equals(BASEBACKUP_NAME) && command.isEmpty()) {
            throw new IllegalArgumentException("replica method " + name + " has no command");
        }
    }

    private static final String BASEBACKUP_NAME = "basebackup";

    /** Whether this is hapg's own pg_basebackup. */
    public boolean isBasebackup() {
        return name.equals(BASEBACKUP_NAME);
    }
}
