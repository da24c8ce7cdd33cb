package io.hapg.postgres;

import static io.hapg.postgres.TestNodes.await;
import static io.hapg.postgres.TestNodes.awaitCaughtUp;
import static io.hapg.postgres.TestNodes.member;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.SynchronousStandbyNames.Method;
import io.hapg.core.spi.DatabaseNode.StopMode;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Commits wait for the synchronous standby; in strict mode they block until another one is named.
 * In quorum commit ({@code ANY n}) they wait for any n of the named standbys.
 */
@Timeout(240)
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
        List<PostgresNode> cluster = cluster("n1", "n2", "n3");
        PostgresNode n1 = cluster.get(0);
        PostgresNode n2 = cluster.get(1);
        PostgresNode n3 = cluster.get(2);

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

    /**
     * Quorum commit ({@link PostgresNode#setQuorumStandbys}): with {@code ANY 2 (n2,n3,n4)} a commit
     * returns while any two of the three standbys stream, waits when only one is left, and returns
     * once a standby comes back or the setting asks for fewer.
     */
    @Test
    void anyTwoOfThreeStandbysConfirmEachCommit() throws Exception {
        List<PostgresNode> cluster = cluster("n1", "n2", "n3", "n4");
        PostgresNode n1 = cluster.get(0);
        PostgresNode n3 = cluster.get(2);
        PostgresNode n4 = cluster.get(3);

        n1.setQuorumStandbys(2, List.of("n4", "n2", "n3"));
        assertThat(TestNodes.value(n1, "SHOW synchronous_standby_names")).isEqualTo("ANY 2 (\"n2\",\"n3\",\"n4\")");
        assertThat(n1.probe().synchronousSetting().isAnyOf(2, List.of("n2", "n3", "n4"))).isTrue();
        assertThat(n1.probe().synchronousSetting().method()).isEqualTo(Method.ANY);
        await("the three standbys are quorum standbys", Duration.ofSeconds(10), () -> n1.probe().replication()
                .stream().filter(p -> p.syncState().equals("quorum")).count() == 3);
        commit(n1, 1).get(10, TimeUnit.SECONDS);

        cluster.get(1).stop(StopMode.FAST);
        commit(n1, 2).get(10, TimeUnit.SECONDS); // n3 and n4 still make two
        n3.stop(StopMode.FAST);
        CompletableFuture<Void> blocked = commit(n1, 3);
        Thread.sleep(BLOCKED_FOR.toMillis()); // proving that something does NOT happen takes a wait
        assertThat(blocked).as("ANY 2 with only n4 streaming: the commit waits").isNotDone();

        n3.start(Optional.of(member(n1)));
        blocked.get(30, TimeUnit.SECONDS);
        awaitCaughtUp(n4, n1);
        assertThat(TestNodes.value(n4, "SELECT count(*) FROM t")).isEqualTo("3");

        n3.stop(StopMode.FAST);
        CompletableFuture<Void> again = commit(n1, 4);
        Thread.sleep(BLOCKED_FOR.toMillis());
        assertThat(again).as("one standby again: the commit waits").isNotDone();
        n1.setQuorumStandbys(1, List.of("n2", "n3", "n4"));
        again.get(10, TimeUnit.SECONDS);
        assertThat(TestNodes.value(n1, "SHOW synchronous_standby_names")).isEqualTo("ANY 1 (\"n2\",\"n3\",\"n4\")");

        n1.setQuorumStandbys(0, List.of());
        assertThat(n1.probe().synchronousSetting().names()).isEmpty();
    }

    /** The first name bootstrapped as primary with table {@code t}, the others cloned from it and streaming. */
    private List<PostgresNode> cluster(String... names) {
        List<PostgresNode> out = new java.util.ArrayList<>();
        for (String name : names) {
            out.add(nodes.node(name));
        }
        PostgresNode primary = out.get(0);
        primary.bootstrap();
        primary.ensureSlots(Set.of(names));
        out.subList(1, out.size()).forEach(standby -> standby.cloneFrom(member(primary)));
        TestNodes.execute(primary, "CREATE TABLE t (v int)");
        return out;
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
