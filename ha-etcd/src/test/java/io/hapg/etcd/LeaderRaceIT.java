package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Leader;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Five agents race for the free leader key 200 times: exactly one wins each round, never two. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LeaderRaceIT {
    private static final int CONTENDERS = 5;
    private static final int ROUNDS = 200;

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void exactlyOneOfFiveContendersWinsEachOfTwoHundredRounds() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1)) {
            logs.watch(etcd);
            String scope = EtcdTestSupport.freshScope("race");
            List<EtcdConsensus> agents = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(CONTENDERS);
            try {
                for (int i = 0; i < CONTENDERS; i++) {
                    agents.add(new EtcdConsensus(EtcdTestSupport.config(etcd, scope, "n" + i)
                            .ttl(Duration.ofSeconds(10)).build()));
                }
                int[] wins = new int[CONTENDERS];
                long start = System.nanoTime();
                for (int round = 0; round < ROUNDS; round++) {
                    CountDownLatch go = new CountDownLatch(1);
                    List<Future<Boolean>> results = new ArrayList<>();
                    for (EtcdConsensus agent : agents) {
                        results.add(pool.submit(() -> {
                            go.await();
                            return agent.tryAcquireLeader();
                        }));
                    }
                    go.countDown();
                    int winner = -1;
                    for (int i = 0; i < CONTENDERS; i++) {
                        if (results.get(i).get(30, TimeUnit.SECONDS)) {
                            assertThat(winner).as("round %d: n%d and n%d both won", round, winner, i).isEqualTo(-1);
                            winner = i;
                        }
                    }
                    assertThat(winner).as("round %d: nobody won", round).isNotNegative();
                    wins[winner]++;
                    ClusterView view = agents.get((winner + 1) % CONTENDERS).read();
                    assertThat(view.leader()).map(Leader::name).contains("n" + winner);
                    for (int i = 0; i < CONTENDERS; i++) {
                        assertThat(agents.get(i).renewLeader(io.hapg.core.model.ClusterStatus.EMPTY))
                                .as("round %d: n%d renews", round, i).isEqualTo(i == winner);
                    }
                    assertThat(agents.get(winner).releaseLeader()).isTrue();
                }
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                System.out.printf("leader race: %d rounds x %d contenders in %d ms, wins per member %s%n", ROUNDS,
                        CONTENDERS, ms, java.util.Arrays.toString(wins));
            } finally {
                pool.shutdownNow();
                agents.forEach(EtcdConsensus::close);
            }
        }
    }
}
