package io.hapg.agent.config;

import io.hapg.core.config.PgUser;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code postgresql.authentication}: the roles hapg uses.
 *
 * @param superuser   for local administration (default {@code postgres}, no password)
 * @param replication what replicas stream as (default {@code replicator}, no password)
 * @param rewind      for {@code pg_rewind}; absent means the superuser
 */
public record PgAuthentication(PgUser superuser, PgUser replication, Optional<PgUser> rewind) {
    public static final PgAuthentication DEFAULTS =
            new PgAuthentication(PgUser.of("postgres"), PgUser.of("replicator"), Optional.empty());

    public PgAuthentication {
        Objects.requireNonNull(superuser, "superuser");
        Objects.requireNonNull(replication, "replication");
        Objects.requireNonNull(rewind, "rewind");
    }

    /** The user {@code pg_rewind} connects as. */
    public PgUser rewindUser() {
        return rewind.orElse(superuser);
    }
}
