package io.hapg.postgres.internal;

import io.hapg.core.config.PgUser;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Short-lived JDBC connections with every wait bounded: connect, login, each socket read, and
 * each statement on the server side ({@code statement_timeout}). Passwords go in the connection
 * properties, never in the URL, so a URL can be logged.
 */
public final class Jdbc {
    /** pgjdbc property names for libpq options hapg passes through. */
    private static final Map<String, String> PASS_THROUGH = Map.of("sslmode", "sslmode", "sslcert", "sslcert",
            "sslkey", "sslkey", "sslrootcert", "sslrootcert", "gssencmode", "gssEncMode",
            "channel_binding", "channelBinding");

    static {
        try {
            Class.forName("org.postgresql.Driver");
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Jdbc() {
    }

    /**
     * Opens a connection to {@code host:port/postgres} as {@code user}. Network waits are bounded by
     * {@code timeout} (rounded up to whole seconds, pgjdbc's unit); statements by
     * {@code statementTimeout} (0 = no server-side limit, for a commit that must wait).
     */
    public static Connection open(String host, int port, PgUser user, Duration timeout, Duration statementTimeout)
            throws SQLException {
        return open(host, port, user, "postgres", timeout, statementTimeout);
    }

    /** Like {@link #open(String, int, PgUser, Duration, Duration)}, to database {@code database}. */
    public static Connection open(String host, int port, PgUser user, String database, Duration timeout,
                                  Duration statementTimeout) throws SQLException {
        return DriverManager.getConnection(url(host, port, database), properties(user, timeout, statementTimeout));
    }

    /**
     * Opens a physical replication connection ({@code replication=true}, simple query protocol) to
     * {@code host:port} as {@code user}, for replication commands such as {@code IDENTIFY_SYSTEM}.
     * Network waits are bounded by {@code timeout}.
     */
    public static Connection openReplication(String host, int port, PgUser user, Duration timeout)
            throws SQLException {
        Properties props = properties(user, timeout, Duration.ZERO);
        props.remove("options"); // a walsender takes no statement_timeout
        props.setProperty("replication", "true");
        props.setProperty("preferQueryMode", "simple");
        props.setProperty("assumeMinServerVersion", "9.4");
        return DriverManager.getConnection(url(host, port, "postgres"), props);
    }

    private static String url(String host, int port, String database) {
        String hostPart = host.contains(":") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + hostPart + ":" + port + "/"
                + java.net.URLEncoder.encode(database, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Properties properties(PgUser user, Duration timeout, Duration statementTimeout) {
        Properties props = new Properties();
        props.setProperty("user", user.username());
        user.password().ifPresent(p -> props.setProperty("password", p.reveal()));
        user.sslPassword().ifPresent(p -> props.setProperty("sslpassword", p.reveal()));
        user.options().forEach((k, v) -> {
            String name = PASS_THROUGH.get(k);
            if (name != null) {
                props.setProperty(name, v);
            }
        });
        String seconds = Long.toString(Math.max(1, (timeout.toMillis() + 999) / 1000));
        props.setProperty("connectTimeout", seconds);
        props.setProperty("loginTimeout", seconds);
        props.setProperty("socketTimeout", seconds);
        props.setProperty("ApplicationName", "hapg");
        props.setProperty("options", "-c statement_timeout=" + statementTimeout.toMillis()
                + " -c lock_timeout=" + statementTimeout.toMillis());
        props.setProperty("tcpKeepAlive", "true");
        return props;
    }

    /** Rows of {@code sql}, each an unmodifiable list of column values as text (SQL NULL is null). */
    public static List<List<String>> query(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            return rows(rs);
        }
    }

    /**
     * {@link #query}, for a constant {@code sql} without parameters that runs again and again on
     * one connection (the probe, every iteration): pgjdbc then keeps it parsed in the connection's
     * statement cache, and after a few runs prepared on the server, where a plain statement is
     * parsed again each time (half of an idle leader's loop CPU went to the probe, JFR at
     * loop_wait 1). {@code sql} must not contain {@code ?}: it would read as a parameter.
     */
    public static List<List<String>> queryRepeated(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql);
             ResultSet rs = statement.executeQuery()) {
            return rows(rs);
        }
    }

    /**
     * {@link #queryRepeated} for {@code sql} of several queries separated by {@code ;}: pgjdbc sends
     * them together and reads every answer in one round trip (one write and one read on each side
     * instead of one per query). The rows of each query, in order.
     */
    public static List<List<List<String>>> queryRepeatedEach(Connection connection, String sql)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            List<List<List<String>>> results = new ArrayList<>();
            boolean isResultSet = statement.execute();
            while (isResultSet || statement.getUpdateCount() != -1) {
                if (isResultSet) {
                    try (ResultSet rs = statement.getResultSet()) {
                        results.add(rows(rs));
                    }
                }
                isResultSet = statement.getMoreResults();
            }
            return Collections.unmodifiableList(results);
        }
    }

    private static List<List<String>> rows(ResultSet rs) throws SQLException {
        int columns = rs.getMetaData().getColumnCount();
        List<List<String>> rows = new ArrayList<>();
        while (rs.next()) {
            List<String> row = new ArrayList<>(columns);
            for (int i = 1; i <= columns; i++) {
                row.add(rs.getString(i));
            }
            rows.add(Collections.unmodifiableList(row));
        }
        return Collections.unmodifiableList(rows);
    }

    /** The single value of a one-row, one-column query (null for SQL NULL or no row). */
    public static String value(Connection connection, String sql) throws SQLException {
        List<List<String>> rows = query(connection, sql);
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }

    public static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** A SQL string literal: {@code 'it''s'}. */
    public static String literal(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL in SQL literal");
        }
        return "'" + value.replace("'", "''") + "'";
    }

    /** A quoted SQL identifier: {@code "My Role"}. */
    public static String identifier(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL in SQL identifier");
        }
        return "\"" + value.replace("\"", "\"\"") + "\"";
    }
}
