package io.hapg.core.spi;

import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.SyncState;
import java.util.List;
import java.util.Map;

/**
 * The cluster-wide keys written with compare-and-set through {@link Consensus#compareAndSet}.
 * The leader and member keys have their own methods because they live on the agent's lease.
 *
 * @param <T> the value type stored under the key
 */
public final class ClusterKey<T> {
    /** {@code config}: the dynamic configuration. */
    public static final ClusterKey<DynamicConfig> CONFIG = new ClusterKey<>("config");
    /** {@code initialize}: the database system identifier; empty string while initdb runs. */
    public static final ClusterKey<String> INITIALIZE = new ClusterKey<>("initialize");
    /** {@code sync}: the synchronous standbys the primary has published. */
    public static final ClusterKey<SyncState> SYNC = new ClusterKey<>("sync");
    /** {@code failover}: a switchover or manual failover request. */
    public static final ClusterKey<FailoverRequest> FAILOVER = new ClusterKey<>("failover");
    /** {@code history}: the timeline history. */
    public static final ClusterKey<List<HistoryEntry>> HISTORY = new ClusterKey<>("history");
    /** {@code failsafe}: member name to api_url, maintained by the leader in failsafe mode. */
    public static final ClusterKey<Map<String, String>> FAILSAFE = new ClusterKey<>("failsafe");

    private final String name;

    private ClusterKey(String name) {
        this.name = name;
    }

    /** The key's name under {@code /<namespace>/<scope>/}, as in Patroni. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
