package io.hapg.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.process.OsUser;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Primary plus streaming replica, crash and restart of the primary, freeze and thaw. Run in the
 * test JVM by {@link LocalPostgresIT}, and by {@link #main} in a child JVM as an unprivileged user
 * so that the code path without setpriv runs too.
 */
public final class PrimaryReplicaScenario {
    static final String PASSED = "PRIMARY-REPLICA SCENARIO PASSED";

    private PrimaryReplicaScenario() {
    }

    /** Exit code 0 and a last line starting with {@link #PASSED} when the scenario passed. */
    public static void main(String[] args) {
        try {
            run(owner -> { }, System.out);
            System.out.println(PASSED + " as " + OsUser.current());
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }

    static void run(Consumer<ProcessOwner> watch, PrintStream out) throws SQLException {
        try (LocalPostgres primary = timed(out, "initdb",
                () -> LocalPostgres.builder().name("primary").createPrimary())) {
            watch.accept(primary);
            step(out, "start primary", primary::start);
            primary.execute("CREATE TABLE items (id int PRIMARY KEY, label text)");
            try (LocalPostgres replica = timed(out, "pg_basebackup",
                    () -> LocalPostgres.builder().name("replica").createReplicaOf(primary, "replica_slot"))) {
                watch.accept(replica);
                step(out, "start replica", replica::start);
                assertThat(replica.query("SELECT pg_is_in_recovery()")).containsExactly(List.of("t"));

                primary.execute("INSERT INTO items VALUES (1, 'before crash')");
                step(out, "replicate row 1", () -> awaitRows(replica, 1));

                step(out, "kill primary", primary::kill);
                assertThat(primary.isRunning()).isFalse();
                step(out, "restart primary", primary::start);
                assertThat(primary.query("SELECT label FROM items WHERE id = 1"))
                        .containsExactly(List.of("before crash"));
                primary.execute("INSERT INTO items VALUES (2, 'after restart')");
                step(out, "replica reconnects, row 2", () -> awaitRows(replica, 2));

                freezeAndThaw(primary, out);
            }
        }
    }

    private static void freezeAndThaw(LocalPostgres primary, PrintStream out) throws SQLException {
        String url = primary.jdbcUrl() + "&connectTimeout=1&loginTimeout=1&socketTimeout=1";
        try (Connection open = DriverManager.getConnection(url); Statement statement = open.createStatement()) {
            primary.freeze();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> statement.executeQuery("SELECT 1")).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> DriverManager.getConnection(url).close()).isInstanceOf(SQLException.class);
            out.printf("frozen primary refused a query and a connection in %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            primary.thaw();
        }
        step(out, "ready after thaw", () -> primary.awaitReady(Duration.ofSeconds(10)));
        assertThat(primary.query("SELECT count(*) FROM items")).containsExactly(List.of("2"));
    }

    /** Polls the replica (bounded, 15 s) until it holds {@code count} rows. */
    private static void awaitRows(LocalPostgres replica, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        List<List<String>> rows = replica.query("SELECT count(*) FROM items");
        while (!rows.equals(List.of(List.of(Integer.toString(count))))) {
            assertThat(System.nanoTime()).as("replica rows %s, expected %d", rows, count).isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            rows = replica.query("SELECT count(*) FROM items");
        }
    }

    private static void step(PrintStream out, String step, Runnable action) {
        timed(out, step, () -> {
            action.run();
            return null;
        });
    }

    private static <T> T timed(PrintStream out, String step, Supplier<T> action) {
        long t0 = System.nanoTime();
        T result = action.get();
        out.printf("%-28s %5d ms%n", step, (System.nanoTime() - t0) / 1_000_000);
        return result;
    }
}
