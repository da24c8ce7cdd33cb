package io.hapg.hikari;

import io.hapg.core.spi.PrimaryEndpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One change of primary as a {@link PrimaryDataSource} lived it.
 *
 * @param from         the primary before (empty when the pool had none)
 * @param to           the new primary
 * @param lostAt       when the pool stopped handing out connections to {@code from}: the primary
 *                     disappeared, a switchover was announced, or the locator named another node
 * @param retargetedAt when new physical connections started going to {@code to}
 * @param writableAt   when the first connection to {@code to} was verified writable
 */
public record SwitchEvent(Optional<PrimaryEndpoint> from, PrimaryEndpoint to, Instant lostAt, Instant retargetedAt,
                          Instant writableAt) {
    public SwitchEvent {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(lostAt, "lostAt");
        Objects.requireNonNull(retargetedAt, "retargetedAt");
        Objects.requireNonNull(writableAt, "writableAt");
    }

    /** No primary → writable connection again: what the application waited. */
    public Duration duration() {
        return Duration.between(lostAt, writableAt);
    }
}
