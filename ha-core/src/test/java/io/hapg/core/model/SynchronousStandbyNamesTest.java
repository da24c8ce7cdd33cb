package io.hapg.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.SynchronousStandbyNames.Method;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Quorum commit's form of the setting, {@code ANY n (...)}, next to hapg's {@code FIRST n}. */
class SynchronousStandbyNamesTest {

    @Test
    void anyOfIsQuorumCommitsFormAndOnlyThat() {
        SynchronousStandbyNames any = SynchronousStandbyNames.anyOf(2, List.of("b", "c", "d"));
        assertThat(any.method()).isEqualTo(Method.ANY);
        assertThat(any.isAnyOf(2, List.of("d", "c", "b"))).as("order means nothing").isTrue();
        assertThat(any.isAnyOf(1, List.of("b", "c", "d"))).isFalse();
        assertThat(any.isAnyOf(2, List.of("b", "c"))).isFalse();
        assertThat(any.isAllOf(List.of("b", "c", "d"))).as("ANY 2 of three is not every one").isFalse();
        assertThat(SynchronousStandbyNames.allOf(List.of("b", "c")).isAnyOf(2, List.of("b", "c"))).isFalse();
        assertThat(SynchronousStandbyNames.anyOf(0, List.of())).isEqualTo(SynchronousStandbyNames.OFF);
        assertThat(SynchronousStandbyNames.OFF.isAnyOf(0, List.of())).isTrue();
    }

    @Test
    void anyOfRefusesACountOutsideItsNames() {
        assertThatThrownBy(() -> SynchronousStandbyNames.anyOf(0, List.of("b"))).hasMessageContaining("between 1 and 1");
        assertThatThrownBy(() -> SynchronousStandbyNames.anyOf(3, List.of("b", "c")))
                .hasMessageContaining("between 1 and 2");
    }

    @Test
    void syncKeyCarriesTheQuorum() {
        assertThat(new SyncState(java.util.Optional.of("a"), List.of("b"), 0).quorum()).isZero();
        assertThatThrownBy(() -> new SyncState(java.util.Optional.of("a"), List.of("b"), -1, 0))
                .hasMessageContaining("quorum must be >= 0");
    }
}
