package io.hapg.core.decision;

import static io.hapg.core.testing.Clusters.member;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.decision.Takeover.Problem;
import io.hapg.core.model.ClusterView;
import io.hapg.core.testing.Clusters;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The takeover rule the leader and the REST API share; each reports its own first problem. */
class TakeoverTest {
    static final Predicate<String> ANYONE = name -> true;
    static final Predicate<String> ONLY_PG3 = "pg3"::equals;

    final ClusterView view = Clusters.healthy().member(member("pg2").stopped().nofailover()).build();

    @Test
    void aRunningReplicaThatMayFailOverCanTakeOver() {
        assertThat(Takeover.problems(view, "pg3", false, ANYONE)).isEmpty();
    }

    @Test
    void reportsEveryProblemInOrder() {
        assertThat(Takeover.problems(view, "pg2", false, ONLY_PG3))
                .containsExactly(Problem.NOT_RUNNING, Problem.NOFAILOVER, Problem.NOT_SYNCHRONOUS);
        assertThat(Takeover.problems(view, "pg9", false, ONLY_PG3))
                .containsExactly(Problem.NO_SUCH_MEMBER, Problem.NOT_SYNCHRONOUS);
    }

    @Test
    void aManualFailoverMayGoToAnAsynchronousStandby() {
        Set<Problem> problems = Takeover.problems(Clusters.withHealthyLeader(), "pg2", true, ONLY_PG3);
        assertThat(problems).isEmpty();
    }
}
