package io.hapg.postgres.internal;

import io.hapg.core.model.Lsn;
import io.hapg.core.model.PermanentSlot;
import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.process.Commands;
import io.hapg.process.OsUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies logical slots from a primary into a stopped replica's data directory (Patroni's
 * {@code copy_logical_slots}): the slot's on-disk state file is what PostgreSQL loads at start,
 * with the slot's position, xmins and plugin; the replica then advances it like any other.
 */
public final class SlotCopy {
    private static final Logger LOG = LoggerFactory.getLogger(SlotCopy.class);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    private static final String READ_SQL = "SELECT slot_name, slot_type, datname, plugin,"
            + " pg_catalog.pg_read_binary_file('pg_replslot/' || slot_name || '/state'), restart_lsn::text"
            + " FROM pg_catalog.pg_get_replication_slots() JOIN pg_catalog.pg_database ON datoid = oid"
            + " WHERE NOT pg_catalog.pg_is_in_recovery() AND slot_name = ANY(?)";
    /**
     * As the PostgreSQL OS user (never root inside a directory that account controls): a fresh
     * {@code <name>.tmp} holding the state, synced, then renamed over the slot directory, as
     * Patroni and PostgreSQL itself do, so that a crash leaves the old slot or the new one.
     */
    private static final String WRITE_SCRIPT = "set -e; rm -rf \"$1.tmp\"; mkdir -m 700 \"$1.tmp\";"
            + " cp \"$2\" \"$1.tmp/state\"; chmod 600 \"$1.tmp/state\"; sync \"$1.tmp/state\" \"$1.tmp\";"
            + " rm -rf \"$1\"; mv \"$1.tmp\" \"$1\"; sync \"$1\" \"$3\"";

    /** Where the oldest WAL segment in {@code pg_wal} starts (pg_walfile_name is refused in recovery). */
    private static final String OLDEST_WAL_SQL = "SELECT min(('x' || substr(name, 9, 8))::bit(32)::bigint * 4294967296"
            + " + ('x' || substr(name, 17, 8))::bit(32)::bigint * (SELECT setting::bigint FROM pg_catalog.pg_settings"
            + " WHERE name = 'wal_segment_size'))::text FROM pg_catalog.pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'";

    /**
     * One slot as the primary has it.
     *
     * @param state      its state file
     * @param restartLsn the oldest WAL it needs
     */
    public record Slot(byte[] state, Optional<Lsn> restartLsn) {
    }

    private SlotCopy() {
    }

    /**
     * Leaves out of {@code slots} those that need WAL older than the oldest segment in the local
     * {@code pg_wal} (a replica cloned after the slot was made): such a copy could never be advanced,
     * and would cost a restart for nothing. Logged, naming the slot; it is copied once the primary's
     * slot has moved on.
     */
    public static Map<String, Slot> usable(Connection local, String member, Map<String, Slot> slots)
            throws SQLException {
        Optional<Lsn> oldest = Optional.ofNullable(Jdbc.value(local, OLDEST_WAL_SQL)).map(v -> Lsn.of(Long.parseLong(v)));
        Map<String, Slot> usable = new LinkedHashMap<>();
        slots.forEach((name, slot) -> {
            if (oldest.isPresent() && slot.restartLsn().map(lsn -> lsn.compareTo(oldest.get()) < 0).orElse(false)) {
                LOG.warn("{} - will not copy the logical slot \"{}\" yet: it needs WAL from {}, older than this"
                        + " replica has ({})", member, name, slot.restartLsn().get(), oldest.get());
            } else {
                usable.put(name, slot);
            }
        });
        return usable;
    }

    /**
     * The state files of {@code slots} on the primary behind {@code leader}, those whose type,
     * database and plugin match (Patroni's {@code compare_slots}); a mismatch is logged and left out.
     * Nothing when {@code leader} is not a primary.
     */
    public static Map<String, Slot> read(Connection leader, String member, Collection<PermanentSlot> slots)
            throws SQLException {
        Map<String, PermanentSlot> wanted = slots.stream()
                .collect(Collectors.toMap(PermanentSlot::name, Function.identity()));
        Map<String, Slot> states = new LinkedHashMap<>();
        try (PreparedStatement st = leader.prepareStatement(READ_SQL)) {
            st.setArray(1, leader.createArrayOf("text", wanted.keySet().toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    PermanentSlot slot = wanted.get(rs.getString(1));
                    PermanentSlot found = "logical".equals(rs.getString(2))
                            ? PermanentSlot.logical(rs.getString(1), rs.getString(3), rs.getString(4))
                            : PermanentSlot.physical(rs.getString(1));
                    if (found.equals(slot)) {
                        states.put(slot.name(), new Slot(rs.getBytes(5),
                                Optional.ofNullable(rs.getString(6)).map(Lsn::parse)));
                    } else {
                        LOG.warn("{} - will not copy the logical slot \"{}\" due to the configuration mismatch:"
                                + " configuration={}, slot on the primary={}", member, slot.name(), slot, found);
                    }
                }
            }
        }
        return states;
    }

    /** Writes {@code states} into {@code pg_replslot} of the stopped server at {@code dataDir}, as {@code owner}. */
    public static void write(Path dataDir, OsUser owner, String member, Map<String, Slot> states) {
        Path replslot = dataDir.resolve("pg_replslot");
        for (Map.Entry<String, Slot> e : states.entrySet()) {
            Path source = null;
            try {
                source = Files.createTempFile("hapg-slot-", ".state",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
                Files.write(source, e.getValue().state());
                Commands.Result result = Commands.run(owner.wrap(List.of("sh", "-c", WRITE_SCRIPT, "sh",
                        replslot.resolve(e.getKey()).toString(), source.toString(), replslot.toString())),
                        WRITE_TIMEOUT);
                if (!result.succeeded()) {
                    throw new DatabaseUnavailableException(member + ": cannot write the copy of slot " + e.getKey()
                            + " as " + owner + ": exit " + result.exitCode() + ": " + result.output().strip());
                }
            } catch (IOException ex) {
                throw new DatabaseUnavailableException(member + ": cannot stage the copy of slot " + e.getKey() + ": "
                        + ex, ex);
            } finally {
                deleteQuietly(Optional.ofNullable(source));
            }
        }
    }

    private static void deleteQuietly(Optional<Path> file) {
        file.ifPresent(f -> {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                LOG.debug("cannot delete {}: {}", f, e.toString());
            }
        });
    }
}
