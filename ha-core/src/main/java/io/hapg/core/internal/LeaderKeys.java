package io.hapg.core.internal;

import io.hapg.core.config.HaConfig;
import io.hapg.core.decision.Decision;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.SyncState;
import io.hapg.core.spi.ClusterKey;
import io.hapg.core.spi.Consensus;
import io.hapg.core.spi.DatabaseNode;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the leader keeps in the store and in PostgreSQL besides its lease, each iteration: the
 * replication slots of its members, the {@code initialize} and {@code config} keys when they are
 * missing, the {@code failsafe} key, and the {@code sync} key. Loop thread only.
 */
final class LeaderKeys {
    private final HaConfig config;
    private final Consensus consensus;
    private final DatabaseNode database;
    private Set<String> lastSlots;

    LeaderKeys(HaConfig config, Consensus consensus, DatabaseNode database) {
        this.config = config;
        this.consensus = consensus;
        this.database = database;
    }

    void keep(Decision decision, ClusterView view, LocalState local, DynamicConfig dynamic) {
        DatabaseState db = local.database();
        if (!db.isRunningPrimary()) {
            return;
        }
        if (dynamic.useSlots() && !decision.slots().equals(lastSlots)) {
            database.ensureSlots(decision.slots());
            lastSlots = decision.slots();
        }
        Optional<String> init = view.initialize();
        if ((init.isEmpty() || init.get().isEmpty()) && db.systemIdentifier().isPresent()) {
            consensus.compareAndSet(ClusterKey.INITIALIZE, -1, db.systemIdentifier());
        }
        if (view.config().isEmpty()) {
            consensus.compareAndSet(ClusterKey.CONFIG, 0, Optional.of(config.bootstrapDcs()));
        }
        Optional<Map<String, String>> failsafe = dynamic.failsafeMode() ? Optional.of(failsafeMembers(view))
                : Optional.empty();
        if (!failsafe.equals(view.failsafe())) {
            consensus.compareAndSet(ClusterKey.FAILSAFE, -1, failsafe);
        }
    }

    /**
     * Patroni's {@code failsafe} key: every member's name and api_url, kept by the leader while
     * {@code failsafe_mode} is on (deleted when off). During a store outage these are the members
     * that must confirm the primary, and only they may race for the key afterwards.
     */
    private Map<String, String> failsafeMembers(ClusterView view) {
        Map<String, String> members = new TreeMap<>();
        view.members().values().stream().filter(m -> !m.apiUrl().isEmpty())
                .forEach(m -> members.put(m.name(), m.apiUrl()));
        return members;
    }

    void writeSync(Decision decision, ClusterView view, DynamicConfig dynamic) {
        Optional<SyncState> value = decision.syncStandbys().isEmpty() && !dynamic.synchronousMode()
                ? Optional.empty()
                : Optional.of(new SyncState(Optional.of(config.name()), decision.syncStandbys(), 0));
        consensus.compareAndSet(ClusterKey.SYNC, view.sync().revision(), value);
    }
}
