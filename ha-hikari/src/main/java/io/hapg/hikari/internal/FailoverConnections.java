package io.hapg.hikari.internal;

import io.hapg.hikari.ConnectionFailoverException;
import io.hapg.hikari.FailoverExceptionOverride;
import io.hapg.hikari.TransactionStateUnknownException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;

/**
 * Wraps a pooled connection (and the statements it creates) so that a failover-class error
 * ({@link FailoverExceptionOverride#isFailover}) reaches the application as
 * {@link ConnectionFailoverException} (08S02, retry the statement) or
 * {@link TransactionStateUnknownException} (08007, restart the transaction), decided by whether a
 * transaction was open. A commit that returns with PostgreSQL's warning that its wait for
 * synchronous replication was cancelled is only local: it becomes
 * {@link TransactionStateUnknownException} too. Everything else passes through unchanged. {@code unwrap} reaches the
 * driver's objects as usual.
 */
public final class FailoverConnections {
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
            Object result;
            try {
                result = call(delegate, method, args);
            } catch (InvocationTargetException e) {
                throw translate(e.getCause(), name.equals("commit"));
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
            if (result instanceof Statement && method.getReturnType().isInterface()) {
                return Proxy.newProxyInstance(FailoverConnections.class.getClassLoader(),
                        new Class<?>[] {method.getReturnType()}, new StatementHandler(result, this));
            }
            return result;
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

        Throwable translate(Throwable t, boolean commit) {
            if (!(t instanceof SQLException) || t instanceof ConnectionFailoverException
                    || t instanceof TransactionStateUnknownException
                    || !FailoverExceptionOverride.isFailoverAnywhere(t)) {
                return t;
            }
            if (readOnly && FailoverExceptionOverride.isReadOnlyOnly(t)) {
                return t; // a write in a transaction the application made read-only: its bug, not a failover
            }
            SQLException e = (SQLException) t;
            context.failed();
            String original = " (" + e.getSQLState() + ": " + e.getMessage() + ")";
            if (commit || !autoCommit) {
                return new TransactionStateUnknownException("connection to " + context.describe() + " failed inside a "
                        + "transaction" + original + "; restart the whole transaction on a new connection", e);
            }
            return new ConnectionFailoverException("connection to " + context.describe() + " failed" + original
                    + "; re-run the statement on a new connection", e);
        }
    }

    private static final class StatementHandler implements InvocationHandler {
        private final Object delegate;
        private final ConnectionHandler connection;

        StatementHandler(Object delegate, ConnectionHandler connection) {
            this.delegate = delegate;
            this.connection = connection;
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
                            : ((Statement) delegate).unwrap((Class<?>) args[0]);
                case "isWrapperFor":
                    return ((Class<?>) args[0]).isInstance(proxy)
                            || ((Statement) delegate).isWrapperFor((Class<?>) args[0]);
                default:
                    break;
            }
            Object result;
            try {
                result = connection.call(delegate, method, args);
            } catch (InvocationTargetException e) {
                throw connection.translate(e.getCause(), false);
            }
            if (connection.autoCommit && name.startsWith("execute")) {
                connection.checkSynchronousCommit(((Statement) delegate).getWarnings());
            }
            return result;
        }
    }
}
