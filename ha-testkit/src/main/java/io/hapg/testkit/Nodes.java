package io.hapg.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/** The JDBC side of {@link WriteHistory}: finding the primary, inserting, reading back, convergence. */
final class Nodes {
    /**
     * A commit the server returned with its warning that the wait for synchronous replication was
     * cancelled: committed on that node alone, so not acknowledged in the sense of synchronous mode.
     */
    static final class LocalOnlyCommit extends SQLException {
        private static final long serialVersionUID = 1L;

        LocalOnlyCommit(String message, SQLWarning cause) {
            super(message, cause);
        }
    }

    private static final int TIMEOUT_SECONDS = 3;

    private final Map<String, String> urls;
    private final String user;
    private final String password;
    private volatile String lastPrimary;

    Nodes(Map<String, String> urls, String user, String password) {
        this.urls = new LinkedHashMap<>(urls);
        this.user = user;
        this.password = password;
        this.lastPrimary = urls.keySet().iterator().next();
    }

    /** A connection to one node that was a writable primary when opened. */
    static final class Session implements AutoCloseable {
        private final String node;
        private final Connection connection;
        private PreparedStatement insert;
        private int queryTimeoutSeconds;

        Session(String node, Connection connection) {
            this.node = node;
            this.connection = connection;
        }

        /** JDBC's {@code setQueryTimeout} for the inserts (0: none): its cancel can cut a synchronous wait short. */
        Session queryTimeout(int seconds) {
            queryTimeoutSeconds = seconds;
            return this;
        }

        String node() {
            return node;
        }

        /** One autocommit INSERT; returns the commit once the server acknowledged it. */
        WriteHistory.Commit insert(String table, long id, int writer) throws SQLException {
            if (insert == null) {
                // The timeline is the first 8 hex digits of the current WAL file name.
                insert = connection.prepareStatement("INSERT INTO " + table + " (id, writer, node) VALUES (?, ?, ?)"
                        + " RETURNING (extract(epoch from clock_timestamp()) * 1000000)::bigint,"
                        + " substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8)");
            }
            insert.setLong(1, id);
            insert.setInt(2, writer);
            insert.setString(3, node);
            insert.setQueryTimeout(queryTimeoutSeconds);
            try (ResultSet rs = insert.executeQuery()) {
                Instant ackedAt = Instant.now();
                for (SQLWarning w = insert.getWarnings(); w != null; w = w.getNextWarning()) {
                    if (w.getMessage() != null && w.getMessage().contains("wait for synchronous replication")) {
                        throw new LocalOnlyCommit(node + ": " + w.getMessage(), w);
                    }
                }
                rs.next();
                long micros = rs.getLong(1);
                Instant serverTime = Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000);
                return new WriteHistory.Commit(id, writer, node, Long.parseLong(rs.getString(2), 16), serverTime,
                        ackedAt);
            }
        }

        @Override
        public void close() {
            closeQuietly();
        }

        void closeQuietly() {
            if (connection == null) {
                return;
            }
            try {
                connection.close();
            } catch (SQLException ignored) {
                // The node is gone or restarting; nothing to release.
            }
        }
    }

    Connection open(String node) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", Integer.toString(TIMEOUT_SECONDS));
        props.setProperty("loginTimeout", Integer.toString(TIMEOUT_SECONDS));
        props.setProperty("socketTimeout", Integer.toString(TIMEOUT_SECONDS * 2));
        props.setProperty("ApplicationName", "write-history");
        return DriverManager.getConnection(urls.get(node), props);
    }

    /** A session on a writable primary, trying the last primary first; null when none answers. */
    Session connectToPrimary() {
        List<String> order = new ArrayList<>(urls.keySet());
        String first = lastPrimary;
        order.remove(first);
        order.add(0, first);
        for (String node : order) {
            Connection c = null;
            try {
                c = open(node);
                if (isPrimary(c)) {
                    lastPrimary = node;
                    return new Session(node, c);
                }
            } catch (SQLException e) {
                // Down, starting or refusing: try the next node.
            }
            new Session(node, c).closeQuietly();
        }
        return null;
    }

    /** A session on {@code node} if it is a writable primary now; null otherwise. */
    Session connectTo(String node) {
        Connection c = null;
        try {
            c = open(node);
            if (isPrimary(c)) {
                return new Session(node, c);
            }
        } catch (SQLException e) {
            // Down, starting or refusing.
        }
        new Session(node, c).closeQuietly();
        return null;
    }

    Set<String> names() {
        return urls.keySet();
    }

    /** The node that answers as a writable primary now, if exactly one does. */
    Optional<String> primary() {
        List<String> primaries = new ArrayList<>();
        for (String node : urls.keySet()) {
            try (Connection c = open(node)) {
                if (isPrimary(c)) {
                    primaries.add(node);
                }
            } catch (SQLException e) {
                // Not a primary we can use.
            }
        }
        return primaries.size() == 1 ? Optional.of(primaries.get(0)) : Optional.empty();
    }

    void createTable(String table, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no primary";
        while (System.nanoTime() - deadline < 0) {
            try (Session s = connectToPrimary()) {
                if (s != null) {
                    try (Statement st = s.connection.createStatement()) {
                        st.execute("CREATE TABLE IF NOT EXISTS " + table + " (id bigint PRIMARY KEY,"
                                + " writer int NOT NULL, node text NOT NULL)");
                        return;
                    }
                }
            } catch (SQLException e) {
                last = e.getMessage();
            }
            pause(Duration.ofMillis(200));
        }
        throw new AssertionError("could not create " + table + " on a primary within " + timeout + ": " + last);
    }

    Set<Long> ids(String node, String table) {
        try (Connection c = open(node); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM " + table)) {
            Set<Long> ids = new HashSet<>();
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
            return ids;
        } catch (SQLException e) {
            throw new AssertionError("cannot read " + table + " on " + node + ": " + e.getMessage(), e);
        }
    }

    String awaitConverged(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> seen = new LinkedHashMap<>();
        while (true) {
            seen.clear();
            Map<String, Integer> primaryPorts = new LinkedHashMap<>();
            Map<String, Integer> upstreams = new LinkedHashMap<>();
            for (String node : urls.keySet()) {
                observe(node, seen, primaryPorts, upstreams);
            }
            if (primaryPorts.size() == 1 && upstreams.size() == urls.size() - 1) {
                int port = primaryPorts.values().iterator().next();
                if (upstreams.values().stream().allMatch(p -> p == port)) {
                    return primaryPorts.keySet().iterator().next();
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the cluster did not converge to one primary with every other node"
                        + " streaming from it within " + timeout + ": " + seen);
            }
            pause(Duration.ofMillis(200));
        }
    }

    private void observe(String node, Map<String, String> seen, Map<String, Integer> primaryPorts,
                         Map<String, Integer> upstreams) {
        try (Connection c = open(node); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery(), inet_server_port()")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    primaryPorts.put(node, rs.getInt(2));
                    seen.put(node, "primary on port " + rs.getInt(2));
                    return;
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT status, sender_port FROM pg_stat_wal_receiver")) {
                if (rs.next() && "streaming".equals(rs.getString(1))) {
                    upstreams.put(node, rs.getInt(2));
                    seen.put(node, "streaming from port " + rs.getInt(2));
                } else {
                    seen.put(node, "replica, not streaming");
                }
            }
        } catch (SQLException e) {
            seen.put(node, "unreachable: " + e.getMessage());
        }
    }

    private static boolean isPrimary(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            return rs.next() && !rs.getBoolean(1);
        }
    }

    static void pause(Duration d) {
        LockSupport.parkNanos(d.toNanos());
    }
}
