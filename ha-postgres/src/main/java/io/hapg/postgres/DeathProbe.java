package io.hapg.postgres;

import io.hapg.core.config.PgUser;
import io.hapg.core.model.LeaderProbe;
import io.hapg.postgres.internal.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;

/**
 * Fast failover's death probe of another member's PostgreSQL (see {@code FAST-FAILOVER.md}): a
 * full protocol round trip, connect + log in + {@code SELECT 1}, never a bare TCP connect, since
 * the kernel of a frozen (SIGSTOPped) postmaster still accepts connections into its backlog.
 *
 * <p>{@link LeaderProbe.Outcome#NOT_ANSWERING} only when no answer came: the connection was
 * refused, or every wait (connect, login, each socket read) ran out. Anything the server itself
 * answers, even an error (authentication failed, too many connections, starting up or shutting
 * down), is {@link LeaderProbe.Outcome#ANSWERED}: a server that can answer may still acknowledge a
 * commit, so it is not dead.
 *
 * <p>Stateless and thread-safe; each call opens and closes its own connection on the calling
 * thread and blocks for at most about three times {@code timeout} (connect, login and the query
 * are bounded separately, in whole seconds as pgjdbc counts them).
 */
public final class DeathProbe {
    private final PgUser user;
    private final Duration timeout;

    /**
     * @param user    whom to log in as (the superuser of {@code postgresql.authentication})
     * @param timeout bound for each wait, rounded up to whole seconds; positive
     * @throws IllegalArgumentException when {@code timeout} is not positive
     */
    public DeathProbe(PgUser user, Duration timeout) {
        this.user = Objects.requireNonNull(user, "user");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: must be positive, got " + timeout);
        }
        this.timeout = timeout;
    }

    /**
     * Probes the PostgreSQL at {@code host:port} once.
     *
     * @return whether it answered; never throws for a failed probe
     */
    public LeaderProbe.Outcome probe(String host, int port) {
        try (Connection c = Jdbc.open(host, port, user, timeout, timeout)) {
            Jdbc.query(c, "SELECT 1");
            return LeaderProbe.Outcome.ANSWERED;
        } catch (SQLException e) {
            return answeredWith(e) ? LeaderProbe.Outcome.ANSWERED : LeaderProbe.Outcome.NOT_ANSWERING;
        }
    }

    /**
     * Whether the failure carries an answer from the server: any SQLSTATE but class 08 (connection
     * exception), which pgjdbc uses for refused connections, timeouts and I/O errors.
     */
    static boolean answeredWith(SQLException e) {
        String state = e.getSQLState();
        return state != null && !state.startsWith("08");
    }
}
