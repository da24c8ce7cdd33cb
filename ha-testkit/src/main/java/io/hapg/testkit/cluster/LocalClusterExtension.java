package io.hapg.testkit.cluster;

import io.hapg.testkit.ProcessLogs;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A JUnit 5 extension that gives a test class a running hapg cluster: before the first test it
 * starts the cluster and waits until it has converged (one primary, every other node streaming);
 * after the last it stops every process by PID. When a test fails, the agents', PostgreSQL's and
 * etcd's last log lines are printed. The agents' main class must be on the test class path
 * (test-scoped {@code io.hapg:ha-agent}).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LocalClusterExtension HAPG = LocalClusterExtension.of(LocalCluster.builder().nodes(3));
 *
 * @Test
 * void ordersSurviveAFailover() {
 *     ClusterNode primary = HAPG.cluster().primary().orElseThrow();
 *     primary.killNode();
 *     HAPG.cluster().awaitPrimary(n -> n != primary, Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class LocalClusterExtension implements BeforeAllCallback, AfterAllCallback, TestWatcher {
    private final LocalCluster.Builder builder;
    private final Duration convergeWithin;
    private final ProcessLogs logs = new ProcessLogs();
    private volatile LocalCluster cluster;

    private LocalClusterExtension(LocalCluster.Builder builder, Duration convergeWithin) {
        this.builder = Objects.requireNonNull(builder, "builder");
        this.convergeWithin = Objects.requireNonNull(convergeWithin, "convergeWithin");
    }

    /** The cluster the builder describes, converged within 150 s (a fresh PostgreSQL and two clones). */
    public static LocalClusterExtension of(LocalCluster.Builder builder) {
        return new LocalClusterExtension(builder, Duration.ofSeconds(150));
    }

    /** The same, with another bound on the first convergence. */
    public static LocalClusterExtension of(LocalCluster.Builder builder, Duration convergeWithin) {
        return new LocalClusterExtension(builder, convergeWithin);
    }

    /**
     * The running cluster.
     *
     * @throws IllegalStateException before the class's first test or after its last
     */
    public LocalCluster cluster() {
        LocalCluster c = cluster;
        if (c == null) {
            throw new IllegalStateException("the cluster runs from before the first test to after the last;"
                    + " register the extension on a static field");
        }
        return c;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        LocalCluster started = builder.start();
        cluster = started;
        logs.watch(started);
        started.awaitConverged(convergeWithin);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        LocalCluster c = cluster;
        cluster = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        logs.testFailed(context, cause);
    }
}
