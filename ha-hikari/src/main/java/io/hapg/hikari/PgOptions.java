package io.hapg.hikari;

import io.hapg.hikari.internal.PgSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

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
    void property(String key, String value) { properties.put(key, value); }

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

    static void requirePositive(Duration v, String name) {
        if (v == null || v.isNegative() || v.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
    }
}
