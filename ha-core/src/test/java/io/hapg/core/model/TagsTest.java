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

    @Test
    void theBooleanTagWinsOverItsPriorityWhenPresentAsInPatroni() {
        // Patroni: "Conflicting configuration between nosync: False and sync_priority: 0. Defaulting to nosync: False".
        assertThat(Tags.of(Map.of("nosync", false, "sync_priority", 0)).nosync()).isFalse();
        assertThat(Tags.of(Map.of("nosync", true, "sync_priority", 2)).nosync()).isTrue();
        assertThat(Tags.of(Map.of("nofailover", false, "failover_priority", 0)).nofailover()).isFalse();
        assertThat(Tags.of(Map.of("failover_priority", 0)).nofailover()).isTrue();
    }

    @Test
    void syncPriorityDefaultsToOneAndNosyncMeansZero() {
        assertThat(Tags.NONE.syncPriority()).isEqualTo(1);
        assertThat(Tags.of(Map.of("sync_priority", "3")).syncPriority()).isEqualTo(3);
        assertThat(Tags.of(Map.of("sync_priority", "high")).syncPriority()).isEqualTo(1);
        assertThat(Tags.of(Map.of("nosync", true, "sync_priority", 2)).syncPriority()).isZero();
        assertThat(Tags.of(Map.of("nosync", false, "sync_priority", 0)).syncPriority()).isZero();
    }
}
