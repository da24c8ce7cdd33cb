package io.hapg.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Patroni's tag semantics that the decision engine reads. */
class TagsTest {
    @Test
    void syncPriorityZeroOrLessMeansNosyncAsInPatroni() {
        assertThat(Tags.of(Map.of("sync_priority", 0)).nosync()).isTrue();
        assertThat(Tags.of(Map.of("sync_priority", "-1")).nosync()).isTrue();
        assertThat(Tags.of(Map.of("sync_priority", 1)).nosync()).isFalse();
        assertThat(Tags.of(Map.of("nosync", true)).nosync()).isTrue();
        assertThat(Tags.NONE.nosync()).isFalse();
    }
}
