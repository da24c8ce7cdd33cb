package io.hapg.core.internal;

import io.hapg.core.config.HaConfig;
import io.hapg.core.decision.Decision;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Leader;
import io.hapg.core.model.LocalState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.PermanentSlot;
import io.hapg.core.model.Role;
import io.hapg.core.model.SlotPlan;
import io.hapg.core.model.SyncState;
import io.hapg.core.spi.ClusterKey;
import io.hapg.core.spi.Consensus;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.spi.DatabaseUnavailableException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the leader keeps in the store and in PostgreSQL besides its lease, each iteration: the
 * replication slots of its members, the {@code initialize} and {@code config} keys when they are
 * missing, the {@code failsafe} key, and the {@code sync} key. Every one of these writes is
 * conditioned on the leader's term ({@link #write}). Loop thread only.
 */
final class LeaderKeys {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderKeys.class);
    private final HaConfig config;
    private final Consensus consensus;
    private final DatabaseNode database;
    private SlotPlan lastSlots;
    private Optional<Long> lastSlotsTerm = Optional.empty();
    /** What the last {@code ensureSlots} returned; {@link #slotPositions} is what of it gets published. */
    private Map<String, Lsn> ensuredPositions = Map.of();
    private Map<String, Lsn> slotPositions = Map.of();

    LeaderKeys(HaConfig config, Consensus consensus, DatabaseNode database) {
        this.config = config;
        this.consensus = consensus;
        this.database = database;
    }

    void keep(Decision decision, ClusterView view, LocalState local, DynamicConfig dynamic) {
        DatabaseState db = local.database();
        // A standby cluster's leader keeps its members' slots (they cascade from it) and the keys too.
        boolean standbyLeader = local.role() == Role.STANDBY_LEADER && db.isRunning() && db.inRecovery();
        if (!db.isRunningPrimary() && !standbyLeader) {
            lastSlots = null;
            ensuredPositions = Map.of();
            slotPositions = Map.of();
            return;
        }
        // The slots made in an earlier term may be gone when this node leads again: pg_rewind and a
        // re-clone drop them. So they are ensured afresh in every new term, not only when the set
        // changes (CI: a leader rewound and promoted again left a replica waiting for its slot for good).
        // With permanent slots, or member slots kept on replicas too (member_slots_ttl), every
        // iteration: their positions are published in the status key (replicas advance their
        // copies to them), and one dropped by hand is re-created.
        Optional<Long> term = term(view);
        SlotPlan plan = decision.slots();
        boolean moving = !plan.permanent().isEmpty() || publishesMemberSlots(dynamic) && !plan.memberSlots().isEmpty();
        if (dynamic.useSlots() && (moving || !plan.equals(lastSlots) || !term.equals(lastSlotsTerm))) {
            try {
                ensuredPositions = database.ensureSlots(plan);
                lastSlots = plan;
                lastSlotsTerm = term;
            } catch (DatabaseUnavailableException e) {
                // PostgreSQL busy or just thawed: the keys below do not depend on the slots, and the
                // next iteration ensures them again (lastSlots unchanged).
                LOG.warn("{}/{}: cannot keep the replication slots this iteration: {}", config.scope(),
                        config.name(), e.getMessage());
            }
        }
        slotPositions = dynamic.useSlots() ? published(ensuredPositions, plan, db, dynamic) : Map.of();
        Optional<String> init = view.initialize();
        if (view.systemIdentifier().isEmpty() && db.systemIdentifier().isPresent()) {
            // Absent, empty (initdb finished here) or garbage: the leader's data is the cluster's (Patroni too).
            if (init.isPresent() && !init.get().isEmpty()) {
                LOG.warn("{}/{}: the initialize key holds '{}', not a system identifier: writing mine ({})",
                        config.scope(), config.name(), shown(init.get()), db.systemIdentifier().get());
            }
            write(view, ClusterKey.INITIALIZE, -1, db.systemIdentifier());
        }
        if (view.config().isEmpty()) {
            write(view, ClusterKey.CONFIG, 0, Optional.of(config.bootstrapDcs()));
        }
        Optional<Map<String, String>> failsafe = dynamic.failsafeMode() ? Optional.of(failsafeMembers(view))
                : Optional.empty();
        if (!failsafe.equals(view.failsafe())) {
            write(view, ClusterKey.FAILSAFE, -1, failsafe);
        }
    }

    /**
     * Patroni 4 publishes every slot's position, members' included, once members' slots outlive
     * their keys ({@code member_slots_ttl} above 0): replicas then keep a slot for every member
     * and advance it to that position, so that a new primary already holds each member's WAL.
     */
    private static boolean publishesMemberSlots(DynamicConfig dynamic) {
        return !dynamic.memberSlotsTtl().isZero();
    }

    /**
     * What the status key gets of {@code positions}: the permanent slots', plus, when
     * {@link #publishesMemberSlots}, the members' and mine at this primary's WAL position (replicas
     * keep a slot for the leader too, Patroni's {@code update_lock}).
     */
    private Map<String, Lsn> published(Map<String, Lsn> positions, SlotPlan plan, DatabaseState db,
                                       DynamicConfig dynamic) {
        Map<String, Lsn> out = new TreeMap<>(positions);
        if (!publishesMemberSlots(dynamic)) {
            out.keySet().retainAll(plan.permanent().keySet());
            return Map.copyOf(out);
        }
        String mine = PermanentSlot.slotName(config.name());
        db.walPosition().ifPresent(lsn -> out.putIfAbsent(mine, lsn));
        return Map.copyOf(out);
    }

    /**
     * The slots' positions the last {@link #keep} published from this primary, for the
     * {@code status} key (Patroni's {@code slots} in {@code /status}); empty when not primary.
     */
    Map<String, Lsn> slotPositions() {
        return slotPositions;
    }

    /**
     * A write of the leader, conditioned on the term {@code view} shows this member leading in
     * (the leader key's create revision): a leader acting on a view its key has since moved on
     * from cannot write. Skipped when {@code view} does not show this member as the leader (it
     * just took the key, or lost it): the next iteration's view does.
     *
     * @return true if written; false if refused (logged by the consensus) or skipped
     */
    <T> boolean write(ClusterView view, ClusterKey<T> key, long expectedRevision, Optional<T> value) {
        Optional<Long> term = term(view);
        if (term.isEmpty()) {
            LOG.debug("{}/{}: not writing {}: the view does not show me as the leader", config.scope(),
                    config.name(), key);
            return false;
        }
        return consensus.compareAndSetAsLeader(term.get(), key, expectedRevision, value);
    }

    /** The term this member leads in according to {@code view}. */
    Optional<Long> term(ClusterView view) {
        return view.leader().filter(l -> l.name().equals(config.name())).map(Leader::term);
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

    /**
     * The sync key of {@code decision}, naming me as its leader, conditioned on the revision
     * {@code view} read; in quorum commit with the decision's quorum ({@link Decision#syncCount}).
     * Deleted instead when synchronous mode is off and no standby is left.
     */
    void writeSync(Decision decision, ClusterView view, DynamicConfig dynamic) {
        int quorum = dynamic.quorumCommit() ? decision.syncCount() : 0;
        Optional<SyncState> value = decision.syncStandbys().isEmpty() && !dynamic.synchronousMode()
                ? Optional.empty()
                : Optional.of(new SyncState(Optional.of(config.name()), decision.syncStandbys(), quorum, 0));
        write(view, ClusterKey.SYNC, view.sync().revision(), value);
    }

    /** A stored value for a log line: at most 60 characters, on one line. */
    private static String shown(String value) {
        String cut = value.length() > 60 ? value.substring(0, 60) + "..." : value;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
