package io.hapg.hikari.internal;

import io.hapg.hikari.ConnectionFailoverException;
import io.hapg.hikari.FailoverExceptionOverride;
import io.hapg.hikari.TransactionRolledBackException;
import io.hapg.hikari.TransactionStateUnknownException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.Wrapper;
import java.util.Set;

/**
 * Wraps a pooled connection and every JDBC object reached from it (statements, result sets and
 * generated keys, database, result set and parameter metadata) so that a failover-class error
 * ({@link FailoverExceptionOverride#isFailover}) reaches the application as one of three types,
 * decided by where it happened:
 * <ul>
 *   <li>in auto-commit: {@link ConnectionFailoverException} (08S02; a write may or may not have
 *       been applied);</li>
 *   <li>inside a transaction, before its commit: {@link TransactionRolledBackException} (40000;
 *       rolled back, safe to retry the whole transaction);</li>
 *   <li>during {@code commit()}, or {@code setAutoCommit(true)} with a transaction open (which
 *       commits it): {@link TransactionStateUnknownException} (08007; outcome unknown).</li>
 * </ul>
 * Once a connection failed, every later error on it is a consequence and is translated the same
 * way: HikariCP replaces an evicted connection with one whose calls throw "Connection is closed"
 * without a SQLState, and a commit on it cannot have committed anything. {@code rollback()} on a
 * failed connection returns normally: the server rolled the transaction back when it lost the
 * connection, which is what the caller asked for (Spring's transaction managers would otherwise
 * replace the transient error with the rollback's). A commit that returns with PostgreSQL's warning
 * that its wait for synchronous replication was cancelled is only local: it becomes
 * {@link TransactionStateUnknownException} too. Everything else passes through unchanged.
 * {@code unwrap} reaches the driver's objects as usual; {@code getConnection()} and
 * {@code getStatement()} return the wrappers.
 */
public final class FailoverConnections {
    /** The JDBC types a wrapped object's results are wrapped in: whatever can reach the server. */
    private static final Set<Class<?>> WRAPPED = Set.of(Statement.class, PreparedStatement.class,
            CallableStatement.class, ResultSet.class, DatabaseMetaData.class, ResultSetMetaData.class,
            ParameterMetaData.class);

    private FailoverConnections() {
    }

    /** What a wrapped connection needs to know. */
    public interface Context {
        /** "primary pg1 at 127.0.0.1:5432", for messages. */
        String describe();

        /** Called on the failing thread for each translated error; must not block. */
        void failed();
    }

    public static Connection wrap(Connection pooled, Context context) throws SQLException {
        return wrap(pooled, context, new ReadOnlyIntent());
    }

    /**
     * @param intent set around each call while the application has made the connection read-only,
     *     for the pool's exception override, which then leaves 25006 alone as this wrapper does
     */
    public static Connection wrap(Connection pooled, Context context, ReadOnlyIntent intent) throws SQLException {
        ConnectionHandler handler = new ConnectionHandler(pooled, context, pooled.getAutoCommit(), intent,
                pooled.isReadOnly());
        Connection proxy = (Connection) Proxy.newProxyInstance(FailoverConnections.class.getClassLoader(),
                new Class<?>[] {Connection.class}, handler);
        handler.self = proxy;
        return proxy;
    }

    private static final class ConnectionHandler implements InvocationHandler {
        private final Connection delegate;
        private final Context context;
        private final ReadOnlyIntent intent;
        private volatile boolean autoCommit;
        private volatile boolean readOnly; // set by the application (setReadOnly)
        private volatile boolean failed; // a failover-class error was seen: the connection is gone
        private Connection self;

        ConnectionHandler(Connection delegate, Context context, boolean autoCommit, ReadOnlyIntent intent,
                          boolean readOnly) {
            this.delegate = delegate;
            this.context = context;
            this.autoCommit = autoCommit;
            this.intent = intent;
            this.readOnly = readOnly;
        }

        /** Calls {@code method} on {@code target}, telling the pool's override whether the application asked read-only. */
        Object call(Object target, Method method, Object[] args) throws IllegalAccessException,
                InvocationTargetException {
            if (!readOnly) {
                return method.invoke(target, args);
            }
            intent.enter();
            try {
                return method.invoke(target, args);
            } finally {
                intent.exit();
            }
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            switch (name) {
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "toString":
                    return "hapg:" + delegate;
                case "unwrap":
                    return ((Class<?>) args[0]).isInstance(proxy) ? proxy : delegate.unwrap((Class<?>) args[0]);
                case "isWrapperFor":
                    return ((Class<?>) args[0]).isInstance(proxy) || delegate.isWrapperFor((Class<?>) args[0]);
                default:
                    break;
            }
            // setAutoCommit(true) with a transaction open commits it (JDBC; pgjdbc sends COMMIT).
            boolean commits = name.equals("commit")
                    || name.equals("setAutoCommit") && Boolean.TRUE.equals(args[0]) && !autoCommit;
            Object result;
            try {
                result = call(delegate, method, args);
            } catch (InvocationTargetException e) {
                if (name.equals("rollback") && args == null && isLost(e.getCause())) {
                    failed = true;
                    return null; // the server rolled it back when it lost the connection
                }
                throw translate(e.getCause(), commits);
            }
            if (name.equals("commit")) {
                checkSynchronousCommit(delegate.getWarnings());
            }
            if (name.equals("setAutoCommit")) {
                autoCommit = (Boolean) args[0];
            }
            if (name.equals("setReadOnly")) {
                readOnly = (Boolean) args[0];
            }
            return wrapResult(result, method, proxy);
        }

