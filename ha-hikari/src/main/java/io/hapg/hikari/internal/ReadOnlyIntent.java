package io.hapg.hikari.internal;

/**
 * Whether the call under way on this thread runs on a connection the application made read-only
 * ({@code Connection.setReadOnly(true)}, as Spring's {@code @Transactional(readOnly = true)} does).
 * Then a 25006 "read-only transaction" error is the application's own bug, not a sign that the
 * connection landed on a replica: it is neither evicted nor translated into a failover, so a retry
 * loop does not spin on a deterministic error. One per pool; HikariCP consults its exception
 * override on the calling thread, which is why a thread-local carries the answer there.
 */
public final class ReadOnlyIntent {
    private final ThreadLocal<Boolean> current = new ThreadLocal<>();

    /** Marks the calling thread's current call as on an application read-only connection. */
    public void enter() {
        current.set(Boolean.TRUE);
    }

    public void exit() {
        current.remove();
    }

    /** True while the calling thread is inside a call on an application read-only connection. */
    public boolean active() {
        return current.get() != null;
    }
}
