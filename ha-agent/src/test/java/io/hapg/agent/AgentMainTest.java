package io.hapg.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.HaAgent;
import io.hapg.core.config.HaConfig;
import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.testing.FakeDatabaseNetwork;
import io.hapg.core.testing.FakeDatabaseNode;
import io.hapg.core.testing.InMemoryStore;
import io.hapg.testkit.Await;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The standalone agent's exit status, on the in-memory fakes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentMainTest {
    private static final DynamicConfig DCS = DynamicConfig.fromMap(Map.of("ttl", 10, "loop_wait", 1,
            "retry_timeout", 3));

    @Test
    void aDeadLoopMakesTheAgentExitNonZeroAfterFencingItsPrimary() throws Exception {
        InMemoryStore store = InMemoryStore.builder().scope("shop").ttl(DCS.ttl()).build();
        FakeDatabaseNode database = new FakeDatabaseNetwork().node("n0");
        try (HaAgent agent = HaAgent.builder(HaConfig.builder().scope("shop").name("n0").bootstrapDcs(DCS).build(),
                store.member("n0"), database).build()) {
            agent.start();
            Await.until("n0 leads", Duration.ofSeconds(30),
                    () -> agent.status().map(s -> s.holdsLock() && database.probe().isRunningPrimary()).orElse(false));

            database.failNext("probe", new OutOfMemoryError("simulated"));
            agent.wake();
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                    () -> AgentMain.serve(agent, new CompletableFuture<Void>()));

            assertThat(exit.get(20, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(database.probe().process()).isEqualTo(ProcessState.STOPPED);
        }
    }

    @Test
    void aStopSignalExitsZero() throws Exception {
        InMemoryStore store = InMemoryStore.builder().scope("shop").ttl(DCS.ttl()).build();
        try (HaAgent agent = HaAgent.builder(HaConfig.builder().scope("shop").name("n0").bootstrapDcs(DCS).build(),
                store.member("n0"), new FakeDatabaseNetwork().node("n0")).build()) {
            agent.start();
            assertThat(AgentMain.serve(agent, CompletableFuture.completedFuture(null))).isZero();
        }
    }
}
