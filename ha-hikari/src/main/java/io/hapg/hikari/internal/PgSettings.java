package io.hapg.hikari.internal;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * How physical connections are opened (pgjdbc settings shared by every node of the cluster).
 *
 * @param cluster         the cluster's name, for messages
 * @param user            the database user
 * @param password        its password; empty string = none
 * @param database        the database to connect to
 * @param connectTimeout  pgjdbc {@code connectTimeout} (TCP connect and login)
 * @param socketTimeout   pgjdbc {@code socketTimeout}: bound on any read from the server
 * @param applicationName pgjdbc {@code ApplicationName}
 * @param properties      further pgjdbc properties, applied last
 */
public record PgSettings(String cluster, String user, String password, String database, Duration connectTimeout,
                         Duration socketTimeout, String applicationName, Map<String, String> properties) {
    public PgSettings {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(socketTimeout, "socketTimeout");
        Objects.requireNonNull(applicationName, "applicationName");
        properties = Map.copyOf(properties);
    }

    /** A pgjdbc DataSource for one server. */
    public PGSimpleDataSource dataSource(String host, int port) {
        return configure(new PGSimpleDataSource(), host, port);
    }

    /** Sets {@code ds} up for one server, as {@link #dataSource} does; returns it. */
    public <T extends PGSimpleDataSource> T configure(T ds, String host, int port) {
        ds.setServerNames(new String[] {host});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(database);
        ds.setUser(user);
        if (!password.isEmpty()) {
            ds.setPassword(password);
        }
        ds.setConnectTimeout(seconds(connectTimeout));
        ds.setLoginTimeout(seconds(connectTimeout));
        ds.setSocketTimeout(seconds(socketTimeout));
        ds.setTcpKeepAlive(true);
        ds.setApplicationName(applicationName);
        for (Map.Entry<String, String> e : properties.entrySet()) {
            try {
                ds.setProperty(e.getKey(), e.getValue());
            } catch (SQLException ex) {
                throw new IllegalArgumentException("pgjdbc property " + e.getKey() + ": " + ex.getMessage(), ex);
            }
        }
        return ds;
    }

    /** Whole seconds, at least 1 (pgjdbc's unit; 0 would mean "no timeout"). */
    public static int seconds(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (d.toMillis() + 999) / 1000));
    }

    @Override
    public String toString() {
        return "PgSettings[" + user + "@" + database + " of " + cluster + ", password " + (password.isEmpty() ? "none"
                : "******") + "]";
    }
}
