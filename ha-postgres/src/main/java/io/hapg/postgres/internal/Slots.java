package io.hapg.postgres.internal;

import io.hapg.core.model.Lsn;
import io.hapg.core.model.PermanentSlot;
import io.hapg.core.model.SlotPlan;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication slots of one node (Patroni's {@code SlotsHandler}): the members' physical slots,
 * the permanent slots of the {@code slots} key, and nothing else physical.
 *
 * <p>Like Patroni, every physical slot that is neither wanted nor ignored is dropped: a slot
 * nobody consumes retains WAL until {@code pg_wal} fills the disk. Unlike Patroni, a logical
 * slot outside the plan is never dropped (Patroni drops it unless {@code ignore_slots} covers it:
 * hapg never did, and dropping a consumer's logical slot loses its position for good). A slot
 * still in use (a walsender is attached) cannot be dropped; it is skipped and retried on the next
 * call.
 */
public final class Slots {
    private static final Logger LOG = LoggerFactory.getLogger(Slots.class);

    private static final String OBJECT_IN_USE = "55006";
    private static final String UNDEFINED_OBJECT = "42704";
    private static final String DUPLICATE_OBJECT = "42710";
    /** {@code undefined_file}: what advancing a slot says when the WAL it needs is gone. */
    private static final String WAL_GONE = "58P01";
    private static final String SLOTS_SQL = "SELECT slot_name, slot_type, database, plugin, active,"
            + " restart_lsn::text, confirmed_flush_lsn::text, xmin IS NOT NULL"
            + " FROM pg_catalog.pg_replication_slots WHERE NOT temporary";

    /** Opens a connection to one database of the local server, for a logical slot. */
    @FunctionalInterface
    public interface DatabaseConnector {
        /**
         * A new connection to {@code database}, bounded by the query timeout; the caller closes it.
         *
         * @throws SQLException when the database does not exist or does not answer
         */
        Connection connect(String database) throws SQLException;
    }

    private record Present(String name, String type, Optional<String> database, Optional<String> plugin,
                           boolean active, Optional<Lsn> restartLsn, Optional<Lsn> confirmedFlushLsn, boolean xmin) {
        static Present of(List<String> row) {
            return new Present(row.get(0), row.get(1), Optional.ofNullable(row.get(2)), Optional.ofNullable(row.get(3)),
                    "t".equals(row.get(4)), Optional.ofNullable(row.get(5)).map(Lsn::parse),
                    Optional.ofNullable(row.get(6)).map(Lsn::parse), "t".equals(row.get(7)));
        }

        /** Patroni's {@code compare_slots}: same type, and for a logical one the same database and plugin. */
        boolean sameAs(PermanentSlot slot) {
            return type.equals(slot.type())
                    && (!slot.logical() || database.equals(slot.database()) && plugin.equals(slot.plugin()));
        }

        Optional<Lsn> position() {
            return "logical".equals(type) ? confirmedFlushLsn : restartLsn;
        }
    }

    private Slots() {
    }

    /** Patroni's slot name for a member: {@link PermanentSlot#slotName}. */
    public static String slotName(String member) {
        return PermanentSlot.slotName(member);
    }

    /**
     * Keeps the slots of {@code plan} on this node (see {@code DatabaseNode#ensureSlots}):
     * {@code ignored} are further physical slot names never dropped (the node's own setting).
     *
     * @param databases opens a connection to a database, for creating a logical slot (primary) or
     *                  advancing one (replica)
     * @return the positions of the plan's slots (member and permanent) present afterwards; on a
     *         replica, a logical slot whose advance found its WAL gone is left out (it must be
     *         copied again)
     */
    public static Map<String, Lsn> ensure(Connection connection, DatabaseConnector databases, String member,
                                          SlotPlan plan, Set<String> ignored) throws SQLException {
        Set<String> members = new TreeSet<>(plan.memberSlots());
        members.remove(slotName(member));
        Map<String, Present> present = read(connection);
        for (Present slot : List.copyOf(present.values())) {
            PermanentSlot permanent = plan.permanent().get(slot.name());
            String why;
            if (permanent != null && plan.idleMemberSlots().contains(slot.name()) && slot.xmin() && !slot.active()) {
                why = "nobody streams through it here but it has an xmin, which would hold back the primary's"
                        + " vacuum; it is made again";
            } else if (permanent != null) {
                if (slot.sameAs(permanent)) {
                    continue;
                }
                why = "it is permanent as " + describe(permanent) + " but is " + describe(slot);
            } else if ("logical".equals(slot.type()) || members.contains(slot.name())
                    || ignored.contains(slot.name())
                    || plan.ignores(slot.name(), slot.type(), slot.database(), slot.plugin())) {
                continue;
            } else {
                why = "no member uses it and it is not permanent";
            }
            if (slot.active()) {
                LOG.warn("{} - slot {} is in use; dropping it later: {}", member, slot.name(), why);
            } else if (drop(connection, slot.name())) {
                LOG.info("{} - dropped replication slot {}: {}", member, slot.name(), why);
                present.remove(slot.name());
            }
        }
        boolean created = false;
        for (String slot : members) {
            if (!present.containsKey(slot)) {
                create(connection, slot);
                created = true;
                LOG.info("{} - created replication slot {} for member", member, slot);
            }
        }
        for (PermanentSlot slot : plan.permanent().values()) {
            if (present.containsKey(slot.name())) {
                continue;
            }
            if (!slot.logical()) {
                create(connection, slot.name());
                created = true;
                LOG.info("{} - created permanent replication slot {}", member, slot.name());
            } else if (plan.primary()) {
                createLogical(databases, slot);
                created = true;
                LOG.info("{} - created permanent replication slot {} ({})", member, slot.name(), describe(slot));
            }
        }
        Advanced advanced = plan.primary() ? Advanced.NOTHING : advance(connection, databases, member,
                plan, present);
        Set<String> stale = advanced.stale();
        // Read again only when something moved: an idle replica reads pg_replication_slots once per loop.
        Collection<Present> after = created || advanced.moved() ? read(connection).values() : present.values();
        Map<String, Lsn> positions = new LinkedHashMap<>();
        for (Present slot : after) {
            boolean kept = plan.permanent().containsKey(slot.name()) || members.contains(slot.name());
            if (kept && !stale.contains(slot.name())) {
                slot.position().ifPresent(lsn -> positions.put(slot.name(), lsn));
            }
        }
        return positions;
    }

    /**
     * On a replica: moves each permanent slot up to the primary's published position, as Patroni
     * does, so that after a failover the slot retains no more WAL than the primary's did and a
     * logical one (a copy of the primary's) decodes from where its consumer confirmed. PostgreSQL
     * caps the move at the replay position. A logical slot is advanced in its own database (the
     * only place PostgreSQL allows it), which decodes the WAL in between. A failure is logged
     * and retried next time.
     *
     * <p>A slot created in this iteration is not in {@code now}: the next iteration advances it.
     *
     * @param now the slots present, as read in this iteration
     * @return the slots whose advance found the WAL they need gone (copies that must be made
     *         again), and whether any slot was advanced
     */
    private static Advanced advance(Connection connection, DatabaseConnector databases, String member,
                                    SlotPlan plan, Map<String, Present> now) {
        Set<String> stale = new TreeSet<>();
        boolean[] moved = {false};
        plan.positions().forEach((name, target) -> {
            Present slot = now.get(name);
            PermanentSlot permanent = plan.permanent().get(name);
            if (slot == null || permanent == null || !slot.sameAs(permanent) || slot.position().isEmpty()
                    || slot.position().get().compareTo(target) >= 0) {
                return;
            }
            String sql = "SELECT pg_catalog.pg_replication_slot_advance(" + Jdbc.literal(name) + ", "
                    + Jdbc.literal(target.toString()) + "::pg_catalog.pg_lsn)";
            try {
                if (permanent.logical()) {
                    try (Connection c = databases.connect(permanent.database().get())) {
                        Jdbc.execute(c, sql);
                    }
                } else {
                    Jdbc.execute(connection, sql);
                }
                moved[0] = true;
                LOG.debug("{} - advanced replication slot {} towards {}", member, name, target);
            } catch (SQLException e) {
                // Patroni's words, so that the same alerts match
                LOG.warn("{} - Failed to advance {} replication slot '{}' to {}: {}", member, slot.type(), name,
                        target, e.getMessage());
                if (permanent.logical() && WAL_GONE.equals(e.getSQLState())) {
                    stale.add(name);
                }
            }
        });
        return new Advanced(stale, moved[0]);
    }

    /** What {@link #advance} did. */
    private record Advanced(Set<String> stale, boolean moved) {
        static final Advanced NOTHING = new Advanced(Set.of(), false);
    }

    private static Map<String, Present> read(Connection connection) throws SQLException {
        Map<String, Present> present = new LinkedHashMap<>();
        for (List<String> row : Jdbc.query(connection, SLOTS_SQL)) {
            present.put(row.get(0), Present.of(row));
        }
        return present;
    }

    private static String describe(PermanentSlot slot) {
        return slot.logical() ? "logical, database " + slot.database().get() + ", plugin " + slot.plugin().get()
                : "physical";
    }

    private static String describe(Present slot) {
        return "logical".equals(slot.type())
                ? "logical, database " + slot.database().orElse("?") + ", plugin " + slot.plugin().orElse("?")
                : slot.type();
    }

    private static boolean drop(Connection connection, String slot) throws SQLException {
        try {
            Jdbc.execute(connection, "SELECT pg_catalog.pg_drop_replication_slot(" + Jdbc.literal(slot) + ")");
            return true;
        } catch (SQLException e) {
            if (OBJECT_IN_USE.equals(e.getSQLState()) || UNDEFINED_OBJECT.equals(e.getSQLState())) {
                return false; // became active meanwhile, or dropped by someone else
            }
            throw e;
        }
    }

    /** Creates physical slot {@code slot} reserving WAL now; one that appeared meanwhile is fine. */
    public static void create(Connection connection, String slot) throws SQLException {
        try {
            Jdbc.execute(connection, "SELECT pg_catalog.pg_create_physical_replication_slot(" + Jdbc.literal(slot)
                + ", true) WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = "
                    + Jdbc.literal(slot) + ")");
        } catch (SQLException e) {
            if (!DUPLICATE_OBJECT.equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    /**
     * Creates a logical permanent slot in its database. A database that does not exist or a plugin
     * that cannot be loaded is logged (naming the slot) and retried on the next call, as Patroni
     * does: the other slots are still kept.
     */
    private static void createLogical(DatabaseConnector databases, PermanentSlot slot) {
        try (Connection c = databases.connect(slot.database().get())) {
            Jdbc.execute(c, "SELECT pg_catalog.pg_create_logical_replication_slot(" + Jdbc.literal(slot.name())
                    + ", " + Jdbc.literal(slot.plugin().get()) + ") WHERE NOT EXISTS (SELECT 1 FROM"
                    + " pg_catalog.pg_replication_slots WHERE slot_name = " + Jdbc.literal(slot.name()) + ")");
        } catch (SQLException e) {
            if (!DUPLICATE_OBJECT.equals(e.getSQLState())) {
                LOG.error("could not create permanent logical replication slot {} ({}): {}", slot.name(),
                        describe(slot), e.getMessage());
            }
        }
    }
}
