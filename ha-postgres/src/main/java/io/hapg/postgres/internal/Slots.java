package io.hapg.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Physical replication slots of the members, on the primary.
 *
 * <p>Like Patroni, every physical slot that is neither a current member's nor ignored is dropped:
 * a slot nobody consumes retains WAL until {@code pg_wal} fills the disk. Logical slots are never
 * touched. A slot still in use (a walsender is attached) cannot be dropped; it is skipped and
 * retried on the next call.
 */
public final class Slots {
    private static final Logger LOG = LoggerFactory.getLogger(Slots.class);

    private static final String OBJECT_IN_USE = "55006";
    private static final String UNDEFINED_OBJECT = "42704";
    private static final String DUPLICATE_OBJECT = "42710";

    private Slots() {
    }

    /**
     * Patroni's {@code slot_name_from_member_name}: lower case, {@code -} and {@code .} as
     * {@code _}, any other character outside {@code [a-z0-9_]} as {@code u} and its code point in
     * at least four decimal digits ({@code :} is {@code u0058}), cut at 63 characters. A replica
     * asks its primary for the slot under this name whichever agent runs either of them.
     */
    public static String slotName(String member) {
        StringBuilder name = new StringBuilder();
        member.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
                name.appendCodePoint(c);
            } else if (c == '-' || c == '.') {
                name.append('_');
            } else {
                name.append('u').append(String.format(Locale.ROOT, "%04d", c));
            }
        });
        return name.length() > 63 ? name.substring(0, 63) : name.toString();
    }

    /**
     * Creates the missing slots of {@code members} and drops the other physical slots outside
     * {@code ignored}.
     *
     * @return the slot names present afterwards
     */
    public static Set<String> ensure(Connection connection, String member, Set<String> members, Set<String> ignored)
            throws SQLException {
        Set<String> wanted = new TreeSet<>();
        for (String m : members) {
            if (!m.equals(member)) {
                wanted.add(slotName(m));
            }
        }
        Set<String> present = new LinkedHashSet<>();
        for (List<String> row : Jdbc.query(connection,
                "SELECT slot_name, active FROM pg_catalog.pg_replication_slots WHERE slot_type = 'physical'")) {
            String slot = row.get(0);
            if (wanted.contains(slot) || ignored.contains(slot)) {
                present.add(slot);
            } else if ("t".equals(row.get(1))) {
                LOG.warn("{} - slot {} belongs to no member but is in use; dropping it later", member, slot);
                present.add(slot);
            } else if (drop(connection, slot)) {
                LOG.info("{} - dropped replication slot {}: no member uses it", member, slot);
            } else {
                present.add(slot);
            }
        }
        for (String slot : wanted) {
            if (!present.contains(slot)) {
                create(connection, slot);
                LOG.info("{} - created replication slot {}", member, slot);
                present.add(slot);
            }
        }
        return present;
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
}
