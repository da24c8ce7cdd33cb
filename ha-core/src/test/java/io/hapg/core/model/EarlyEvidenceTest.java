package io.hapg.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The fast-failover memory across iterations: probes kept per leader and term, dropped when either changes. */
class EarlyEvidenceTest {
    private static final Leader PG1 = new Leader("pg1", 12, 7);
    private static final HeartbeatSeen SEEN = new HeartbeatSeen(100, Optional.of("pg1"), 7, 1_000);

    private static EarlyEvidence.Arrived arrived(String leader, long term, String by, long at) {
        return new EarlyEvidence.Arrived(leader, term, new LeaderProbe(by, LeaderProbe.Outcome.NOT_ANSWERING, at));
    }

    @Test
    void probesOfTheSameLeaderAndTermAccumulate() {
        EarlyEvidence one = EarlyEvidence.NONE.next(Optional.of(PG1), Optional.of(SEEN),
                List.of(arrived("pg1", 7, "pg2", 10)));
        EarlyEvidence two = one.next(Optional.of(PG1), Optional.of(SEEN), List.of(arrived("pg1", 7, "pg3", 20)));

        assertThat(two.seen()).contains(SEEN);
        assertThat(two.probes().orElseThrow().probes()).extracting(LeaderProbe::by).containsExactly("pg2", "pg3");
        assertThat(two.probes().orElseThrow().about(PG1)).isTrue();
    }

    @Test
    void aProbeOfAnotherLeaderOrTermIsDropped() {
        EarlyEvidence e = EarlyEvidence.NONE.next(Optional.of(PG1), Optional.of(SEEN),
                List.of(arrived("pg1", 6, "pg2", 10), arrived("pg3", 7, "pg2", 11)));
        assertThat(e.probes().orElseThrow().probes()).isEmpty();
    }

    @Test
    void aNewTermOrHolderStartsAfresh() {
        EarlyEvidence e = EarlyEvidence.NONE.next(Optional.of(PG1), Optional.of(SEEN),
                List.of(arrived("pg1", 7, "pg2", 10)));
        // An early takeover keeps the create revision: same term, another holder.
        EarlyEvidence taken = e.next(Optional.of(new Leader("pg2", 13, 7)), Optional.empty(), List.of());
        assertThat(taken.probes().orElseThrow().probes()).isEmpty();
        assertThat(taken.probes().orElseThrow().leader()).isEqualTo("pg2");
        EarlyEvidence again = e.next(Optional.of(new Leader("pg1", 20, 20)), Optional.of(SEEN), List.of());
        assertThat(again.probes().orElseThrow().probes()).isEmpty();
        assertThat(e.next(Optional.empty(), Optional.empty(), List.of())).isEqualTo(EarlyEvidence.NONE);
    }

    @Test
    void onlyTheNewestProbesAreKept() {
        EarlyEvidence e = EarlyEvidence.NONE;
        for (int i = 0; i < EarlyEvidence.KEEP + 10; i++) {
            e = e.next(Optional.of(PG1), Optional.of(SEEN), List.of(arrived("pg1", 7, "pg2", i)));
        }
        List<LeaderProbe> kept = e.probes().orElseThrow().probes();
        assertThat(kept).hasSize(EarlyEvidence.KEEP);
        assertThat(kept.get(kept.size() - 1).at()).isEqualTo(EarlyEvidence.KEEP + 9);
    }
}
