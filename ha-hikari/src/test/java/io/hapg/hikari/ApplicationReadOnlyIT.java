package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.testkit.LocalPostgres;
import io.hapg.testkit.ProcessLogs;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #17, item 6: a write inside a transaction the application made read-only
 * ({@code Connection.setReadOnly(true)}, what Spring's {@code @Transactional(readOnly = true)}
 * does) fails with PostgreSQL's own 25006, not with hapg's "restart the transaction", and the
 * connection is neither evicted nor the locator asked again; 25006 on a connection the application
 * did not make read-only is still read as "this server is not a writable primary".
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApplicationReadOnlyIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void aWriteInAnApplicationReadOnlyTransactionIsTheApplicationsErrorNotAFailover() throws Exception {
        try (LocalPostgres pg = LocalPostgres.builder().name("pg1").createPrimary().start()) {
            logs.watch(pg);
            pg.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            PrimaryEndpoint endpoint = new PrimaryEndpoint("pg1", pg.host(), pg.port(),
                    "postgres://" + pg.host() + ":" + pg.port() + "/postgres");
            FixedLocator locator = new FixedLocator("shop", Optional.of(endpoint), List.of());
            HikariConfig hikari = new HikariConfig();
            hikari.setMaximumPoolSize(1);
            try (PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator)
                    .hikari(hikari).user("postgres").build())) {
                int pid;
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    pid = backendPid(s);
                    c.setReadOnly(true);
                    c.setAutoCommit(false);
                    assertThatThrownBy(() -> s.executeUpdate("INSERT INTO orders VALUES (1)"))
                            .isInstanceOf(SQLException.class)
                            .isNotInstanceOfAny(TransactionStateUnknownException.class,
                                    ConnectionFailoverException.class)
                            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25006"));
                    c.rollback();
                    c.setReadOnly(false);
                    assertThat(s.executeUpdate("INSERT INTO orders VALUES (2)")).as("the same connection works").isOne();
                    c.commit();
                }
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    assertThat(backendPid(s)).as("the physical connection was not evicted").isEqualTo(pid);
                    // Not the application's read-only: the server says it is read-only, as a replica would.
                    s.execute("SET default_transaction_read_only = on");
                    assertThatThrownBy(() -> s.executeUpdate("INSERT INTO orders VALUES (3)"))
                            .isInstanceOf(ConnectionFailoverException.class);
                }
                assertThat(pg.query("SELECT count(*) FROM orders")).containsExactly(List.of("1"));
            }
        }
    }

    private static int backendPid(Statement s) throws SQLException {
        try (var rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
