package io.hapg.hikari;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;

/**
 * SQLState {@code 08S02}: the connection to the primary failed <em>outside a transaction</em>
 * (auto-commit on) — the primary crashed, was stopped for a switchover, or another node took over.
 * <b>Retry the statement</b> on a new connection from the pool: close this one (the pool evicts it)
 * and call {@code getConnection()} again, which waits for the new primary; re-apply any session
 * state (SET ..., temporary tables) first. If the statement was a write, it may or may not have
 * been applied when the connection broke: make it idempotent or check before re-running it.
 *
 * <p>A {@link SQLRecoverableException}, not a transient one, because a write's outcome is unknown:
 * Spring's {@code JdbcTemplate} makes it a {@code RecoverableDataAccessException}, which retry
 * policies keyed on {@code TransientDataAccessException} leave alone; retry it where the statement
 * is a read or idempotent. The same SQLState and meaning as the AWS Advanced JDBC Wrapper's
 * {@code FailoverSuccessSQLException}, except that the connection is not reconnected in place:
 * HikariCP's connections are bound to one server, so the retry needs a new connection.
 * {@link #getCause()} and {@link #getNextException()} hold the driver's original error.
 */
public final class ConnectionFailoverException extends SQLRecoverableException {
    private static final long serialVersionUID = 1L;
    public static final String SQL_STATE = "08S02";

    public ConnectionFailoverException(String message, SQLException cause) {
        super(message, SQL_STATE, cause);
        setNextException(cause);
    }
}
