package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.testkit.Await;
import io.hapg.testkit.LocalPostgres;
import io.hapg.testkit.ProcessLogs;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #17, item 8: a connection to a server of another cluster (a DNS or address mix-up: the
 * locator names the right member at the wrong address) is refused, naming both system
 * identifiers, whether the pool learnt the cluster's identifier from its first connection or the
 * locator knows it (the {@code initialize} key); once the address is right again the pool works.
 * Two standalone PostgreSQL instances, so two identifiers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SystemIdentifierIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void aServerOfAnotherClusterIsRefusedNamingBothIdentifiers() throws Exception {
        try (LocalPostgres pg1 = LocalPostgres.builder().name("pg1").createPrimary().start();
             LocalPostgres other = LocalPostgres.builder().name("other").createPrimary().start();
             SettableLocator locator = new SettableLocator("shop")) {
            logs.watch(pg1);
            logs.watch(other);
            for (LocalPostgres pg : List.of(pg1, other)) {
                pg.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            }
            String shop = systemIdentifier(pg1);
            String foreign = systemIdentifier(other);
            assertThat(foreign).isNotEqualTo(shop);
            locator.pointAt("pg1", pg1);
            try (PrimaryDataSource ds = PrimaryDataSource.start(config(locator))) {
                insert(ds, 1);
                pointAt(locator, ds, other); // the right member, the wrong address
                assertThatThrownBy(() -> insert(ds, 2)).isInstanceOf(SQLTransientConnectionException.class)
                        .hasMessageContaining("its database system identifier is " + foreign)
                        .hasMessageContaining("cluster shop's is " + shop)
                        .hasMessageContaining("learned from the pool's first connection");
                pointAt(locator, ds, pg1);
                insert(ds, 3);
            }
            // A pool whose locator knows the identifier refuses the wrong server from its first connection.
            locator.systemIdentifier(shop);
            locator.pointAt("pg1", other);
            try (PrimaryDataSource ds = PrimaryDataSource.start(config(locator))) {
                assertThatThrownBy(() -> insert(ds, 4)).isInstanceOf(SQLTransientConnectionException.class)
                        .hasMessageContaining("its database system identifier is " + foreign)
                        .hasMessageContaining("cluster shop's is " + shop + " (the cluster's initialize key)");
            }
            assertThat(pg1.query("SELECT id FROM orders ORDER BY id")).containsExactly(List.of("1"), List.of("3"));
            assertThat(other.query("SELECT count(*) FROM orders")).as("no write reached the other cluster")
                    .containsExactly(List.of("0"));
        }
    }

    /**
     * Replicas are checked as the primary is: a replica pool refuses a server of another cluster,
     * naming both identifiers, whether the locator knows the cluster's or the first replica
     * connection taught it.
     */
    @Test
    void aReplicaServerOfAnotherClusterIsRefusedNamingBothIdentifiers() throws Exception {
        try (LocalPostgres pg1 = LocalPostgres.builder().name("pg1").createPrimary().start();
             LocalPostgres other = LocalPostgres.builder().name("other").createPrimary().start();
             SettableLocator knows = new SettableLocator("shop");
             SettableLocator learns = new SettableLocator("shop")) {
            logs.watch(pg1);
            logs.watch(other);
            String shop = systemIdentifier(pg1);
            String foreign = systemIdentifier(other);
            knows.systemIdentifier(shop);
            knows.replicaAt("r1", other); // the right member, the wrong address
            Await.until("the replica is listed", Duration.ofSeconds(10), () -> !knows.replicas().isEmpty());
            try (ReplicaDataSource replicas = ReplicaDataSource.builder(knows).hikari(replicaPool()).user("postgres")
                    .build()) {
                assertThat(causes(catchSql(replicas))).contains("its database system identifier is " + foreign)
                        .contains("cluster shop's is " + shop + " (the cluster's initialize key)")
                        .contains("refusing replica r1 at 127.0.0.1:" + other.port());
            }
            learns.replicaAt("r1", pg1);
            Await.until("the replica is listed", Duration.ofSeconds(10), () -> !learns.replicas().isEmpty());
            try (ReplicaDataSource replicas = ReplicaDataSource.builder(learns).hikari(replicaPool()).user("postgres")
                    .build()) {
                try (Connection c = replicas.getConnection()) {
                    assertThat(c.isReadOnly()).isTrue();
                }
                learns.replicaAt("r1", other);
                Await.until("the replica moved", Duration.ofSeconds(10),
                        () -> learns.replicas().get(0).port() == other.port());
                assertThat(causes(catchSql(replicas))).contains("its database system identifier is " + foreign)
                        .contains("cluster shop's is " + shop + " (learned from the pool's first connection, to "
                                + "replica r1 at 127.0.0.1:" + pg1.port() + ")");
            }
        }
    }

    /**
     * A user who may not run {@code pg_control_system()} (EXECUTE revoked) still gets connections,
     * from the primary's pool (whose one check query asks for the identifier: refused with 42501, it
     * asks again without it) and from a replica pool; there is just nothing to compare.
     */
    @Test
    void aUserWhoMayNotReadTheIdentifierStillConnects() throws Exception {
        try (LocalPostgres pg1 = LocalPostgres.builder().name("pg1").createPrimary().start();
             SettableLocator locator = new SettableLocator("shop")) {
            logs.watch(pg1);
            pg1.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            pg1.execute("CREATE ROLE app LOGIN");
            pg1.execute("GRANT INSERT, SELECT ON orders TO app");
            pg1.execute("REVOKE EXECUTE ON FUNCTION pg_catalog.pg_control_system() FROM PUBLIC");
            locator.pointAt("pg1", pg1);
            locator.replicaAt("r1", pg1);
            HikariConfig hikari = new HikariConfig();
            hikari.setMaximumPoolSize(2);
            hikari.setConnectionTimeout(3000);
            try (PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator).hikari(hikari)
                    .user("app").build());
                 ReplicaDataSource replicas = ReplicaDataSource.builder(locator).hikari(replicaPool()).user("app")
                         .build()) {
                insert(ds, 1);
                insert(ds, 2);
                Await.until("the replica is listed", Duration.ofSeconds(10), () -> !locator.replicas().isEmpty());
                try (Connection c = replicas.getConnection(); Statement s = c.createStatement()) {
                    s.executeQuery("SELECT count(*) FROM orders").close();
                }
            }
            assertThat(pg1.query("SELECT id FROM orders ORDER BY id")).containsExactly(List.of("1"), List.of("2"));
        }
    }

    private static HikariConfig replicaPool() {
        HikariConfig h = new HikariConfig();
        h.setMaximumPoolSize(1);
        h.setConnectionTimeout(2000);
        return h;
    }

    private static java.sql.SQLException catchSql(ReplicaDataSource replicas) {
        try (Connection c = replicas.getConnection()) {
            throw new AssertionError("a connection to " + c.getMetaData().getURL());
        } catch (java.sql.SQLException e) {
            return e;
        }
    }

    /** The messages of {@code e} and its causes, one per line. */
    private static String causes(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            out.append(t.getMessage()).append('\n');
        }
        return out.toString();
    }

    /** Points the locator's "pg1" at {@code pg} and waits until the pool follows. */
    private static void pointAt(SettableLocator locator, PrimaryDataSource ds, LocalPostgres pg) {
        locator.pointAt("pg1", pg);
        Await.until("the pool follows the locator to port " + pg.port(), Duration.ofSeconds(10),
                () -> ds.currentPrimary().map(p -> p.port() == pg.port()).orElse(false));
    }

    private static PrimaryDataSourceConfig config(SettableLocator locator) {
        HikariConfig hikari = new HikariConfig();
        hikari.setMaximumPoolSize(1);
        hikari.setConnectionTimeout(2000);
        return PrimaryDataSourceConfig.builder(locator).hikari(hikari).user("postgres").build();
    }

    private static void insert(PrimaryDataSource ds, int id) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO orders VALUES (" + id + ")");
        }
    }

    private static String systemIdentifier(LocalPostgres pg) {
        return pg.query("SELECT system_identifier FROM pg_control_system()").get(0).get(0);
    }
}
