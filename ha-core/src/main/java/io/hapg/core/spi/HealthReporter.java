package io.hapg.core.spi;


/**
 * Receives the node's status after every HA loop iteration. The built-in HTTP API is one
 * implementation (it answers load balancers from the latest status, never by querying the
 * database); an application's metrics or a file can be another.
 *
 * <p>Called on the HA loop thread: implementations must return at once (store the status,
 * hand off work). An exception is logged and ignored; it never stops the loop.
 */
public interface HealthReporter extends AutoCloseable {

    /** The status as of the iteration that just ended. */
    void report(NodeStatus status);

    /** Stops serving. Idempotent. */
    @Override
    default void close() {
    }
}
