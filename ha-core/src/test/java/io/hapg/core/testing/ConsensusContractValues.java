package io.hapg.core.testing;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.SyncState;
import io.hapg.core.model.Tags;
import io.hapg.core.spi.ClusterKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * Values the {@link ConsensusContract} writes and expects back. They survive a JSON round trip
 * (whole-second instants, {@code int} numbers, string tags), because a real store serialises
 * them: an adapter must give back exactly these.
 */
final class ConsensusContractValues {
    private ConsensusContractValues() {
    }

    /** A member record with every field set. */
    static Member member(String name, String state) {
        return new Member(name, "postgres://" + name + ":5432/postgres", "http://" + name + ":8008/patroni", "replica",
                state, Optional.of(Lsn.parse("0/5000060")), Optional.of(Lsn.parse("0/5000060")),
                Optional.of(Lsn.parse("0/5000000")), 2, Optional.of("streaming"),
                Tags.of(Map.of("nofailover", false, "failover_priority", 2, "zone", "a")), "0.1.0");
    }

    static Stream<KeyCase<?>> allKeys() {
        return Stream.of(config(), initialize(), sync(), failover(), history(), failsafe());
    }

    static Stream<KeyCase<?>> keysWithRevision() {
        return Stream.of(config(), sync(), failover());
    }

    static KeyCase<DynamicConfig> config() {
        DynamicConfig first = DynamicConfig.fromMap(Map.of("ttl", 20, "loop_wait", 5, "retry_timeout", 5,
                "maximum_lag_on_failover", 1048576, "synchronous_mode", true,
                "postgresql", Map.of("use_pg_rewind", true, "parameters", Map.of("max_connections", 100)),
                "custom_key", "kept as is"));
        return new KeyCase<>(ClusterKey.CONFIG, first, first.with("pause", true), ClusterView::config,
                ClusterView::configRevision);
    }

    static KeyCase<String> initialize() {
        return new KeyCase<>(ClusterKey.INITIALIZE, "", "7300000000000000001", ClusterView::initialize, null);
    }

    static KeyCase<SyncState> sync() {
        return new KeyCase<>(ClusterKey.SYNC, new SyncState(Optional.of("n0"), List.of("n1"), 0),
                new SyncState(Optional.of("n0"), List.of("n1", "n2"), 1, 0),
                v -> v.sync().isEmpty() ? Optional.empty()
                        : Optional.of(new SyncState(v.sync().leader(), v.sync().syncStandbys(),
                                v.sync().quorum(), 0)),
                v -> v.sync().revision());
    }

    static KeyCase<FailoverRequest> failover() {
        return new KeyCase<>(ClusterKey.FAILOVER,
                new FailoverRequest(Optional.of("n0"), Optional.of("n1"), Optional.empty(), 0),
                new FailoverRequest(Optional.of("n0"), Optional.empty(),
                        Optional.of(Instant.parse("2030-01-02T03:04:05Z")), 0),
                v -> v.failover().map(f -> new FailoverRequest(f.leader(), f.candidate(), f.scheduledAt(), 0)),
                v -> v.failover().map(FailoverRequest::revision).orElse(0L));
    }

    static KeyCase<List<HistoryEntry>> history() {
        HistoryEntry one = new HistoryEntry(1, Lsn.parse("0/3000060"), "no recovery target specified",
                Optional.of("2024-01-01T00:00:00+00:00"), Optional.of("n1"));
        HistoryEntry two = new HistoryEntry(2, Lsn.parse("0/5000000"), "", Optional.empty(), Optional.empty());
        return new KeyCase<>(ClusterKey.HISTORY, List.of(one), List.of(one, two),
                v -> v.history().isEmpty() ? Optional.empty() : Optional.of(v.history()), null);
    }

    static KeyCase<Map<String, String>> failsafe() {
        return new KeyCase<>(ClusterKey.FAILSAFE, Map.of("n0", "http://n0:8008/patroni"),
                Map.of("n0", "http://n0:8008/patroni", "n1", "http://n1:8008/patroni"), ClusterView::failsafe, null);
    }

    /**
     * One compare-and-set key with two distinct values, how to read it back (revisions zeroed),
     * and where its modification revision shows in the view (null when the view has none).
     */
    record KeyCase<T>(ClusterKey<T> key, T first, T second, Function<ClusterView, Optional<T>> read,
                      ToLongFunction<ClusterView> revision) {
        @Override
        public String toString() {
            return key.name();
        }
    }
}
