package io.hapg.hikari;

import io.hapg.core.spi.PrimaryLocator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link PrimaryLocator} that knows a little more about the cluster than where the primary is:
 * the cluster's name for error messages, why it cannot answer, the replicas (for
 * {@link ReplicaDataSource}) and, when it can see it, a planned switchover announced before the
 * primary stops (for {@link PrimaryDataSource} to hold new borrowers instead of failing them).
 *
 * <p>Threads: as for {@link PrimaryLocator}, listeners run on the locator's own thread, in order,
 * and must not block it.
 */
public interface ClusterLocator extends PrimaryLocator {

    /** The cluster's name (Patroni {@code scope}), for messages. */
    String cluster();

    /**
     * Why the latest check could not tell where the primary is (store or members unreachable, a
     * {@code conn_url} that does not parse, ...), naming what failed; empty when the latest check
     * succeeded (even if it found no primary).
     */
    Optional<String> problem();

    /**
     * The cluster's database system identifier as the store knows it (the {@code initialize} key
     * Patroni and hapg write at bootstrap), when this locator can see it. {@link PrimaryDataSource}
     * refuses a connection to a server whose {@code pg_control_system()} says otherwise; without
     * it, the pool learns the identifier from its first connection. Never blocks.
     */
    default Optional<String> systemIdentifier() {
        return Optional.empty();
    }

    /**
     * Where {@link #systemIdentifier()} came from, for the error that refuses a server of another
     * cluster: "the cluster's initialize key" unless the locator says otherwise (the REST locator
     * names the member whose {@code GET /primary} answer gave it). Never blocks.
     */
    default String systemIdentifierSource() {
        return "the cluster's initialize key";
    }

    /** The running replicas as last seen, with their replication lag when known. Never blocks. */
    default List<ReplicaEndpoint> replicas() {
        return List.of();
    }

    /**
     * How long the locator has been unable to read where the primary is (its store unreachable),
     * counted from its last successful read; zero while it reads. Any thread, never blocks: usable
     * as a gauge. Locators that cannot tell answer zero.
     */
    default Duration blindFor() {
        return Duration.ZERO;
    }

    /**
     * Calls {@code listener} with the current announcement and then on every change: present while
     * a planned switchover away from the current primary is announced and due, empty otherwise.
     * Locators that cannot see announcements never call it with anything but empty.
     */
    default AutoCloseable subscribeSwitchovers(Consumer<Optional<PendingSwitchover>> listener) {
        listener.accept(Optional.empty());
        return () -> { };
    }
}
