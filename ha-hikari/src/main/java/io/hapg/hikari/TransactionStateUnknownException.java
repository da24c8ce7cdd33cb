package io.hapg.hikari;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;

/**
 * SQLState {@code 08007}: the connection to the primary failed <em>inside a transaction</em>
 * (auto-commit off, or during {@code commit()}). Whatever the transaction did is rolled back by the
 * server, except that a failure during {@code commit()} leaves its outcome unknown.
 * <b>Restart the whole transaction</b> on a new connection from the pool (close this one, call
 * {@code getConnection()} again, re-apply session state, run every statement of the transaction
 * again); do not re-run only the last statement. Where a lost {@code commit()} acknowledgement
 * matters, make the transaction idempotent (a unique request id) or check whether it took effect.
 *
 * <p>The same SQLState and meaning as the AWS Advanced JDBC Wrapper's
 * {@code TransactionStateUnknownSQLException}. {@link #getCause()} and
 * {@link #getNextException()} hold the driver's original error.
 */
public final class TransactionStateUnknownException extends SQLRecoverableException {
    private static final long serialVersionUID = 1L;
    public static final String SQL_STATE = "08007";

    public TransactionStateUnknownException(String message, SQLException cause) {
        super(message, SQL_STATE, cause);
        setNextException(cause);
    }
}
