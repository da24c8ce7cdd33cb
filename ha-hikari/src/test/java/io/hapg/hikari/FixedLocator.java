package io.hapg.hikari;

import io.hapg.core.spi.PrimaryEndpoint;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** A locator that always says the same thing, for tests of what the pools do with an answer. */
final class FixedLocator implements ClusterLocator {
    private final String cluster;
    private final Optional<PrimaryEndpoint> primary;
    private final List<ReplicaEndpoint> replicas;

    FixedLocator(String cluster, Optional<PrimaryEndpoint> primary, List<ReplicaEndpoint> replicas) {
        this.cluster = cluster;
        this.primary = primary;
        this.replicas = replicas;
    }

    @Override
    public String cluster() {
        return cluster;
    }

    @Override
    public Optional<String> problem() {
        return Optional.empty();
    }

    @Override
    public List<ReplicaEndpoint> replicas() {
        return replicas;
    }

    @Override
    public Optional<PrimaryEndpoint> current() {
        return primary;
    }

    @Override
    public AutoCloseable subscribe(Consumer<Optional<PrimaryEndpoint>> listener) {
        listener.accept(primary);
        return () -> { };
    }

    @Override
    public void refresh() {
    }

    @Override
    public void close() {
    }
}
