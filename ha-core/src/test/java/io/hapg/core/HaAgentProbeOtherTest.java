package io.hapg.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.config.HaConfig;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Member;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.testing.FakeDatabaseNode;
import io.hapg.core.testing.InMemoryStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent hands {@code POST /hapg/probe-leader}'s probe ({@code NodeControl.probeOther}) to its database node. */
class HaAgentProbeOtherTest {

    @Test
    void theProbeIsTheDatabaseNodesProbe() {
        FakeDatabaseNode fake = FakeDatabaseNode.standalone("n1");
        List<Object> asked = new ArrayList<>();
        DatabaseNode database = (DatabaseNode) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DatabaseNode.class}, (proxy, method, args) -> {
                    if (method.getName().equals("probeOther")) {
                        asked.add(args[0]);
                        asked.add(args[1]);
                        return LeaderProbe.Outcome.NOT_ANSWERING;
                    }
                    try {
                        return method.invoke(fake, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        HaConfig config = HaConfig.builder().scope("demo").name("n1").build();
        Member leader = Member.of("n0", "postgres://n0:5432/postgres", "http://n0:8008/patroni");
        try (HaAgent agent = HaAgent.builder(config, InMemoryStore.create().member("n1"), database).build()) {
            assertThat(agent.probeOther(leader, Duration.ofMillis(700))).isEqualTo(LeaderProbe.Outcome.NOT_ANSWERING);
        }
        assertThat(asked).containsExactly(leader, Duration.ofMillis(700));
    }
}
