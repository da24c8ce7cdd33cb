package io.hapg.examples.storefront;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.etcd.EtcdConfig;
import io.hapg.etcd.EtcdConsensus;
import io.hapg.hikari.ConsensusPrimaryLocator;
import io.hapg.hikari.PrimaryDataSource;
import io.hapg.hikari.PrimaryDataSourceConfig;
import io.hapg.hikari.ReplicaDataSource;
import io.hapg.testkit.cluster.LocalCluster;
import java.time.Duration;

/**
 * The storefront's client side on a local cluster: a {@link ConsensusPrimaryLocator} reading the
 * cluster's etcd keys (Patroni's layout, so it follows a Patroni cluster the same way), a
 * {@link PrimaryDataSource} for the writers and a {@link ReplicaDataSource} for the readers.
 * {@link #close()} closes them in reverse order.
 */
public final class ShopPools implements AutoCloseable {
    private final ConsensusPrimaryLocator locator;
    private final PrimaryDataSource writes;
    private final ReplicaDataSource reads;

    private ShopPools(ConsensusPrimaryLocator locator, PrimaryDataSource writes, ReplicaDataSource reads) {
        this.locator = locator;
        this.writes = writes;
        this.reads = reads;
    }

    /** Pools sized for {@code writers} and {@code readers} threads, as the cluster's superuser. */
    public static ShopPools open(LocalCluster cluster, int writers, int readers) {
        ConsensusPrimaryLocator locator = locator(cluster, "storefront");
        PrimaryDataSource writes = null;
        try {
            writes = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator)
                    .hikari(pool(writers + 2)).user(cluster.superuser().username())
                    .password(cluster.superuser().password()).connectTimeout(Duration.ofSeconds(3))
                    .socketTimeout(Duration.ofSeconds(20)).build());
            ReplicaDataSource reads = ReplicaDataSource.builder(locator).hikari(pool(Math.max(1, readers)))
                    .user(cluster.superuser().username()).password(cluster.superuser().password())
                    .maxLagBytes(16L << 20).fallback(writes).build();
            return new ShopPools(locator, writes, reads);
        } catch (RuntimeException e) {
            if (writes != null) {
                writes.close();
            }
            locator.close();
            throw e;
        }
    }

    /**
     * A started locator on the cluster's etcd keys with its own etcd client named {@code member};
     * closing the locator closes that client.
     */
    public static ConsensusPrimaryLocator locator(LocalCluster cluster, String member) {
        EtcdConsensus etcd = new EtcdConsensus(EtcdConfig.builder().endpoints(cluster.etcd().clientEndpoints())
                .scope(cluster.scope()).member(member).ttl(Duration.ofSeconds(10))
                .retryTimeout(Duration.ofSeconds(3)).build());
        try {
            return ConsensusPrimaryLocator.builder(etcd).cluster(cluster.scope())
                    .cachedView(etcd::cachedView).closeConsensus(true).build().start();
        } catch (RuntimeException e) {
            // The locator closes the consensus only once it runs: until then it is ours to close.
            etcd.close();
            throw e;
        }
    }

    public PrimaryDataSource writes() {
        return writes;
    }

    public ReplicaDataSource reads() {
        return reads;
    }

    private static HikariConfig pool(int size) {
        HikariConfig h = new HikariConfig();
        h.setMaximumPoolSize(size);
        h.setMinimumIdle(0);
        h.setConnectionTimeout(5000);
        return h;
    }

    @Override
    public void close() {
        reads.close();
        writes.close();
        locator.close();
    }
}
