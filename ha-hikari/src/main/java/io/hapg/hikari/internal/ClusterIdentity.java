package io.hapg.hikari.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The cluster's database system identifier as every physical connection of a pool must show it:
 * the locator's (with where it came from: the {@code initialize} key, a member's {@code GET /primary}
 * answer), or, while the locator has none, the one the pool's first connection found. A server with
 * another identifier (a DNS or address mix-up pointing at another cluster) is refused with an error
 * naming both identifiers and where the expected one came from. Thread-safe.
 */
public final class ClusterIdentity {
    /** The identifier as a query expression ({@code text}); fails with 42501 when EXECUTE is revoked. */
    public static final String SQL = "(SELECT system_identifier::text FROM pg_catalog.pg_control_system())";
    /** PostgreSQL's "permission denied". */
    public static final String PERMISSION_DENIED = "42501";

    /** An identifier and where it came from, for messages ("the cluster's initialize key"). */
    public record Known(String identifier, String source) {
        public Known {
            Objects.requireNonNull(identifier, "identifier");
            Objects.requireNonNull(source, "source");
        }
    }

    private final String cluster;
    private final Supplier<Optional<Known>> fromLocator;
    private Known learned; // guarded by this: the first connection's, when the locator has none

    /** @param fromLocator the identifier as the locator knows it now; empty to learn it from the first connection */
    public ClusterIdentity(String cluster, Supplier<Optional<Known>> fromLocator) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.fromLocator = Objects.requireNonNull(fromLocator, "fromLocator");
    }

    /**
     * Empty when a server described as {@code server} ("primary n1 at 10.0.0.1:5432") with
     * identifier {@code actual} belongs to the cluster (an unknown {@code actual}, the user not
     * allowed to read it, passes); else the error (08004) that refuses it.
     */
    public Optional<SQLException> check(Optional<String> actual, String server) {
        if (actual.isEmpty()) {
            return Optional.empty();
        }
        Optional<Known> known = fromLocator.get();
        Known expected;
        synchronized (this) {
            if (known.isEmpty() && learned == null) {
                learned = new Known(actual.get(), "learned from the pool's first connection, to " + server);
            }
            expected = known.orElse(learned);
        }
        if (expected.identifier().equals(actual.get())) {
            return Optional.empty();
        }
        return Optional.of(new SQLException(cluster + ": refusing " + server + ": its database system identifier is "
                + actual.get() + ", but cluster " + cluster + "'s is " + expected.identifier() + " ("
                + expected.source() + "); the address leads to another cluster (a DNS or configuration mix-up?)",
                "08004"));
    }

    /** {@code c}'s server's identifier in one query; empty when the user may not read it (42501). */
    public static Optional<String> read(Connection c, int queryTimeoutSeconds) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(queryTimeoutSeconds);
            try (ResultSet rs = s.executeQuery("SELECT " + SQL)) {
                rs.next();
                return Optional.ofNullable(rs.getString(1));
            }
        } catch (SQLException e) {
            if (PERMISSION_DENIED.equals(e.getSQLState())) {
                return Optional.empty(); // EXECUTE revoked from the pool's user: nothing to compare
            }
            throw e;
        }
    }
}
