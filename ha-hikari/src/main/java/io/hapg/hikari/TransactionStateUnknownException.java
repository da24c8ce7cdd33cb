package io.hapg.hikari;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;

/**
 * SQLState {@code 08007}: the connection to the primary failed <em>during {@code commit()}</em> (or
 * a commit returned as only local, see {@link PrimaryDataSource}): the outcome of the transaction is
 * <b>unknown</b>. The server may have committed it before the connection broke, and with a
 * failover the commit may exist on the old primary alone. Do not re-run the transaction blindly:
 * check whether it took effect (a unique request id, an idempotency key) on a new connection from
 * the pool, or make the transaction idempotent and then run it again.
 *
 * <p>A {@link SQLRecoverableException} on purpose: it is not transient, so retry policies keyed on
 * transient errors leave it to the application (Spring's {@code JdbcTemplate} and
 * {@code JdbcTransactionManager} make it a {@code RecoverableDataAccessException},
 * {@code DataSourceTransactionManager} a {@code TransactionSystemException}). A failure inside a
 * transaction <em>before</em> its commit is {@link TransactionRolledBackException} (rolled back, safe
 * to retry). The same SQLState and meaning as the AWS Advanced JDBC Wrapper's
 * {@code TransactionStateUnknownSQLException}. {@link #getCause()} and {@link #getNextException()}
 * hold the driver's original error or PostgreSQL's warning.
 */
public final class TransactionStateUnknownException extends SQLRecoverableException {
    private static final long serialVersionUID = 1L;
    public static final String SQL_STATE = "08007";

    public TransactionStateUnknownException(String message, SQLException cause) {
        super(message, SQL_STATE, cause);
        setNextException(cause);
    }
}
