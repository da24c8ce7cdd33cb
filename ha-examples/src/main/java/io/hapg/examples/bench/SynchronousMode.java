package io.hapg.examples.bench;

import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Switches a running cluster's {@code synchronous_mode} with {@code PATCH /config}, as
 * {@code patronictl edit-config} does, and waits until it took effect: with it on, a replica
 * answers {@code GET /sync} 200 (the standby the primary now waits for); with it off, none does.
 * The same for both systems, so one bench run measures a scenario in both modes.
 */
final class SynchronousMode {
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    private static final long POLL_NANOS = 200_000_000L;

    private SynchronousMode() {
    }

    /**
     * Sets {@code synchronous_mode} to {@code on} and waits up to {@code bound} for it to show.
     *
     * @throws IllegalStateException when the cluster did not converge, refused the change or did not apply it in time
     */
    static void set(LocalCluster cluster, boolean on, Duration bound) {
        ClusterNode primary = cluster.awaitConverged(CONVERGE);
        ClusterNode.Response r = primary.request("PATCH", "/config", "{\"synchronous_mode\": " + on + "}");
        if (r.status() != 200) {
            throw new IllegalStateException("PATCH /config synchronous_mode " + on + " on " + primary.name()
                    + " answered " + r.status() + " " + r.body().strip());
        }
        if (on) {
            cluster.awaitSyncStandby(bound);
            return;
        }
        long deadline = System.nanoTime() + bound.toNanos();
        while (cluster.nodes().stream().anyMatch(n -> n.status("/sync") == 200)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("synchronous_mode off: a replica still answered GET /sync 200 "
                        + bound.toSeconds() + " s later");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
