package io.hapg.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

/** Short-lived JDBC connections to a {@link LocalPostgres}, each with bounded timeouts. */
final class PgJdbc {
    private PgJdbc() {
    }

    /** Opens a connection; every network wait is bounded by {@code timeoutSeconds}. */
    static Connection open(String jdbcUrl, int timeoutSeconds) throws SQLException {
        Properties props = new Properties();
        props.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
        props.setProperty("loginTimeout", Integer.toString(timeoutSeconds));
        props.setProperty("socketTimeout", Integer.toString(timeoutSeconds));
        props.setProperty("ApplicationName", "hapg-testkit");
        return DriverManager.getConnection(jdbcUrl, props);
    }

    /** Whether a connection can be opened and answers {@code SELECT 1} within about a second. */
    static boolean canConnect(String jdbcUrl) {
        try (Connection connection = open(jdbcUrl, 1); Statement statement = connection.createStatement()) {
            statement.execute("SELECT 1");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    static void execute(String jdbcUrl, String sql, int timeoutSeconds) throws SQLException {
        try (Connection connection = open(jdbcUrl, timeoutSeconds);
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    static List<List<String>> query(String jdbcUrl, String sql, int timeoutSeconds) throws SQLException {
        try (Connection connection = open(jdbcUrl, timeoutSeconds);
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(sql)) {
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
    }
}
