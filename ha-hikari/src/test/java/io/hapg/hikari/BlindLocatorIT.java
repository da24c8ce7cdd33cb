package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.etcd.EtcdConfig;
import io.hapg.etcd.EtcdConsensus;
import io.hapg.testkit.Await;
import io.hapg.testkit.FaultProxy;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #17, item 2: the consensus locator cut from etcd (its own path through a {@link FaultProxy};
 * the agent still reaches etcd) while the primary stays put. Past ttl without a read, the primary
 * confirms itself on its agent's {@code GET /primary} and the pool keeps it: an open transaction
 * commits. Then the agent is frozen (SIGSTOP): it cannot confirm, so the locator says "no primary"
 * naming its blindness, the pool aborts what is in flight and new borrowers fail at once. A real
 * one-node cluster ({@link LocalCluster}: etcd, an agent process, PostgreSQL; ttl 6 s).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class BlindLocatorIT {
    private static final int TTL = 6;

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void aBlindLocatorKeepsAPrimaryThatConfirmsItselfAndDropsOneWhoseAgentIsFrozen() throws Exception {
        try (LocalCluster cluster = LocalCluster.builder().scope("hikari-blind").nodes(1).etcdMembers(1).ttl(TTL)
                .loopWait(1).retryTimeout(2).start();
             FaultProxy path = FaultProxy.start("127.0.0.1", cluster.etcd().clientPort(0))) {
            logs.watch(cluster);
            ClusterNode node = cluster.awaitConverged(Duration.ofSeconds(120));
            node.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            EtcdConsensus etcd = new EtcdConsensus(EtcdConfig.builder().endpoints(List.of("http://" + path.endpoint()))
                    .scope(cluster.scope()).member("app").ttl(Duration.ofSeconds(TTL))
                    .retryTimeout(Duration.ofSeconds(1)).build());
            HikariConfig h = new HikariConfig();
            h.setMaximumPoolSize(2);
            h.setConnectionTimeout(5000);
            List<String> lost = new CopyOnWriteArrayList<>();
            List<Duration> lostBlind = new CopyOnWriteArrayList<>();
            try (ConsensusPrimaryLocator locator = ConsensusPrimaryLocator.builder(etcd).cluster(cluster.scope())
                    .cachedView(etcd::cachedView).recheckInterval(Duration.ofSeconds(1)).closeConsensus(true).build()
                    .start();
                 PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator).hikari(h)
                         .user(cluster.superuser().username()).password(cluster.superuser().password()).build())) {
                ds.addListener(new SwitchListener() {
                    @Override
                    public void primaryLost(Optional<PrimaryEndpoint> from, String reason, Duration blindFor,
                                            Instant at) {
                        lost.add(reason);
                        lostBlind.add(blindFor);
                    }
                }, Runnable::run);
                Await.until("the pool has the primary", Duration.ofSeconds(30), ds::isAvailable);
                assertThat(locator.blindFor()).isEqualTo(Duration.ZERO);

                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    s.executeUpdate("INSERT INTO orders VALUES (1)");
                    path.cut();
                    Await.until("blind for more than ttl + 2 s", Duration.ofSeconds(30),
                            () -> locator.blindFor().compareTo(Duration.ofSeconds(TTL + 2)) > 0);
                    assertThat(locator.problem()).hasValueSatisfying(p -> assertThat(p)
                            .contains("confirmed itself on GET /primary"));
                    assertThat(locator.current().map(PrimaryEndpoint::member)).contains(node.name());
                    assertThat(ds.isAvailable()).isTrue();
                    s.executeUpdate("INSERT INTO orders VALUES (2)");
                    c.commit();
                }
                assertThat(lost).as("primaryLost while the primary confirmed itself").isEmpty();
                System.out.printf("[ha-hikari] locator cut from etcd for %d ms (ttl %d s): the primary confirmed "
                        + "itself on GET /primary, the open transaction committed%n", locator.blindFor().toMillis(), TTL);

                long frozen = System.nanoTime();
                node.freezeAgent();
                try {
                    Await.until("the locator drops the primary whose agent cannot confirm", Duration.ofSeconds(15),
                            () -> locator.current().isEmpty());
                    long droppedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozen);
                    assertThat(locator.problem()).hasValueSatisfying(p -> assertThat(p).contains("blind for")
                            .contains("did not confirm itself on GET /primary"));
                    Await.until("the pool holds borrowers", Duration.ofSeconds(5), () -> !ds.isAvailable());
                    long start = System.nanoTime();
                    assertThatThrownBy(ds::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                            .hasMessageContaining("has not been able to read where it is");
                    long failedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertThat(failedMs).as("a borrower fails at once while the locator is blind").isLessThan(500);
                    assertThat(lost).anySatisfy(r -> assertThat(r).contains("did not confirm"));
                    assertThat(lostBlind).anySatisfy(d -> assertThat(d).isGreaterThan(Duration.ofSeconds(TTL)));
                    assertThat(ds.locatorBlindFor()).isGreaterThan(Duration.ofSeconds(TTL));
                    System.out.printf("[ha-hikari] agent frozen while the locator is blind: primary dropped %d ms "
                            + "later; getConnection failed in %d ms: %s%n", droppedMs, failedMs, lost);
                } finally {
                    node.thawAgent();
                    path.heal();
                }
                Await.until("the locator reads again", Duration.ofSeconds(30),
                        () -> locator.blindFor().isZero());
            }
        }
    }
}
