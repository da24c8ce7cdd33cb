package io.hapg.hikari;

import io.hapg.core.spi.PrimaryEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Told how a {@link PrimaryDataSource} follows the primary. Every method has a no-op default.
 * Calls run on the executor given to {@link PrimaryDataSource#addListener}, in order per listener;
 * the pool may have moved on by the time one runs.
 */
public interface SwitchListener {

    /**
     * The pool stopped handing out connections: the primary {@code from} disappeared or a
     * switchover away from it was announced ({@code reason} says which). Borrowers wait.
     */
    default void primaryLost(Optional<PrimaryEndpoint> from, String reason, Instant at) {
    }

    /**
     * {@link #primaryLost(Optional, String, Instant)} with how long the locator had been unable to read
     * where the primary is ({@link ClusterLocator#blindFor()}; zero when it could read). The pool calls
     * this one; by default it calls the other.
     */
    default void primaryLost(Optional<PrimaryEndpoint> from, String reason, Duration locatorBlindFor, Instant at) {
        primaryLost(from, reason, at);
    }

    /** New physical connections go to {@code to} from now on; the old ones were evicted and aborted. */
    default void retargeted(Optional<PrimaryEndpoint> from, PrimaryEndpoint to, Instant at) {
    }

    /** The first connection to the new primary was verified writable: the switch is over. */
    default void switched(SwitchEvent event) {
    }
}
