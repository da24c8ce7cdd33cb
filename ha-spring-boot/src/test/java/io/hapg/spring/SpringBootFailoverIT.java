package io.hapg.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.hikari.PrimaryDataSource;
import io.hapg.hikari.ReplicaDataSource;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.cluster.LocalClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.annotation.Transactional;

/**
 * A Spring Boot application configured the documented way ({@code spring.datasource.*} as before,
 * plus {@code hapg.scope} and {@code hapg.etcd.endpoints}) follows the primary of a real 3-node
 * synchronous cluster through a planned switchover and a kill -9 of the primary node, while a
 * {@code @Transactional} service writes: no acknowledged order is lost, a switchover fails no
 * request, and the health indicator and meters tell what happened.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class SpringBootFailoverIT {
    @RegisterExtension
    static final LocalClusterExtension HAPG = LocalClusterExtension.of(LocalCluster.builder().scope("boot").nodes(3)
            .etcdMembers(1).ttl(6).loopWait(1).retryTimeout(2).synchronousMode(true)
            .pgParameter("wal_retrieve_retry_interval", "200ms"));

    private static final AutoConfigurations BOOT = AutoConfigurations.of(HapgAutoConfiguration.class,
            HapgObservabilityAutoConfiguration.class, DataSourceAutoConfiguration.class,
            DataSourceTransactionManagerAutoConfiguration.class, JdbcTemplateAutoConfiguration.class,
            TransactionAutoConfiguration.class);

    @BeforeAll
    static void schema() {
        HAPG.cluster().awaitConverged(Duration.ofSeconds(60)).execute("CREATE TABLE orders (seq int PRIMARY KEY)");
    }

    /** The application's service: one order per transaction. */
    static class Orders {
        private final JdbcTemplate jdbc;

        Orders(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @Transactional
        public void place(int seq) {
            jdbc.update("INSERT INTO orders (seq) VALUES (?)", seq);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class App {
        @Bean
        Orders orders(JdbcTemplate jdbc) {
            return new Orders(jdbc);
        }
    }

    private ApplicationContextRunner app(String... extra) {
        LocalCluster c = HAPG.cluster();
        return new ApplicationContextRunner().withConfiguration(BOOT).withUserConfiguration(App.class)
                .withPropertyValues("spring.application.name=shop",
                        // written for a load balancer: the host is not used, the database and sslmode are
                        "spring.datasource.url=jdbc:postgresql://haproxy.invalid:5000/postgres?sslmode=disable",
                        "spring.datasource.username=" + c.superuser().username(),
                        "spring.datasource.password=" + c.superuser().password(),
                        "spring.datasource.hikari.maximum-pool-size=4",
                        "spring.datasource.hikari.connection-timeout=30000",
                        "hapg.scope=" + c.scope())
                .withPropertyValues(extra);
    }

    private String etcd() {
        return "hapg.etcd.endpoints=" + String.join(",", HAPG.cluster().etcd().clientEndpoints());
    }

    /** Places orders until stopped; acknowledged, unknown (commit outcome) and failed ones are kept apart. */
    private static final class Shop implements Runnable {
        final Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        final Set<Integer> unknown = ConcurrentHashMap.newKeySet();
        final List<Throwable> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
        final AtomicInteger retries = new AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();
        private final Orders orders;
        private final int first;

        Shop(Orders orders, int first) {
            this.orders = orders;
            this.first = first;
        }

        @Override
        public void run() {
            for (int seq = first; !stop.get(); seq++) {
                for (int attempt = 1; ; attempt++) {
                    try {
                        orders.place(seq);
                        acknowledged.add(seq);
                        break;
                    } catch (TransientDataAccessException e) {   // rolled back: the README's recipe retries
                        retries.incrementAndGet();
                        if (attempt == 5) {
                            failed.add(e);
                            break;
                        }
                    } catch (RecoverableDataAccessException | TransactionSystemException e) {
                        unknown.add(seq);                         // commit outcome unknown: not retried
                        break;
                    } catch (RuntimeException e) {
                        failed.add(e);
                        break;
                    }
                }
                sleep(5);
            }
        }
    }

    @Test
    void followsTheClusterThroughASwitchoverAndAKillOfThePrimaryNode() throws Exception {
        app(etcd(), "hapg.replicas.enabled=true").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(DataSource.class)).isInstanceOf(PrimaryDataSource.class);
            assertThat(context).hasSingleBean(ReplicaDataSource.class);
            PrimaryDataSource ds = context.getBean(PrimaryDataSource.class);
            HapgHealthIndicator health = context.getBean(HapgHealthIndicator.class);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            context.getBean(PrimaryDataSourceMetrics.class).bindTo(meters);
            Orders orders = context.getBean(Orders.class);

            ClusterNode first = HAPG.cluster().awaitConverged(Duration.ofSeconds(120));
            orders.place(0);
            Health before = health.health();
            assertThat(before.getStatus()).isEqualTo(Status.UP);
            assertThat(before.getDetails().get("primary").toString()).startsWith(first.name());
            assertThat(context.getBean(ReplicaDataSource.class).eligibleReplicas()).isNotEmpty();

            // 1. A planned switchover to the synchronous standby: no request fails.
            ClusterNode candidate = HAPG.cluster().awaitSyncStandby(Duration.ofSeconds(60));
            Shop shop = new Shop(orders, 1);
            Thread writer = new Thread(shop, "shop-writer");
            writer.start();
            sleep(1000);
            assertThat(first.switchover(candidate.name()).status()).isEqualTo(200);
            ClusterNode second = HAPG.cluster().awaitPrimary(n -> n == candidate, Duration.ofSeconds(60));
            awaitPrimaryIn(health, second);
            sleep(2000);
            shop.stop.set(true);
            writer.join(60_000);
            System.out.printf("[spring-boot] switchover %s -> %s: %d orders acknowledged, %d retried, %d unknown, "
                    + "%d failed%n", first.name(), second.name(), shop.acknowledged.size(), shop.retries.get(),
                    shop.unknown.size(), shop.failed.size());
            assertThat(shop.failed).as("requests failed by a planned switchover").isEmpty();
            assertEveryAcknowledgedOrderOn(second, shop.acknowledged);
            assertThat(meters.get("hapg.pool.switches").functionCounter().count()).isGreaterThanOrEqualTo(1);
            assertThat(meters.get("hapg.pool.switch.pause").timer().count()).isGreaterThanOrEqualTo(1);
            assertThat(meters.get("hapg.pool.primary").tag("member", second.name()).gauge().value()).isEqualTo(1);

            // 2. kill -9 of the primary node (agent + postmaster) under writes, once a synchronous
            //    standby is named again (without one, synchronous mode lets no one take over).
            HAPG.cluster().awaitConverged(Duration.ofSeconds(120));
            try {
                HAPG.cluster().awaitSyncStandby(Duration.ofSeconds(60));
            } catch (IllegalStateException e) {
                System.out.println(java.nio.file.Files.readString(second.agentLog()));
                second.query("SELECT application_name || ' ' || state || ' ' || sync_state || ' ' || "
                        + "coalesce(flush_lsn::text, '-') FROM pg_stat_replication").forEach(System.out::println);
                System.out.println(second.query("SHOW synchronous_standby_names"));
                throw e;
            }
            Shop crash = new Shop(orders, 1_000_000);
            Thread crashWriter = new Thread(crash, "shop-writer-crash");
            crashWriter.start();
            sleep(1000);
            second.killNode();
            ClusterNode third = HAPG.cluster().awaitPrimary(n -> n != second, Duration.ofSeconds(90));
            awaitPrimaryIn(health, third);
            sleep(2000);
            crash.stop.set(true);
            crashWriter.join(60_000);
            System.out.printf("[spring-boot] kill -9 of %s, new primary %s: %d orders acknowledged, %d retried, "
                    + "%d unknown, %d failed%n", second.name(), third.name(), crash.acknowledged.size(),
                    crash.retries.get(), crash.unknown.size(), crash.failed.size());
            crash.failed.forEach(Throwable::printStackTrace);
            assertThat(crash.failed).as("requests that neither succeeded after retries nor had an unknown commit")
                    .isEmpty();
            assertEveryAcknowledgedOrderOn(third, crash.acknowledged);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            second.startAgent();
        });
    }

    @Test
    void theMembersRestApiIsEnoughWithoutEtcd() {
        List<String> members = HAPG.cluster().nodes().stream().map(ClusterNode::restUrl).toList();
        app("hapg.members=" + String.join(",", members)).run(context -> {
            assertThat(context).hasNotFailed();
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            assertThat(jdbc.queryForObject("SELECT pg_is_in_recovery()", Boolean.class)).isFalse();
            assertThat(context).doesNotHaveBean(ReplicaDataSource.class);
        });
    }

    @Test
    void aMissingLocatorSettingStopsTheStartNamingIt() {
        app().run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                .hasMessageContaining("hapg.etcd.endpoints").hasMessageContaining("hapg.members"));
    }

    private static void awaitPrimaryIn(HapgHealthIndicator health, ClusterNode node) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Health h = health.health();
            if (h.getStatus().equals(Status.UP) && h.getDetails().get("primary").toString().startsWith(node.name())) {
                return;
            }
            sleep(100);
        }
        throw new AssertionError("the health indicator never showed " + node.name() + ": " + health.health());
    }

    private static void assertEveryAcknowledgedOrderOn(ClusterNode node, Set<Integer> acknowledged) {
        Set<Integer> present = node.query("SELECT seq FROM orders").stream().map(Integer::valueOf)
                .collect(Collectors.toSet());
        assertThat(acknowledged).as("acknowledged orders missing on %s", node.name()).isSubsetOf(present);
        assertThat(acknowledged).isNotEmpty();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
