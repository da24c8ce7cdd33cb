package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.zaxxer.hikari.HikariConfig;
import io.hapg.testkit.Await;
import io.hapg.testkit.LocalPostgres;
import io.hapg.testkit.ProcessLogs;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.hibernate.exception.LockAcquisitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Issue #17, item 7: the pool's error contract as a Spring application sees it, on a real primary
 * and its streaming replica that the test promotes, with a locator flipped by hand. A switch inside
 * a {@code TransactionTemplate} is a {@link TransactionRolledBackException}, which
 * {@code JdbcTemplate} makes a {@link TransientDataAccessException}, so the README's retry loop runs
 * the transaction again and commits it on the new primary; a switch during the commit is a
 * {@link TransactionStateUnknownException} ({@link RecoverableDataAccessException}, through
 * {@code DataSourceTransactionManager} a {@code TransactionSystemException}: the loop does not retry
 * it, and the commit did land on the old primary); a switch under an auto-commit
 * statement is a {@link ConnectionFailoverException}; and result sets and metadata fail with the
 * same types as statements (they leaked the driver's raw 08003/08006). Through Hibernate and
 * Spring's JPA translation (what {@code @Repository} and Spring Data apply) the switch inside a
 * transaction is a {@link TransientDataAccessException} too, and the same loop retries it; during
 * the commit it is a {@link RecoverableDataAccessException}. Without a primary,
 * {@code getConnection()}'s timeout is Spring's "cannot get a connection / create a transaction".
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SpringRetryRecipeIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    /** The README's recipe: run the transaction again on a transient error, a few times. */
    static <T> T retryTransient(int attempts, Supplier<T> transaction) {
        for (int attempt = 1; ; attempt++) {
            try {
                return transaction.get();
            } catch (TransientDataAccessException e) {
                if (attempt >= attempts) {
                    throw e;
                }
            }
        }
    }

    @Test
    void aSwitchGivesTheDocumentedExceptionTypesAndTheRetryLoopCommitsOnTheNewPrimary() throws Exception {
        try (LocalPostgres pg1 = LocalPostgres.builder().name("pg1").createPrimary().start()) {
            logs.watch(pg1);
            pg1.execute("CREATE TABLE orders (id bigint PRIMARY KEY)");
            try (LocalPostgres pg2 = LocalPostgres.builder().name("pg2").createReplicaOf(pg1).start();
                 SettableLocator locator = new SettableLocator("shop")) {
                logs.watch(pg2);
                locator.pointAt("pg1", pg1);
                HikariConfig hikari = new HikariConfig();
                hikari.setMaximumPoolSize(3);
                hikari.setConnectionTimeout(15_000);
                try (PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator)
                        .hikari(hikari).user("postgres").build())) {
                    JdbcTemplate jdbc = new JdbcTemplate(ds);
                    TransactionTemplate tx = new TransactionTemplate(new JdbcTransactionManager(ds));
                    aSwitchInsideATransactionIsTransientAndRetried(pg1, pg2, locator, ds, jdbc, tx);
                    // pg2 -> pg1 during commit: unknown, not retried.
                    assertThat(commitDuringSwitch(pg2, "pg1", pg1, locator, ds, tx,
                            () -> jdbc.update("INSERT INTO orders VALUES (2)"), 2))
                            .isExactlyInstanceOf(RecoverableDataAccessException.class)
                            .cause().isExactlyInstanceOf(TransactionStateUnknownException.class)
                            .hasMessageContaining("during commit");
                    aSwitchUnderAnAutoCommitStatementIsRecoverable(pg1, pg2, locator, jdbc);
                    resultSetsAndMetadataFailWithTheSameTypes(pg1, pg2, locator, ds);
                    try (JpaRecipe jpa = new JpaRecipe(ds)) {
                        throughJpaASwitchInsideATransactionIsTransientToo(pg1, pg2, locator, ds, jpa);
                        // pg2 -> pg1, then pg1 -> pg2 during commit, through the older transaction manager and JPA.
                        assertThat(commitDuringSwitch(pg2, "pg1", pg1, locator, ds,
                                new TransactionTemplate(new DataSourceTransactionManager(ds)),
                                () -> jdbc.update("INSERT INTO orders VALUES (6)"), 6))
                                .isExactlyInstanceOf(TransactionSystemException.class)
                                .cause().isExactlyInstanceOf(TransactionStateUnknownException.class);
                        Throwable jpaCommit = commitDuringSwitch(pg1, "pg2", pg2, locator, ds, null,
                                () -> jpa.inTransaction(em -> {
                                    em.persist(new JpaRecipe.PlacedOrder(7));
                                    em.flush();
                                    return 1;
                                }), 7);
                        assertThat(jpaCommit).isExactlyInstanceOf(RecoverableDataAccessException.class)
                                .cause().isExactlyInstanceOf(TransactionStateUnknownException.class);
                    }
                }
            }
        }
    }

    @Test
    void noPrimaryWithinConnectionTimeoutIsACannotGetOrCreate() {
        try (SettableLocator nowhere = new SettableLocator("shop")) {
            HikariConfig hikari = new HikariConfig();
            hikari.setConnectionTimeout(500);
            try (PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(nowhere)
                    .hikari(hikari).user("postgres").build())) {
                assertThatThrownBy(() -> new JdbcTemplate(ds).queryForObject("SELECT 1", Integer.class))
                        .isExactlyInstanceOf(CannotGetJdbcConnectionException.class)
                        .cause().isExactlyInstanceOf(SQLTransientConnectionException.class)
                        .hasMessageContaining("no primary for cluster shop within 500 ms");
                assertThatThrownBy(() -> new TransactionTemplate(new JdbcTransactionManager(ds)).execute(s -> 1))
                        .isExactlyInstanceOf(CannotCreateTransactionException.class)
                        .cause().isExactlyInstanceOf(SQLTransientConnectionException.class);
            }
        }
    }

    /** pg1 → pg2 (promoted) between two statements of a transaction. */
    private void aSwitchInsideATransactionIsTransientAndRetried(LocalPostgres pg1, LocalPostgres pg2,
            SettableLocator locator, PrimaryDataSource ds, JdbcTemplate jdbc, TransactionTemplate tx) {
        AtomicInteger attempts = new AtomicInteger();
        List<RuntimeException> failures = new ArrayList<>();
        Long count = retryTransient(3, () -> {
            try {
                return tx.execute(status -> {
                    int attempt = attempts.incrementAndGet();
                    jdbc.update("INSERT INTO orders VALUES (1)");
                    if (attempt == 1) {
                        int pid = jdbc.queryForObject("SELECT pg_backend_pid()", Integer.class);
                        pg2.execute("SELECT pg_promote(true, 60)");
                        switchTo("pg2", pg2, pg1, pid, locator, ds);
                    }
                    return jdbc.queryForObject("SELECT count(*) FROM orders", Long.class);
                });
            } catch (RuntimeException e) {
                failures.add(e);
                throw e;
            }
        });
        assertThat(count).isOne();
        assertThat(attempts).as("the first attempt failed, the retry committed").hasValue(2);
        assertThat(failures).singleElement()
                .isExactlyInstanceOf(PessimisticLockingFailureException.class)
                .isInstanceOf(TransientDataAccessException.class)
                .satisfies(e -> assertThat(e.getCause()).isExactlyInstanceOf(TransactionRolledBackException.class)
                        .hasMessageContaining("nothing of it was committed"));
        assertThat(pg2.query("SELECT count(*) FROM orders")).as("committed once, on the new primary")
                .containsExactly(List.of("1"));
        assertThat(pg1.query("SELECT count(*) FROM orders")).as("the first attempt was rolled back")
                .containsExactly(List.of("0"));
    }

    /**
     * {@code from} → {@code to} while {@code from} holds the commit of {@code work} (which inserts
     * order {@code id}) waiting for a synchronous standby that does not exist.
     *
     * @param tx the transaction around {@code work}; null when {@code work} makes its own
     * @return what the README's retry loop let through
     */
    private static Throwable commitDuringSwitch(LocalPostgres from, String toMember, LocalPostgres to,
            SettableLocator locator, PrimaryDataSource ds, TransactionTemplate tx, Supplier<Object> work, int id)
            throws Exception {
        setSynchronousStandby(from, "'nobody'");
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<Object> commit = CompletableFuture.supplyAsync(() -> retryTransient(3, () -> {
            attempts.incrementAndGet();
            return tx == null ? work.get() : tx.execute(status -> work.get());
        }));
        Await.until("the commit waits for a synchronous standby", Duration.ofSeconds(20),
                () -> !from.query("SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep'").isEmpty());
        // The backend keeps waiting (it does not read the socket), so only the client side sees the abort.
        follow(toMember, to, locator, ds);
        Throwable failure = catchThrowableOfType(ExecutionException.class, () -> commit.get(10, TimeUnit.SECONDS))
                .getCause();
        assertThat(attempts).as("an unknown outcome is not retried").hasValue(1);
        setSynchronousStandby(from, "''"); // releases the waiting commit
        Await.until("the commit is visible on " + from.name(), Duration.ofSeconds(10),
                () -> from.query("SELECT count(*) FROM orders WHERE id = " + id).equals(List.of(List.of("1"))));
        assertThat(to.query("SELECT count(*) FROM orders WHERE id = " + id)).as("committed on the old primary "
                + "alone: why the outcome is unknown").containsExactly(List.of("0"));
        return failure;
    }

    /** pg1 → pg2 under a running auto-commit statement. */
    private void aSwitchUnderAnAutoCommitStatementIsRecoverable(LocalPostgres pg1, LocalPostgres pg2,
            SettableLocator locator, JdbcTemplate jdbc) throws Exception {
        CompletableFuture<String> sleeping = CompletableFuture.supplyAsync(
                () -> jdbc.queryForObject("SELECT pg_sleep(60)::text", String.class));
        Await.until("the statement runs on pg1", Duration.ofSeconds(20), () -> !pg1.query(
                "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'").isEmpty());
        long start = System.nanoTime();
        locator.pointAt("pg2", pg2);
        // Without the pool's abort it would sleep its 60 s.
        assertThatThrownBy(() -> sleeping.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isExactlyInstanceOf(RecoverableDataAccessException.class)
                .cause().isExactlyInstanceOf(ConnectionFailoverException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms to fail the statement")
                .isLessThan(2000);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM orders", Long.class)).isEqualTo(2L);
    }

    /** pg2 → pg1 with a result set open, metadata and generated keys in hand. */
    private void resultSetsAndMetadataFailWithTheSameTypes(LocalPostgres pg1, LocalPostgres pg2,
            SettableLocator locator, PrimaryDataSource ds) throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            int pid;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
                assertThat(rs.getStatement()).as("a result set's statement is the wrapper").isSameAs(s);
            }
            PreparedStatement insert = c.prepareStatement("INSERT INTO orders VALUES (3)",
                    Statement.RETURN_GENERATED_KEYS);
            insert.executeUpdate();
            ResultSet keys = insert.getGeneratedKeys();
            assertThat(keys.getStatement()).as("generated keys' statement is the wrapper").isSameAs(insert);
            DatabaseMetaData metaData = c.getMetaData();
            assertThat(metaData.getConnection()).as("metadata's connection is the wrapper").isSameAs(c);
            PreparedStatement select = c.prepareStatement("SELECT g FROM generate_series(1, 100) g");
            select.setFetchSize(1); // a portal: every next() is a round trip
            ResultSet rows = select.executeQuery();
            assertThat(rows.next()).isTrue();
            switchTo("pg1", pg1, pg2, pid, locator, ds);
            assertThatThrownBy(rows::next).isExactlyInstanceOf(TransactionRolledBackException.class);
            assertThatThrownBy(() -> metaData.getTables(null, null, "orders", null))
                    .isExactlyInstanceOf(TransactionRolledBackException.class);
            assertThatThrownBy(c::commit).as("a commit after the failure cannot have committed anything")
                    .isExactlyInstanceOf(TransactionRolledBackException.class);
            c.rollback(); // returns: the server rolled it back when it lost the connection
        }
        assertThat(pg2.query("SELECT count(*) FROM orders WHERE id = 3")).containsExactly(List.of("0"));
    }

    /** pg1 → pg2 between two statements of a JPA transaction. */
    private void throughJpaASwitchInsideATransactionIsTransientToo(LocalPostgres pg1, LocalPostgres pg2,
            SettableLocator locator, PrimaryDataSource ds, JpaRecipe jpa) {
        AtomicInteger attempts = new AtomicInteger();
        List<RuntimeException> failures = new ArrayList<>();
        Number count = retryTransient(3, () -> {
            try {
                return jpa.inTransaction(em -> {
                    em.persist(new JpaRecipe.PlacedOrder(5));
                    em.flush();
                    if (attempts.incrementAndGet() == 1) {
                        int pid = ((Number) em.createNativeQuery("SELECT pg_backend_pid()").getSingleResult())
                                .intValue();
                        switchTo("pg2", pg2, pg1, pid, locator, ds);
                    }
                    return (Number) em.createNativeQuery("SELECT count(*) FROM orders WHERE id = 5").getSingleResult();
                });
            } catch (RuntimeException e) {
                failures.add(e);
                throw e;
            }
        });
        assertThat(count.longValue()).isOne();
        assertThat(attempts).as("the first attempt failed, the retry committed").hasValue(2);
        System.out.println("[ha-hikari] through JPA: " + describe(failures.get(0)));
        assertThat(failures).singleElement().isExactlyInstanceOf(CannotAcquireLockException.class)
                .isInstanceOf(TransientDataAccessException.class)
                .satisfies(e -> assertThat(e.getCause()).isExactlyInstanceOf(LockAcquisitionException.class)
                        .cause().isExactlyInstanceOf(TransactionRolledBackException.class));
        assertThat(pg2.query("SELECT count(*) FROM orders WHERE id = 5")).containsExactly(List.of("1"));
        assertThat(pg1.query("SELECT count(*) FROM orders WHERE id = 5")).containsExactly(List.of("0"));
    }

    private static String describe(Throwable t) {
        StringBuilder chain = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            chain.append(chain.length() == 0 ? "" : " <- ").append(c.getClass().getName());
        }
        return chain.toString();
    }

    /** Points the locator at {@code to} and waits until the pool's connection {@code pid} on {@code from} is gone. */
    private static void switchTo(String member, LocalPostgres to, LocalPostgres from, int pid, SettableLocator locator,
                                 PrimaryDataSource ds) {
        follow(member, to, locator, ds);
        Await.until("the pool aborted backend " + pid + " on " + from.name(), Duration.ofSeconds(20),
                () -> from.query("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid)
                        .equals(List.of(List.of("0"))));
    }

    /** Points the locator at {@code to} once it is writable and waits until the pool follows. */
    private static void follow(String member, LocalPostgres to, SettableLocator locator, PrimaryDataSource ds) {
        Await.until(member + " is writable", Duration.ofSeconds(60),
                () -> to.query("SELECT pg_is_in_recovery()").equals(List.of(List.of("f"))));
        locator.pointAt(member, to);
        Await.until("the pool follows " + member, Duration.ofSeconds(20),
                () -> ds.currentPrimary().map(p -> p.member().equals(member)).orElse(false));
    }

    private static void setSynchronousStandby(LocalPostgres pg, String names) {
        pg.execute("ALTER SYSTEM SET synchronous_standby_names = " + names);
        pg.execute("SELECT pg_reload_conf()");
        String expected = names.replace("'", "");
        Await.until("synchronous_standby_names reloaded", Duration.ofSeconds(10),
                () -> pg.query("SHOW synchronous_standby_names").equals(List.of(List.of(expected))));
    }
}
