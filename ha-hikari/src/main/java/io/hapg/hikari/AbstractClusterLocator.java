package io.hapg.hikari;

import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.hikari.internal.HostMonitors;
import io.hapg.hikari.internal.LocatorCore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The part of a {@link ClusterLocator} that does not depend on how it learns the primary: the
 * answers, the subscriptions and closing all come from a {@link LocatorCore}, which the subclass
 * feeds from its own checks ({@link LocatorCore#publish}, {@link LocatorCore#failed}). Package-private
 * so that it adds nothing to the public API. Its public methods are not final on purpose: javac then
 * adds a public bridge for each to the public subclasses, so reflection on a locator (frameworks, JMX)
 * does not run into this class being package-private.
 */
abstract class AbstractClusterLocator implements ClusterLocator {
    final LocatorCore core;
    private final String cluster;
    /** The host monitors of the pools that follow this locator: one per primary, shared by them all. */
    private final HostMonitors hostMonitors;
    private final AtomicBoolean started = new AtomicBoolean();

    /** @param threadName the name of the thread that runs the checks and notifies */
    AbstractClusterLocator(String threadName, String cluster) {
        this.cluster = cluster;
        this.core = new LocatorCore(threadName, cluster);
        this.hostMonitors = new HostMonitors("hapg-" + cluster);
    }

    /** The host monitors shared by the {@link PrimaryDataSource}s of this locator; closed with it. */
    final HostMonitors hostMonitors() {
        return hostMonitors;
    }

    /**
     * Call first in {@code start()}: one thread and one watch or poll per locator.
     *
     * @throws IllegalStateException when already started or closed
     */
    final void claimStart() {
        if (core.isClosed() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("locator for " + cluster + " can be started only once");
        }
    }

    /** The builders' check of {@code cluster(...)}. */
    static String requireCluster(String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("cluster must not be blank");
        }
        return v;
    }

    @Override
    public String cluster() {
        return cluster;
    }

    @Override
    public Optional<PrimaryEndpoint> current() {
        return core.primary();
    }

    @Override
    public AutoCloseable subscribe(Consumer<Optional<PrimaryEndpoint>> listener) {
        return core.subscribePrimary(listener);
    }

    @Override
    public void refresh() {
        core.requestCheck();
    }

    @Override
    public Optional<String> problem() {
        return core.problem();
    }

    @Override
    public List<ReplicaEndpoint> replicas() {
        return core.replicas();
    }

    /** Stops the locator thread, drops every listener and stops the pools' host monitors. Idempotent. */
    @Override
    public void close() {
        core.close();
        hostMonitors.close();
    }
}
