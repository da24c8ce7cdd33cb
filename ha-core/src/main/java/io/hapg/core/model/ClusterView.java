package io.hapg.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One consistent read of the cluster's keys in the consensus store, taken at {@link #revision()}.
 * Immutable: the agent loads one per loop iteration and every decision is made against it.
 *
 * @param revision       the store revision the read observed
 * @param initialize     the {@code initialize} key: empty when absent; present with an empty string
 *                       while the winner of the bootstrap race is still running initdb; else the
 *                       database system identifier
 * @param leader         the leader key
 * @param members        {@code members/*}, by name, in name order
 * @param config         the {@code config} key; empty when absent (the bootstrap config applies) or
 *                       unreadable ({@link #configUnreadable()})
 * @param configRevision modification revision of {@code config}, for compare-and-set (0 if absent)
 * @param sync           the {@code sync} key
 * @param failover       the {@code failover} key
 * @param history        the {@code history} key
 * @param status         the {@code status} key
 * @param failsafe       the {@code failsafe} key: member name to api_url; empty when absent
 */
public record ClusterView(
        long revision,
        Optional<String> initialize,
        Optional<Leader> leader,
        Map<String, Member> members,
        Optional<DynamicConfig> config,
        long configRevision,
        SyncState sync,
        Optional<FailoverRequest> failover,
        List<HistoryEntry> history,
        ClusterStatus status,
        Optional<Map<String, String>> failsafe) {

    public ClusterView {
        Objects.requireNonNull(initialize, "initialize");
        Objects.requireNonNull(leader, "leader");
        members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(sync, "sync");
        Objects.requireNonNull(failover, "failover");
        history = List.copyOf(history);
        Objects.requireNonNull(status, "status");
        failsafe = failsafe.map(Map::copyOf);
    }

    /** A store with no keys for this cluster at all. */
    public static ClusterView empty() {
        return new ClusterView(0, Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), 0,
                SyncState.EMPTY, Optional.empty(), List.of(), ClusterStatus.EMPTY, Optional.empty());
    }

    public Optional<Member> member(String name) {
        return Optional.ofNullable(members.get(name));
    }

    /**
     * The database system identifier the {@code initialize} key holds, if it holds one (Patroni's
     * {@code sysid_valid}: ten digits or more). Garbage there is no identifier: it must neither make
     * every data directory look foreign nor, being present, let anyone bootstrap again.
     */
    public Optional<String> systemIdentifier() {
        return initialize.filter(ClusterView::isSystemIdentifier);
    }

    /** Whether {@code text} can be a PostgreSQL system identifier: ten decimal digits or more. */
    public static boolean isSystemIdentifier(String text) {
        return text.length() >= 10 && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** The leader's member record, when the leader key is held and its member key exists. */
    public Optional<Member> leaderMember() {
        return leader.flatMap(l -> member(l.name()));
    }

    public boolean isLeader(String name) {
        return leader.map(l -> l.name().equals(name)).orElse(false);
    }

    /** The highest timeline the history knows of: the last entry's timeline + 1, or 0. */
    public int clusterTimeline() {
        return history.isEmpty() ? 0 : history.get(history.size() - 1).timeline() + 1;
    }

    /** The settings in force: the {@code config} key, or {@code bootstrap} when it is absent. */
    public DynamicConfig effectiveConfig(DynamicConfig bootstrap) {
        return config.orElse(bootstrap);
    }

    /** Whether the {@code config} key exists but holds nothing readable as a configuration. */
    public boolean configUnreadable() {
        return config.isEmpty() && configRevision != 0;
    }

    /**
     * This view with {@code replacement} as the configuration, {@link #configRevision()} kept: a
     * compare-and-set still targets the key as stored.
     */
    public ClusterView withConfig(DynamicConfig replacement) {
        return new ClusterView(revision, initialize, leader, members, Optional.of(replacement), configRevision,
                sync, failover, history, status, failsafe);
    }

    public ClusterView withLeader(Optional<Leader> newLeader) {
        return new ClusterView(revision, initialize, newLeader, members, config, configRevision, sync, failover,
                history, status, failsafe);
    }
}
