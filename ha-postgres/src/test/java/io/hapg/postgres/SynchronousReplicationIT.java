package io.hapg.postgres;

import static io.hapg.postgres.TestNodes.await;
import static io.hapg.postgres.TestNodes.awaitCaughtUp;
import static io.hapg.postgres.TestNodes.member;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.spi.DatabaseNode.StopMode;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Commits wait for the synchronous standby; in strict mode they block until another one is named. */
@Timeout(120)
class SynchronousReplicationIT {
    private static final Duration BLOCKED_FOR = Duration.ofMillis(1500);

    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private final TestNodes nodes = logs.watch(new TestNodes());
    private final ExecutorService committer = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        committer.shutdownNow();
        nodes.close();
    }

    @Test
    void commitsWaitForTheSyncStandbyBlockWithoutItAndResumeWithAnother() throws Exception {
        PostgresNode n1 = nodes.node("n1");
        PostgresNode n2 = nodes.node("n2");
        PostgresNode n3 = nodes.node("n3");
        n1.bootstrap();
        n1.ensureSlots(Set.of("n1", "n2", "n3"));
        n2.cloneFrom(member(n1));
        n3.cloneFrom(member(n1));
        TestNodes.execute(n1, "CREATE TABLE t (v int)");

        n1.setSynchronousStandbys(List.of("n2"), true);
        assertThat(n1.probe().synchronousStandbys()).containsExactly("n2");
        await("n2 is the sync standby", Duration.ofSeconds(10), () -> n1.probe().replication().stream()
                .anyMatch(p -> p.applicationName().equals("n2") && p.syncState().equals("sync")));
        commit(n1, 1).get(10, TimeUnit.SECONDS); // n2 streams: the commit returns
        assertThat(TestNodes.value(n2, "SELECT count(*) FROM t WHERE v = 1"))
                .as("a synchronous commit is flushed on n2 (and, replay being immediate here, visible)")
                .isIn("0", "1");

        n2.stop(StopMode.FAST);
        CompletableFuture<Void> blocked = commit(n1, 2);
        Thread.sleep(BLOCKED_FOR.toMillis()); // proving that something does NOT happen takes a wait
        assertThat(blocked).as("strict: the commit waits while its sync standby is down").isNotDone();

        long renamed = System.nanoTime();
        n1.setSynchronousStandbys(List.of("n3"), true);
        blocked.get(10, TimeUnit.SECONDS);
        System.out.println("blocked commit returned " + (System.nanoTime() - renamed) / 1_000_000
                + " ms after n3 was made synchronous");
        awaitCaughtUp(n3, n1);
        assertThat(TestNodes.value(n3, "SELECT count(*) FROM t")).isEqualTo("2");

        n1.setSynchronousStandbys(List.of(), true); // strict and nobody left: the placeholder
        assertThat(n1.probe().synchronousStandbys()).isEmpty();
        CompletableFuture<Void> placeholder = commit(n1, 3);
        Thread.sleep(BLOCKED_FOR.toMillis());
        assertThat(placeholder).as("strict with no standby: commits wait").isNotDone();
        n1.setSynchronousStandbys(List.of(), false);
        placeholder.get(10, TimeUnit.SECONDS);
    }

    private CompletableFuture<Void> commit(PostgresNode primary, int v) {
        return CompletableFuture.runAsync(() -> {
            try (Connection c = TestNodes.connect(primary, 60); Statement s = c.createStatement()) {
                s.execute("INSERT INTO t VALUES (" + v + ")");
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }, committer);
    }
}
