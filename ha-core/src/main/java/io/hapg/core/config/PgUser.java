package io.hapg.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A PostgreSQL role Patroni connects as ({@code postgresql.authentication.superuser},
 * {@code .replication}, {@code .rewind}).
 *
 * @param username    role name
 * @param password    password, absent for peer/cert/.pgpass authentication
 * @param options     libpq connection options from {@link #OPTION_NAMES} ({@code sslmode: verify-full})
 * @param sslPassword libpq {@code sslpassword}, kept apart so that it is masked
 */
public record PgUser(String username, Optional<Secret> password, Map<String, String> options,
                     Optional<Secret> sslPassword) {

    /** The libpq options Patroni passes through (besides {@code sslpassword}). */
    public static final Set<String> OPTION_NAMES = Set.of("sslmode", "sslkey", "sslcert", "sslrootcert",
            "sslcrl", "sslcrldir", "sslnegotiation", "gssencmode", "channel_binding");

    public PgUser {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(sslPassword, "sslPassword");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
        for (String option : options.keySet()) {
            if (!OPTION_NAMES.contains(option)) {
                throw new IllegalArgumentException("unsupported connection option '" + option + "'");
            }
        }
    }

    /** A user without a password or options. */
    public static PgUser of(String username) {
        return new PgUser(username, Optional.empty(), Map.of(), Optional.empty());
    }

    public static PgUser of(String username, String password) {
        return new PgUser(username, Optional.of(Secret.of(password)), Map.of(), Optional.empty());
    }
}
