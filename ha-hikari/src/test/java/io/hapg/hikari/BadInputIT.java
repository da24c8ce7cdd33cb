package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.core.model.Member;
import io.hapg.etcd.EtcdConfig;
import io.hapg.etcd.EtcdConsensus;
import io.hapg.testkit.Await;
import io.hapg.testkit.FreePorts;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Locators pointed at nothing, or at a leader whose conn_url does not parse: getConnection() waits
 * the pool's connection timeout, then fails with an error naming what is wrong.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BadInputIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private static PrimaryDataSource pool(ClusterLocator locator) {
        HikariConfig h = new HikariConfig();
        h.setConnectionTimeout(1500);
        h.setMaximumPoolSize(2);
        return PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator).hikari(h).user("app")
                .connectTimeout(Duration.ofSeconds(1)).build());
    }

    @Test
    void aConsensusLocatorPointedAtNothingReachable() {
        int dead = FreePorts.next();
        EtcdConsensus nothing = new EtcdConsensus(EtcdConfig.builder().endpoints("http://127.0.0.1:" + dead)
                .scope("shop").member("app").retryTimeout(Duration.ofMillis(500)).build());
        try (ConsensusPrimaryLocator locator = ConsensusPrimaryLocator.builder(nothing).cluster("shop")
                .closeConsensus(true).build().start(); PrimaryDataSource ds = pool(locator)) {
            Await.until("the locator gave up once", Duration.ofSeconds(20),
                    () -> locator.problem().filter(p -> p.contains("cannot read")).isPresent());
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("no primary for cluster shop within 1500 ms")
                    .hasMessageContaining("cannot read cluster shop from the consensus store");
        }
    }

    @Test
    void aRestLocatorPointedAtNothingReachable() {
        int dead = FreePorts.next();
        try (RestPrimaryLocator locator = RestPrimaryLocator.builder().cluster("shop")
                .member("http://127.0.0.1:" + dead).pollInterval(Duration.ofMillis(100))
                .timeout(Duration.ofMillis(300)).build().start(); PrimaryDataSource ds = pool(locator)) {
            Await.until("the locator gave up once", Duration.ofSeconds(20),
                    () -> locator.problem().isPresent() && !locator.problem().get().equals("not checked yet"));
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("no primary for cluster shop")
                    .hasMessageContaining("http://127.0.0.1:" + dead + "/: unreachable");
        }
    }

    @Test
    void aLeaderWhoseConnUrlDoesNotParse() {
        try (LocalEtcd etcd = LocalEtcd.start(1)) {
            logs.watch(etcd);
            EtcdConsensus bogus = new EtcdConsensus(EtcdConfig.builder().endpoints(etcd.clientEndpoints())
                    .scope("shop").member("bogus").ttl(Duration.ofSeconds(10)).retryTimeout(Duration.ofSeconds(2))
                    .build());
            EtcdConsensus app = new EtcdConsensus(EtcdConfig.builder().endpoints(etcd.clientEndpoints())
                    .scope("shop").member("app").retryTimeout(Duration.ofSeconds(2)).build());
            try (bogus; ConsensusPrimaryLocator locator = ConsensusPrimaryLocator.builder(app).cluster("shop")
                    .cachedView(app::cachedView).closeConsensus(true).build().start();
                 PrimaryDataSource ds = pool(locator)) {
                bogus.publishMember(Member.of("bogus", "garbage", "http://127.0.0.1:1/patroni"));
                assertThat(bogus.tryAcquireLeader()).isTrue();
                Await.until("the locator read the leader", Duration.ofSeconds(20),
                        () -> locator.problem().filter(p -> p.contains("conn_url")).isPresent());
                assertThatThrownBy(ds::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                        .hasMessageContaining("primary bogus published a conn_url that cannot be used")
                        .hasMessageContaining("'garbage' does not parse");
                assertThat(ds.physicalConnections()).isZero();
            }
        }
    }
}
