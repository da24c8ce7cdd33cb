package io.hapg.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.etcd.EtcdConfig;
import io.hapg.etcd.EtcdConsensus;
import io.hapg.hikari.ConsensusPrimaryLocator;
import io.hapg.hikari.PrimaryDataSource;
import io.hapg.hikari.PrimaryDataSourceConfig;
import io.hapg.hikari.TransactionRolledBackException;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.cluster.LocalClusterExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The test an application team writes with {@code ha-testkit} (EMBEDDING.md quotes it): a real
 * 3-node synchronous cluster for the class, the application's own pool code, and the faults of the
 * article — kill -9 of the primary node, a planned switchover, the primary cut from etcd — with the
 * application's own data checked after each: every order it was told is placed is on the new primary.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShopOnAClusterIT {
    // One cluster for the class, stopped by PID after the last test even if one fails.
    @RegisterExtension
    static final LocalClusterExtension HAPG = LocalClusterExtension.of(LocalCluster.builder()
            .scope("shop").nodes(3).synchronousMode(true).etcdProxies(true)
            .ttl(6).loopWait(1).retryTimeout(2));

    static PrimaryDataSource orders;

    @BeforeAll
    static void startTheShop() {
        LocalCluster cluster = HAPG.cluster();
        cluster.awaitConverged(Duration.ofSeconds(60)).execute("CREATE TABLE orders (id int PRIMARY KEY)");
        List<String> etcdUrls = cluster.etcd().clientEndpoints();
        String user = cluster.superuser().username();
        String password = cluster.superuser().password();

        // The application's pool, as in production:
        EtcdConsensus etcd = new EtcdConsensus(EtcdConfig.builder().endpoints(etcdUrls)
                .scope("shop").member("storefront-1").build());
        ConsensusPrimaryLocator locator = ConsensusPrimaryLocator.builder(etcd).cluster("shop")
                .cachedView(etcd::cachedView).closeConsensus(true).build().start();
        HikariConfig pool = new HikariConfig();
        pool.setMaximumPoolSize(10);
        pool.setConnectionTimeout(30_000);
        orders = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator)
                .hikari(pool).user(user).password(password).database("postgres").build());
    }

    @AfterAll
    static void stopTheShop() {
        if (orders != null) {
            orders.close();
        }
    }

    // The application's own code: one order per transaction, run again when it was rolled back.
    static void placeOrder(PrimaryDataSource orders, int id) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = orders.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO orders (id) VALUES (?)")) {
                    insert.setInt(1, id);
                    insert.executeUpdate();
                }
                c.commit();
                return;
            } catch (TransactionRolledBackException | SQLTransientConnectionException e) {
                if (attempt == 5) {   // nothing was committed: safe to run again
                    throw e;
                }
            }   // TransactionStateUnknownException (the commit's outcome is unknown) is not retried
        }
    }

    @Test
    @Order(1)
    void ordersSurviveAKillOfThePrimaryNode() throws Exception {
        ClusterNode primary = HAPG.cluster().awaitConverged(Duration.ofSeconds(120));
        ClusterNode next = underOrders(1, p -> p.killNode());
        assertThat(next).isNotEqualTo(primary);
        primary.startAgent();
    }

    @Test
    @Order(2)
    void ordersSurviveASwitchover() throws Exception {
        ClusterNode primary = HAPG.cluster().awaitConverged(Duration.ofSeconds(120));
        ClusterNode standby = HAPG.cluster().awaitSyncStandby(Duration.ofSeconds(60));
        ClusterNode next = underOrders(100_000, p -> assertThat(p.switchover(standby.name()).status()).isEqualTo(200));
        assertThat(next).isEqualTo(standby);
    }

    @Test
    @Order(3)
    void ordersSurviveThePrimaryCutFromEtcd() throws Exception {
        ClusterNode primary = HAPG.cluster().awaitConverged(Duration.ofSeconds(120));
        try {
            underOrders(200_000, ClusterNode::cutFromEtcd);
        } finally {
            primary.healEtcd();
        }
    }

    /**
     * Places orders from {@code firstId} on while {@code fault} hits the primary, until another node
     * is primary and a few more orders went through; then checks every acknowledged order is there.
     */
    private static ClusterNode underOrders(int firstId, Consumer<ClusterNode> fault) throws Exception {
        ClusterNode primary = syncStandbyNamed();
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        Set<Integer> unknown = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        Thread shop = new Thread(() -> {
            for (int id = firstId; !stop.get(); id++) {
                try {
                    placeOrder(orders, id);
                    acknowledged.add(id);
                } catch (SQLException e) {
                    unknown.add(id);
                }
            }
        }, "shop");
        shop.start();
        Thread.sleep(1000);
        fault.accept(primary);
        ClusterNode next = HAPG.cluster().awaitPrimary(n -> n != primary, Duration.ofSeconds(90));
        int before = acknowledged.size();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acknowledged.size() < before + 50 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        stop.set(true);
        shop.join(60_000);
        Set<Integer> onNext = next.query("SELECT id FROM orders").stream().map(Integer::valueOf)
                .collect(Collectors.toSet());
        System.out.printf("[shop] %s -> %s: %d orders acknowledged, %d unknown or failed%n", primary.name(),
                next.name(), acknowledged.size(), unknown.size());
        assertThat(acknowledged.size()).as("orders flow again on %s", next.name()).isGreaterThan(before);
        assertThat(acknowledged).as("acknowledged orders missing on %s", next.name()).isSubsetOf(onNext);
        return next;
    }

    /** The primary, once it has a synchronous standby in the sync key (else nobody may take over). */
    private static ClusterNode syncStandbyNamed() {
        ClusterNode primary = HAPG.cluster().awaitConverged(Duration.ofSeconds(120));
        HAPG.cluster().awaitSyncStandby(Duration.ofSeconds(60));
        return primary;
    }
}
