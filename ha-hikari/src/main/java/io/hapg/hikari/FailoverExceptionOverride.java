package io.hapg.hikari;

import com.zaxxer.hikari.SQLExceptionOverride;
import io.hapg.hikari.internal.ReadOnlyIntent;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Set;

/**
 * Tells HikariCP which connections to evict when a statement fails: every connection whose error
 * says it is no longer attached to a writable primary. {@link PrimaryDataSource} installs it; it is
 * public for pools built by hand.
 *
 * <ul>
 *   <li><b>{@code MUST_EVICT}</b>: connection failures ({@code 08xxx}, including hapg's own
 *       {@code 08S02} and {@code 08007}); the server shutting down or restarting
 *       ({@code 57P01}, {@code 57P02}, {@code 57P03}); and {@code 25006} "read-only transaction",
 *       which HikariCP would otherwise keep: that connection is on a demoted primary or a replica,
 *       and every later write through it would fail too. Each also asks the locator to re-check at
 *       once ({@code onFailover}). In a {@link PrimaryDataSource} with {@code translateErrors},
 *       25006 on a connection the application made read-only ({@code Connection.setReadOnly(true)},
 *       Spring's {@code @Transactional(readOnly = true)}) is the application's own write and goes
 *       to the next override instead.</li>
 *   <li>everything else: the next override's verdict, by default {@code CONTINUE_EVICT} (HikariCP's
 *       own rules apply).</li>
 * </ul>
 *
 * <p>Unlike the AWS wrapper's {@code HikariCPSQLException}, which answers {@code DO_NOT_EVICT} for
 * 08S02/08007 because its connection was already reconnected in place, a connection here stays on
 * the server it was opened to, so it must go.
 */
public final class FailoverExceptionOverride implements SQLExceptionOverride {
    private static final String READ_ONLY = "25006";
    private static final Set<String> SERVER_GONE = Set.of("57P01", "57P02", "57P03", READ_ONLY);

    private static final SQLExceptionOverride HIKARI_RULES = new SQLExceptionOverride() { };

    private final Runnable onFailover;
    private final SQLExceptionOverride next;
    private final ReadOnlyIntent readOnlyIntent;

    /** For {@code HikariConfig.setExceptionOverrideClassName}: evicts, tells no one. */
    public FailoverExceptionOverride() {
        this(() -> { });
    }

    /** @param onFailover called (on the failing thread; must not block) for each failover-class error */
    public FailoverExceptionOverride(Runnable onFailover) {
        this(onFailover, HIKARI_RULES);
    }

    /**
     * @param onFailover called (on the failing thread; must not block) for each failover-class error
     * @param next       decides the other errors (the application's own override)
     */
    public FailoverExceptionOverride(Runnable onFailover, SQLExceptionOverride next) {
        this(onFailover, next, new ReadOnlyIntent());
    }

    /** {@link PrimaryDataSource}'s: 25006 on a connection the application made read-only is left to {@code next}. */
    FailoverExceptionOverride(Runnable onFailover, SQLExceptionOverride next, ReadOnlyIntent readOnlyIntent) {
        this.onFailover = Objects.requireNonNull(onFailover, "onFailover");
        this.next = Objects.requireNonNull(next, "next");
        this.readOnlyIntent = Objects.requireNonNull(readOnlyIntent, "readOnlyIntent");
    }

    @java.lang.Override
    public Override adjudicate(SQLException e) {
        if (isFailover(e) && !(readOnlyIntent.active() && isReadOnlyOnly(e))) {
            onFailover.run();
            return Override.MUST_EVICT;
        }
        return next.adjudicate(e);
    }

    /** True for the SQLStates that mean "not attached to a writable primary any more". */
    public static boolean isFailover(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || SERVER_GONE.contains(state));
    }

    /**
     * True when 25006 "read-only transaction" is the only failover-class state in {@code t}, its
     * causes and next exceptions: on a connection the application made read-only that is the
     * application writing where it said it would not, not a replica.
     */
    public static boolean isReadOnlyOnly(Throwable t) {
        boolean readOnly = false;
        for (int depth = 0; t != null && depth < 10; depth++) {
            if (t instanceof SQLException) {
                SQLException e = (SQLException) t;
                for (SQLException s : new SQLException[] {e, e.getNextException()}) {
                    if (s != null && isFailover(s)) {
                        if (!READ_ONLY.equals(s.getSQLState())) {
                            return false;
                        }
                        readOnly = true;
                    }
                }
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return readOnly;
    }

    /** {@link #isFailover} for the exception, its causes or its chain of next exceptions. */
    public static boolean isFailoverAnywhere(Throwable t) {
        for (int depth = 0; t != null && depth < 10; depth++) {
            if (t instanceof SQLException) {
                SQLException e = (SQLException) t;
                if (isFailover(e) || e.getNextException() != null && e.getNextException() != e
                        && isFailover(e.getNextException())) {
                    return true;
                }
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return false;
    }
}
