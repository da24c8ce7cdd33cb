package io.hapg.hikari.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The DataSource of one replica's pool: pgjdbc's, plus the check that each new physical connection's
 * server belongs to the cluster ({@link ClusterIdentity}), as the primary's pool checks its own. A
 * server of another cluster (a DNS or address mix-up) is refused: the connection is closed and the
 * error (08004) names both identifiers; HikariCP then counts it as a failed connection attempt.
 */
public final class ReplicaServerDataSource extends PGSimpleDataSource {
    private static final long serialVersionUID = 1L;

    private final transient ClusterIdentity identity;
    private final String server;
    private final int queryTimeoutSeconds;

    /** @param server the replica, for messages ("replica n2 at 10.0.0.2:5432") */
    public ReplicaServerDataSource(PgSettings settings, String host, int port, ClusterIdentity identity,
                                   String server) {
        this.identity = Objects.requireNonNull(identity, "identity");
        this.server = Objects.requireNonNull(server, "server");
        this.queryTimeoutSeconds = PgSettings.seconds(settings.socketTimeout());
        settings.configure(this, host, port);
    }

    /** Every other getConnection of pgjdbc's DataSource comes here. */
    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        Connection c = super.getConnection(user, password);
        Optional<SQLException> foreign;
        try {
            foreign = identity.check(ClusterIdentity.read(c, queryTimeoutSeconds), server);
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        if (foreign.isPresent()) {
            c.close();
            throw foreign.get();
        }
        return c;
    }
}
