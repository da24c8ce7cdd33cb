package io.hapg.core.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/** Builds an {@link InMemoryStore}; every setting has a default. Obtain one from {@link InMemoryStore#builder()}. */
public final class InMemoryStoreBuilder {
    String scope = "batman";
    String namespace = "/service/";
    Duration ttl = Duration.ofSeconds(30);
    ManualClock clock;
    private final Function<InMemoryStoreBuilder, InMemoryStore> factory;

    InMemoryStoreBuilder(Function<InMemoryStoreBuilder, InMemoryStore> factory) {
        this.factory = factory;
    }

    /** The cluster name (Patroni {@code scope}); default {@code batman}. */
    public InMemoryStoreBuilder scope(String value) {
        this.scope = Objects.requireNonNull(value, "scope");
        return this;
    }

    /** Patroni {@code namespace}; default {@code /service/}. */
    public InMemoryStoreBuilder namespace(String value) {
        this.namespace = Objects.requireNonNull(value, "namespace");
        return this;
    }

    /** Lease lifetime; default 30 s. */
    public InMemoryStoreBuilder ttl(Duration value) {
        checkTtl(value);
        this.ttl = value;
        return this;
    }

    /** The clock leases run on; default a new {@link ManualClock}. */
    public InMemoryStoreBuilder clock(ManualClock value) {
        this.clock = Objects.requireNonNull(value, "clock");
        return this;
    }

    /** @throws IllegalArgumentException naming the field when scope or namespace is malformed */
    public InMemoryStore build() {
        if (scope.isBlank() || scope.contains("/")) {
            throw new IllegalArgumentException("scope must be non-blank without '/', got '" + scope + "'");
        }
        if (!namespace.startsWith("/") || !namespace.endsWith("/")) {
            throw new IllegalArgumentException("namespace must start and end with '/', got '" + namespace + "'");
        }
        if (clock == null) {
            clock = new ManualClock();
        }
        return factory.apply(this);
    }

    static void checkTtl(Duration value) {
        Objects.requireNonNull(value, "ttl");
        if (value.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("ttl must be at least 1 ms, got " + value);
        }
    }
}
