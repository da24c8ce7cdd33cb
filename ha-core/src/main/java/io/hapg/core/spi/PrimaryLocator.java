package io.hapg.core.spi;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Client side: where the primary is now, and a push when it moves. Implemented from a consensus
 * watch (applications that may read the store) and from polling the members' {@code /primary}
 * endpoints (applications that may not).
 *
 * <p>{@link #current()} never blocks on the network: it returns the latest known answer.
 * Subscribers are called on the locator's own thread, once per change, in order; they must not
 * block it for long.
 */
public interface PrimaryLocator extends AutoCloseable {

    /** The primary as last seen; empty while the cluster has none. */
    Optional<PrimaryEndpoint> current();

    /**
     * Calls {@code listener} with the current answer and then on every change, until the
     * returned handle is closed.
     */
    AutoCloseable subscribe(Consumer<Optional<PrimaryEndpoint>> listener);

    /** Asks for a re-check now (e.g. after a write failed with "read-only transaction"). Non-blocking. */
    void refresh();

    /** Stops watching or polling. Idempotent. */
    @Override
    void close();
}
