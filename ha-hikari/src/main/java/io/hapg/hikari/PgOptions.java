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
        requireNoReservedProperties(properties, "pgProperties");
    }

    private static void requireNoReservedProperties(Map<String, String> properties, String setting) {
        for (String key : properties.keySet()) {
            String k = key.toLowerCase(Locale.ROOT);
            if (k.equals("user") || k.equals("password") || k.equals("pghost") || k.equals("pgport")
                    || k.equals("targetservertype")) {
                throw new IllegalArgumentException(setting + ": '" + key + "' is decided by the pool; use the "
                        + "builder's own setter or leave it out");
            }
        }
    }

    /**
     * Takes over the {@link HikariConfig} settings HikariCP applies only to a DataSource it builds
     * itself, so that they are not silently dropped: {@code dataSourceProperties} (Spring Boot's
     * {@code spring.datasource.hikari.data-source-properties.*}) become pgjdbc properties,
     * {@code username}/{@code password} the pool's credentials; then clears them on {@code hikari}.
     * A value that contradicts the builder's own is refused, naming both settings.
     */
    void absorb(HikariConfig hikari) {
        Map<String, String> fromHikari = new LinkedHashMap<>();
        hikari.getDataSourceProperties().forEach((k, v) -> fromHikari.put(String.valueOf(k), String.valueOf(v)));
        requireNoReservedProperties(fromHikari, "hikari.dataSourceProperties");
        requireKnownProperties(fromHikari, "hikari.dataSourceProperties");
        fromHikari.forEach((k, v) -> {
            String own = properties.get(k);
            if (own != null && !own.equals(v)) {
                throw new IllegalArgumentException("hikari.dataSourceProperties: '" + k + "' is " + v
                        + " but pgProperty '" + k + "' is " + own + "; set it in one place");
            }
            properties.put(k, v);
        });
        if (hikari.getUsername() != null) {
            if (user != null && !user.equals(hikari.getUsername())) {
                throw new IllegalArgumentException("hikari.username '" + hikari.getUsername() + "' differs from user '"
                        + user + "'; set it in one place");
            }
            user = hikari.getUsername();
        }
        if (hikari.getPassword() != null && !hikari.getPassword().isEmpty()) {
            if (!password.isEmpty() && !password.equals(hikari.getPassword())) {
                throw new IllegalArgumentException("hikari.password differs from password; set it in one place");
            }
            password = hikari.getPassword();
        }
        // dataSourceProperties stay: HikariCP's copyStateTo shares that object with the caller's config.
        hikari.setUsername(null);
        hikari.setPassword(null);
    }

    /**
     * Every key must be one of pgjdbc's own ({@link PGProperty}) and, where pgjdbc lists the
     * allowed values, the value one of them: a misspelt key would otherwise surface only when the
     * first connection is opened, long after start-up, and pgjdbc ignores nothing it does not know.
     */
    static void requireKnownProperties(Map<String, String> properties) {
        requireKnownProperties(properties, "pgProperties");
    }

    private static void requireKnownProperties(Map<String, String> properties, String setting) {
        for (Map.Entry<String, String> e : properties.entrySet()) {
            PGProperty p = PGProperty.forName(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException(setting + ": '" + e.getKey() + "' is not a pgjdbc property"
                        + closest(e.getKey()).map(c -> " (did you mean '" + c + "'?)").orElse(""));
            }
            String[] choices = p.getChoices();
            if (choices != null && choices.length > 0 && Arrays.stream(choices)
                    .noneMatch(c -> c.equalsIgnoreCase(e.getValue()))) {
                throw new IllegalArgumentException(setting + ": '" + e.getKey() + "' must be one of "
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
        // What the builders' absorb() takes over; left here only when the record is built directly.
        if (hikari.getUsername() != null || hikari.getPassword() != null) {
            throw new IllegalArgumentException("hikari.username / password: HikariCP does not apply them to the "
                    + "pool's own DataSource; use the builder, which takes them over");
        }
        long failTimeout = hikari.getInitializationFailTimeout();
        if (failTimeout > 1) {
            throw new IllegalArgumentException("hikari.initializationFailTimeout " + failTimeout + " cannot be "
                    + "honoured: the pool never fails or blocks at start (the primary may be moving); leave it at "
                    + "1 or set -1");
        }
    }

    /** Every {@code hikari.dataSourceProperties} entry must be among the pgjdbc properties (the builder puts it there). */
    static void requireAbsorbed(HikariConfig hikari, Map<String, String> properties) {
        hikari.getDataSourceProperties().forEach((k, v) -> {
            if (!String.valueOf(v).equals(properties.get(String.valueOf(k)))) {
                throw new IllegalArgumentException("hikari.dataSourceProperties: '" + k + "' is not among the pgjdbc "
                        + "properties; HikariCP does not apply it to the pool's own DataSource: use the builder, "
                        + "which takes it over");
            }
        });
    }

    /** {@code readOnly=true} would make every write through the primary's pool fail. */
    static void requireWritable(HikariConfig hikari) {
        if (hikari.isReadOnly()) {
            throw new IllegalArgumentException("hikari.readOnly=true: every write through a PrimaryDataSource would "
                    + "fail; use Connection.setReadOnly per transaction, or a ReplicaDataSource for reads");
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
