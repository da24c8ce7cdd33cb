package io.hapg.hikari;

import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;

/**
 * SQLState {@code 40000}: the connection to the primary failed <em>inside a transaction, before its
 * commit</em> (auto-commit off; any statement, result set or metadata call but {@code commit()}).
 * Nothing of the transaction is committed: a server commits a transaction only on its
 * {@code COMMIT}, and it rolls back every open transaction of a connection it loses. <b>Restart the
 * whole transaction</b> on a new connection from the pool (close this one, call
 * {@code getConnection()} again, which waits for the new primary, re-apply session state, run every
 * statement again); re-running only the last statement is not enough. Safe to retry as it is.
 *
 * <p>A {@link SQLTransactionRollbackException} (SQLState class 40, "transaction rollback") on
 * purpose, so that frameworks see a transient error: Spring's {@code JdbcTemplate} makes it a
 * {@code PessimisticLockingFailureException}, Hibernate a {@code LockAcquisitionException} (which
 * Spring's JPA translation makes a {@code CannotAcquireLockException}), all of them
 * {@code TransientDataAccessException}s that retry policies act on. A failure <em>during</em>
 * {@code commit()} is {@link TransactionStateUnknownException} instead: its outcome is unknown, so
 * it is not transient. {@link #getCause()} and {@link #getNextException()} hold the driver's
 * original error.
 */
public final class TransactionRolledBackException extends SQLTransactionRollbackException {
    private static final long serialVersionUID = 1L;
    public static final String SQL_STATE = "40000";

    public TransactionRolledBackException(String message, SQLException cause) {
        super(message, SQL_STATE, cause);
        setNextException(cause);
    }
}
