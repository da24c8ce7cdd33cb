package io.hapg.postgres;

import static io.hapg.postgres.TestNodes.member;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.spi.DatabaseNode.StopMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How long bootstrap, clone, promote and rewind take here: three rounds, medians printed. Not a
 * benchmark (fsync is off, data is tiny): the cost of the process and protocol steps themselves.
 */
@Timeout(180)
class TimingsIT {
    private static final int ROUNDS = 3;

    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private final List<TestNodes> all = new ArrayList<>();

    @AfterEach
    void stop() {
        all.forEach(TestNodes::close);
    }

    @Test
    void bootstrapClonePromoteRewindMedians() {
        Map<String, List<Long>> times = new LinkedHashMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            TestNodes nodes = logs.watch(new TestNodes());
            all.add(nodes);
            PostgresNode a = nodes.node("a");
            PostgresNode b = nodes.node("b");
            time(times, "bootstrap", a::bootstrap);
            TestNodes.execute(a, "CREATE TABLE t (v int); INSERT INTO t SELECT generate_series(1, 1000)");
            time(times, "clone", () -> b.cloneFrom(member(a)));
            TestNodes.awaitCaughtUp(b, a);
            time(times, "promote", b::promote);
            TestNodes.execute(a, "INSERT INTO t VALUES (-1)"); // diverge
            TestNodes.execute(b, "INSERT INTO t VALUES (-2)");
            a.stop(StopMode.FAST);
            time(times, "rewind", () -> a.rewind(member(b)));
            assertThat(a.probe().inRecovery()).isTrue();
            a.stop(StopMode.KILL);
            b.stop(StopMode.KILL);
        }
        StringBuilder table = new StringBuilder("PostgresNode timings on this machine (PostgreSQL "
                + "15, fsync off, " + ROUNDS + " rounds; each includes starting the server where the operation"
                + " does):\n");
        times.forEach((op, list) -> {
            List<Long> sorted = new ArrayList<>(list);
            Collections.sort(sorted);
            table.append(String.format("  %-10s median %5d ms   runs %s%n", op, sorted.get(sorted.size() / 2), list));
        });
        System.out.println(table);
    }

    private static void time(Map<String, List<Long>> times, String op, Runnable action) {
        long started = System.nanoTime();
        action.run();
        times.computeIfAbsent(op, k -> new ArrayList<>()).add((System.nanoTime() - started) / 1_000_000);
    }
}
