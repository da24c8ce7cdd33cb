package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.testkit.Await;
import io.hapg.testkit.LocalPostgres;
import io.hapg.testkit.ProcessLogs;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What "acknowledged" means (issue #12, item 10): a commit whose wait for a synchronous standby is
 * cancelled returns success from PostgreSQL with a warning, although it is only local. Through
 * {@link PrimaryDataSource} it is a {@link TransactionStateUnknownException}, in auto-commit
 * (JDBC {@code setQueryTimeout} sends the cancel) and on {@code commit()} (another session's
 * {@code pg_cancel_backend}). A primary whose synchronous standby does not exist makes every
 * commit wait.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SynchronousCommitIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void aCommitWhoseSynchronousWaitIsCancelledIsNotAcknowledged() throws Exception {
        try (LocalPostgres pg = LocalPostgres.builder().name("pg1").createPrimary().start()) {
            logs.watch(pg);
            pg.execute("CREATE TABLE orders (id int PRIMARY KEY)");
            pg.execute("ALTER SYSTEM SET synchronous_standby_names = 'nobody'");
            pg.execute("SELECT pg_reload_conf()");
            Await.until("synchronous_standby_names reloaded", Duration.ofSeconds(10),
                    () -> pg.query("SHOW synchronous_standby_names").equals(List.of(List.of("nobody"))));
            PrimaryEndpoint endpoint = new PrimaryEndpoint("pg1", pg.host(), pg.port(),
                    "postgres://" + pg.host() + ":" + pg.port() + "/postgres");
            FixedLocator locator = new FixedLocator("shop", Optional.of(endpoint), List.of());
            HikariConfig hikari = new HikariConfig();
            hikari.setMaximumPoolSize(2);
            try (PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator).hikari(hikari)
                    .user("postgres").password("").build())) {
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    s.setQueryTimeout(1);
                    assertThatThrownBy(() -> s.executeUpdate("INSERT INTO orders VALUES (1)"))
                            .isInstanceOf(TransactionStateUnknownException.class)
                            .hasMessageContaining("is only local")
                            .hasMessageContaining("canceling wait for synchronous replication");
                }
                try (Connection c = ds.getConnection()) {
                    c.setAutoCommit(false);
                    try (PreparedStatement insert = c.prepareStatement("INSERT INTO orders VALUES (2)")) {
                        insert.executeUpdate();
                    }
                    CompletableFuture<Void> cancel = CompletableFuture.runAsync(() -> {
                        Await.until("the commit waits for a synchronous standby", Duration.ofSeconds(20),
                                () -> !pg.query("SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep'")
                                        .isEmpty());
                        pg.execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
                    });
                    assertThatThrownBy(c::commit).isInstanceOf(TransactionStateUnknownException.class)
                            .hasMessageContaining("is only local");
                    cancel.get(30, TimeUnit.SECONDS);
                }
                // Both are committed on the primary alone: exactly what a failover now would lose.
                assertThat(pg.query("SELECT count(*) FROM orders")).containsExactly(List.of("2"));
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    s.execute("SET synchronous_commit = local");
                    assertThat(s.executeUpdate("INSERT INTO orders VALUES (3)")).as("no wait, no warning").isOne();
                }
            }
        }
    }
}