        /** {@code result} wrapped when it is a JDBC object that can fail; {@code owner} made it. */
        Object wrapResult(Object result, Method method, Object owner) {
            Class<?> type = method.getReturnType();
            if (result == null || !WRAPPED.contains(type)) {
                return result;
            }
            ObjectHandler handler = new ObjectHandler(result, this, owner);
            Object wrapped = Proxy.newProxyInstance(FailoverConnections.class.getClassLoader(),
                    new Class<?>[] {type}, handler);
            handler.self = wrapped;
            return wrapped;
        }

        private boolean isLost(Throwable t) {
            return failed || FailoverExceptionOverride.isFailoverAnywhere(t);
        }

        /**
         * A commit whose wait for a synchronous standby was cancelled (a statement timeout, a
         * cancel request, {@code pg_cancel_backend}) returns success with a warning, although it is
         * only local: a failover right now can lose it. It is not acknowledged in the sense of
         * synchronous mode, so the application hears of it as an unknown outcome.
         */
        void checkSynchronousCommit(SQLWarning warnings) throws TransactionStateUnknownException {
            for (SQLWarning w = warnings; w != null; w = w.getNextWarning()) {
                String message = w.getMessage();
                if (message != null && message.contains("wait for synchronous replication")) {
                    throw new TransactionStateUnknownException("commit on " + context.describe()
                            + " is only local: its wait for a synchronous standby was cancelled (" + message
                            + "); it may be lost if the primary fails now. Check whether it took effect before"
                            + " running it again", w);
                }
            }
        }

        /**
         * The application's view of {@code t}: one of the three failover types when the connection
         * was lost (now or earlier), else {@code t} itself.
         *
         * @param commits whether the failed call commits a transaction
         */
        Throwable translate(Throwable t, boolean commits) {
            if (!(t instanceof SQLException) || t instanceof ConnectionFailoverException
                    || t instanceof TransactionStateUnknownException || t instanceof TransactionRolledBackException) {
                return t;
            }
            boolean failedBefore = failed;
            if (!failedBefore && !FailoverExceptionOverride.isFailoverAnywhere(t)) {
                return t;
            }
            if (!failedBefore && readOnly && FailoverExceptionOverride.isReadOnlyOnly(t)) {
                return t; // a write in a transaction the application made read-only: its bug, not a failover
            }
            failed = true;
            SQLException e = (SQLException) t;
            context.failed();
            String original = " (" + e.getSQLState() + ": " + e.getMessage() + ")";
            String at = "connection to " + context.describe();
            if (autoCommit && !commits) {
                return new ConnectionFailoverException(at + " failed" + original
                        + "; re-run the statement on a new connection", e);
            }
            if (commits && !failedBefore) {
                return new TransactionStateUnknownException(at + " failed during commit" + original + "; the "
                        + "transaction may or may not have been committed: check before running it again", e);
            }
            return new TransactionRolledBackException(at + (failedBefore ? " had failed" : " failed") + " inside a "
                    + "transaction" + original + "; nothing of it was committed: restart the whole transaction on a new"
                    + " connection", e);
        }
    }

    /** A statement, result set or metadata object of a wrapped connection. */
    private static final class ObjectHandler implements InvocationHandler {
        private final Object delegate;
        private final ConnectionHandler connection;
        private final Object owner; // the wrapper that returned this one
        private Object self;

        ObjectHandler(Object delegate, ConnectionHandler connection, Object owner) {
            this.delegate = delegate;
            this.connection = connection;
            this.owner = owner;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            switch (name) {
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "toString":
                    return "hapg:" + delegate;
                case "getConnection":
                    return connection.self;
                case "unwrap":
                    return ((Class<?>) args[0]).isInstance(proxy) ? proxy
                            : ((Wrapper) delegate).unwrap((Class<?>) args[0]);
                case "isWrapperFor":
                    return ((Class<?>) args[0]).isInstance(proxy)
                            || ((Wrapper) delegate).isWrapperFor((Class<?>) args[0]);
                case "getStatement":
                    if (owner instanceof Statement) {
                        return owner; // the statement that made this result set, not the pool's
                    }
                    break;
                default:
                    break;
            }
            Object result;
            try {
                result = connection.call(delegate, method, args);
            } catch (InvocationTargetException e) {
                throw connection.translate(e.getCause(), false);
            }
            if (delegate instanceof Statement && connection.autoCommit && name.startsWith("execute")) {
                connection.checkSynchronousCommit(((Statement) delegate).getWarnings());
            }
            return connection.wrapResult(result, method, self);
        }
    }
}
