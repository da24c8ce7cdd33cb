package io.hapg.hikari;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.hikari.internal.PgSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.postgresql.PGProperty;

/**
 * The connection settings that {@link PrimaryDataSourceConfig.Builder} and
 * {@link ReplicaDataSource.Builder} both take, with their defaults and checks, until they become
 * {@link PgSettings}: kept in one place so that the two pools cannot drift apart on how they
 * connect.
 */
final class PgOptions {
    private String user;
    private String password = "";
    private String database = "postgres";
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration socketTimeout = Duration.ofSeconds(30);
    private final Map<String, String> properties = new LinkedHashMap<>();

    void user(String v) { user = v; }
    /** {@code null} is no password, as {@code ""} is. */
    void password(String v) { password = v == null ? "" : v; }
    void database(String v) { database = v; }
    void connectTimeout(Duration v) { connectTimeout = v; }
    void socketTimeout(Duration v) { socketTimeout = v; }
    void property(String key, String value) {
        properties.put(Objects.requireNonNull(key, "pgProperty key"),
                Objects.requireNonNull(value, "pgProperty value for " + key));
    }

    String user() { return user; }
    String password() { return password; }
    String database() { return database; }
    Duration connectTimeout() { return connectTimeout; }
    Duration socketTimeout() { return socketTimeout; }
    Map<String, String> properties() { return properties; }

    /** @param applicationName pgjdbc {@code ApplicationName}: the pool's name, so pg_stat_activity shows it */
    PgSettings settings(String cluster, String applicationName) {
        return new PgSettings(cluster, user, password, database, connectTimeout, socketTimeout, applicationName,
                properties);
    }

    static void requireUser(String user) {
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("user: required");
        }
    }

    static void requireDatabase(String database) {
        if (database == null || database.isBlank()) {
            throw new IllegalArgumentException("database: required");
        }
    }

    /** pgjdbc properties the pool decides itself may not be overridden, or the pool would not know where it is. */
    static void requireNoReservedProperties(Map<String, String> properties) {
        for (String key : properties.keySet()) {
            String k = key.toLowerCase(Locale.ROOT);
            if (k.equals("user") || k.equals("password") || k.equals("pghost") || k.equals("pgport")
                    || k.equals("targetservertype")) {
                throw new IllegalArgumentException("pgProperties: '" + key + "' is decided by the pool; use the "
                        + "builder's own setter or leave it out");
            }
        }
    }

    /**
     * Every key must be one of pgjdbc's own ({@link PGProperty}) and, where pgjdbc lists the
     * allowed values, the value one of them: a misspelt key would otherwise surface only when the
     * first connection is opened, long after start-up, and pgjdbc ignores nothing it does not know.
     */
    static void requireKnownProperties(Map<String, String> properties) {
        for (Map.Entry<String, String> e : properties.entrySet()) {
            PGProperty p = PGProperty.forName(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException("pgProperties: '" + e.getKey() + "' is not a pgjdbc property"
                        + closest(e.getKey()).map(c -> " (did you mean '" + c + "'?)").orElse(""));
            }
            String[] choices = p.getChoices();
            if (choices != null && choices.length > 0 && Arrays.stream(choices)
                    .noneMatch(c -> c.equalsIgnoreCase(e.getValue()))) {
                throw new IllegalArgumentException("pgProperties: '" + e.getKey() + "' must be one of "
                        + String.join(", ", choices) + ", got '" + e.getValue() + "'");
            }
        }
    }

    /** The pgjdbc property whose name differs from {@code key} only in case, or starts the same way. */
    private static Optional<String> closest(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        Optional<String> sameButCase = Arrays.stream(PGProperty.values()).map(PGProperty::getName)
                .filter(n -> n.equalsIgnoreCase(key)).findFirst();
        if (sameButCase.isPresent() || k.length() < 4) {
            return sameButCase;
        }
        return Arrays.stream(PGProperty.values()).map(PGProperty::getName)
                .filter(n -> n.toLowerCase(Locale.ROOT).startsWith(k.substring(0, 4))).findFirst();
    }

    /** The HikariCP settings that would take the choice of server away from the locator. */
    static void requirePoolOwnsConnections(HikariConfig hikari) {
        if (hikari.getJdbcUrl() != null) {
            throw new IllegalArgumentException("hikari.jdbcUrl must not be set: the locator decides where to connect");
        }
        if (hikari.getExceptionOverrideClassName() != null) {
            throw new IllegalArgumentException("hikari.exceptionOverrideClassName: pass an instance with "
                    + "setExceptionOverride instead; the pool consults it after its own failover rules");
        }
        if (hikari.getDataSource() != null || hikari.getDataSourceClassName() != null
                || hikari.getDataSourceJNDI() != null || hikari.getDriverClassName() != null) {
            throw new IllegalArgumentException("hikari.dataSource / dataSourceClassName / dataSourceJNDI / "
                    + "driverClassName must not be set: the pool brings its own");
        }
    }

    /** Every check of these settings, in the order the pools report them. */
    void check() {
        requireUser(user);
        requireDatabase(database);
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(socketTimeout, "socketTimeout");
        requireNoReservedProperties(properties);
        requireKnownProperties(properties);
    }

    static void requirePositive(Duration v, String name) {
        if (v == null || v.isNegative() || v.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
    }
}
