package io.hapg.hikari;

import io.hapg.etcd.EtcdConfig;
import io.hapg.etcd.EtcdConsensus;
import io.hapg.testkit.cluster.LocalCluster;
import java.time.Duration;

/** Locators on a {@link LocalCluster}, started as an application would start them. */
final class ClusterLocators {
    private ClusterLocators() {
    }

    /** A started consensus locator on its own etcd client, re-checking every 2 s. */
    static ConsensusPrimaryLocator consensus(LocalCluster cluster, String app, int ttl, int retryTimeout) {
        EtcdConsensus c = new EtcdConsensus(EtcdConfig.builder().endpoints(cluster.etcd().clientEndpoints())
                .scope(cluster.scope()).member(app).ttl(Duration.ofSeconds(ttl))
                .retryTimeout(Duration.ofSeconds(retryTimeout)).build());
        return ConsensusPrimaryLocator.builder(c).cluster(cluster.scope()).cachedView(c::cachedView)
                .recheckInterval(Duration.ofSeconds(2)).closeConsensus(true).build().start();
    }
}
