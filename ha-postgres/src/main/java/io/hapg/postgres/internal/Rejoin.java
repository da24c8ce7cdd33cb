package io.hapg.postgres.internal;

import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.core.spi.FatalHaException;
import io.hapg.core.spi.SourceUnavailableException;
import io.hapg.postgres.ReplicaMethod;
import io.hapg.core.model.StandbyCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two ways a node (re)joins a leader: a fresh copy (pg_basebackup, or the configured replica
 * methods in order, as Patroni's {@code create_replica_methods}), and pg_rewind of a diverged
 * former primary. Both leave the node configured as a replica of the leader, stopped;
 * the caller starts it.
 */
public final class Rejoin {
    private static final Logger LOG = LoggerFactory.getLogger(Rejoin.class);

    private final Instance instance;

    public Rejoin(Instance instance) {
        this.instance = instance;
    }

    /**
     * Where to stream from: this member's slot on a leader of its own cluster; on a standby
     * cluster's remote primary, the section's {@code primary_slot_name} (none when absent).
     */
    public ConfigFiles.Upstream upstream(Conninfo.Endpoint leader, boolean remote) {
        if (!remote) {
            return new ConfigFiles.Upstream(leader, slot(), false);
        }
        Optional<String> slot = instance.config().useSlots()
                ? instance.files().standbyCluster().flatMap(StandbyCluster::primarySlotName) : Optional.empty();
        return new ConfigFiles.Upstream(leader, slot, true);
    }

    /** This member's slot on the leader, when slots are on. */
    public Optional<String> slot() {
        return instance.config().useSlots() ? Optional.of(Slots.slotName(instance.member())) : Optional.empty();
    }

    /**
     * Replaces the data directory with a copy of {@code leader}, after checking that the local data
     * (if any) belongs to the leader's cluster: each configured replica method in turn until one
     * succeeds (each failure logged), then the replica settings. Creates this member's slot on the
     * leader. The source may also be a replica (Patroni's {@code clonefrom} tag): pg_basebackup then
     * copies through a temporary slot of its own, since a replica keeps no slot of this member.
     *
     * @throws DatabaseUnavailableException the last method's failure when none succeeded (the data
     *                                      directory is then empty)
     */
    public void cloneFrom(Conninfo.Endpoint leader) {
        cloneFrom(leader, false);
    }

    /**
     * {@link #cloneFrom(Conninfo.Endpoint)}; from a standby cluster's remote primary when
     * {@code remote}: with pg_basebackup only, no slot of this member is created there or used for
     * the copy, and the replica settings stream through the section's {@code primary_slot_name}.
     */
    public void cloneFrom(Conninfo.Endpoint leader, boolean remote) {
        DataDir dataDir = instance.dataDir();
        Source source = leaderSetup(leader, remote);
        String leaderSystem = source.systemIdentifier();
        if (dataDir.content() == DataDir.Content.CLUSTER && dataDir.isInitialized()) {
            localSystemIdentifier().ifPresent(local -> {
                instance.requireSameCluster(local);
                if (!local.equals(leaderSystem)) {
                    throw new FatalHaException("dataDir " + dataDir.path() + " belongs to cluster " + local + " but "
                            + leader + " is cluster " + leaderSystem + "; not replacing it");
                }
            });
        }
        instance.requireSameCluster(leaderSystem);
        Map<String, String> conninfo = new LinkedHashMap<>();
        conninfo.put("host", leader.host());
        conninfo.put("port", Integer.toString(leader.port()));
        conninfo.put("user", instance.config().replication().username());
        conninfo.put("application_name", instance.member() + "_basebackup");
        conninfo.put("connect_timeout", "10");
        conninfo.putAll(instance.config().replication().options());
        DatabaseUnavailableException last = null;
        for (ReplicaMethod method : remote ? List.of(ReplicaMethod.BASEBACKUP) : instance.config().replicaMethods()) {
            try {
                if (method.isBasebackup()) {
                    basebackup(conninfo, remote || source.inRecovery() ? Optional.empty() : slot());
                } else {
                    custom(method, leader);
                }
                LOG.info("{} - replica has been created using {} from {}{}", instance.member(), method.name(), leader,
                        source.inRecovery() ? " (a replica)" : "");
                ConfigFiles.Upstream upstream = upstream(leader, remote);
                if (source.inRecovery() && !remote && !source.hasMySlot()) {
                    // A clonefrom replica keeps no slot of mine: stream without one until the
                    // agent follows the leader (or this replica, as replicatefrom, creates it).
                    upstream = new ConfigFiles.Upstream(leader, Optional.empty());
                }
                instance.files().writeReplica(upstream);
                return;
            } catch (DatabaseUnavailableException e) {
                LOG.error("{} - error creating replica using method {}: {}", instance.member(), method.name(),
                        e.getMessage());
                last = e;
            }
        }
        dataDir.wipe();
        throw last;
    }

    private void basebackup(Map<String, String> conninfo, Optional<String> slot) {
        DataDir dataDir = instance.dataDir();
        dataDir.wipe();
        List<String> command = new ArrayList<>(List.of(instance.binaries().tool("pg_basebackup"),
                "--pgdata=" + dataDir.path(), "--wal-method=stream", "--checkpoint=fast", "--no-password",
                "--dbname=" + Conninfo.format(conninfo)));
        slot.ifPresent(s -> command.add("--slot=" + s));
        // The copy carries the source's postgresql.conf, pg_hba.conf and pg_ident.conf. With the
        // configuration in the data directory, ConfigFiles rewrites them before the start; with it
        // elsewhere (config_dir), PostgreSQL starts with --config-file there and the copies are
        // never read, by PostgreSQL nor by hapg.
        // After hapg's own, so that a user's --checkpoint=spread wins over --checkpoint=fast.
        command.addAll(instance.config().basebackupOptions());
        try {
            instance.tools().run("pg_basebackup", command, instance.config().cloneTimeout());
        } catch (DatabaseUnavailableException e) {
            dataDir.wipe();
            throw e;
        }
    }

    /**
     * Patroni's user-defined replica method: the data directory emptied unless {@code keep_data},
     * then {@code command --opt=value... --scope=S --role=replica --datadir=D --connstring=C}, bounded
     * by the clone timeout. The method must leave a data directory; what it leaves is checked.
     */
    private void custom(ReplicaMethod method, Conninfo.Endpoint leader) {
        DataDir dataDir = instance.dataDir();
        if (!method.keepData()) {
            dataDir.wipe();
        }
        List<String> command = new ArrayList<>(method.command());
        command.addAll(method.arguments());
        if (!method.noParams()) {
            command.add("--datadir=" + dataDir.path());
            command.add("--connstring=" + Conninfo.patroniDsn(instance.config().replication().username(),
                    leader.host(), leader.port()));
        }
        instance.tools().run("replica-method-" + method.name(), command, instance.config().cloneTimeout());
        if (!dataDir.isInitialized()) {
            throw new DatabaseUnavailableException(instance.member() + ": replica method " + method.name()
                    + " exited 0 but left no PostgreSQL data directory in " + dataDir.path());
        }
    }

    /**
     * Rewinds the stopped data directory onto {@code leader}'s timeline: single-user crash recovery
     * first when the last shutdown was not clean, then pg_rewind.
     *
     * @throws SourceUnavailableException   when the leader cannot be reached or is no primary (and the
     *                                      local control file still reads): retrying is safe
     * @throws DatabaseUnavailableException when either fails (the data may then be unusable)
     */
    public void rewind(Conninfo.Endpoint leader) {
        if (!instance.dataDir().isInitialized()) {
            throw new DatabaseUnavailableException(instance.member() + ": nothing to rewind, no data directory at "
                    + instance.dataDir().path());
        }
        localSystemIdentifier().ifPresent(instance::requireSameCluster);
        ControlData control = instance.controlData();
        if (!control.cleanShutdown()) {
            LOG.info("{} - cluster state is '{}': crash recovery in single-user mode before pg_rewind",
                    instance.member(), control.clusterState());
            instance.files().writePrimary(); // single-user mode cannot run as a standby
            instance.tools().run("postgres-single", List.of(instance.binaries().tool("postgres"), "--single",
                    "-D", instance.dataDir().path().toString(), "--config-file=" + Instance.configFile(instance.config()),
                    "-c", "archive_mode=off", "postgres"),
                    instance.config().rewindTimeout());
        }
        leaderSetup(leader, false);
        Map<String, String> conninfo = new LinkedHashMap<>();
        conninfo.put("host", leader.host());
        conninfo.put("port", Integer.toString(leader.port()));
        conninfo.put("user", instance.config().rewindUser().username());
        conninfo.put("dbname", "postgres");
        conninfo.put("connect_timeout", "10");
        conninfo.putAll(instance.config().rewindUser().options());
        List<String> command = new ArrayList<>(List.of(instance.binaries().tool("pg_rewind"),
                "--target-pgdata=" + instance.dataDir().path(), "--source-server=" + Conninfo.format(conninfo)));
        if (instance.config().configOutsideDataDir() && instance.binaries().majorVersion() >= 15) {
            // Should pg_rewind run the target server (PostgreSQL 15 can pass it the file), the
            // configuration is not in the data directory. pg_rewind copies the source's
            // postgresql.conf, pg_hba.conf and pg_ident.conf into the data directory: with the
            // configuration elsewhere, nothing reads those copies, and writeReplica below rewrites
            // the real ones.
            command.add("--config-file=" + Instance.configFile(instance.config()));
        }
        // Patroni's postgresql.rewind, after hapg's own as Patroni appends them.
        command.addAll(instance.config().rewindOptions());
        try {
            instance.tools().run("pg_rewind", command, instance.config().rewindTimeout());
        } catch (DatabaseUnavailableException e) {
            // Patroni counts a pg_rewind as failed only against a healthy primary, and while the
            // local control file still reads (else the attempt may have damaged it).
            if (!isPrimary(leader) && localSystemIdentifier().isPresent()) {
                throw new SourceUnavailableException(instance.member() + ": pg_rewind failed and " + leader
                        + " is unreachable or no primary: " + e.getMessage(), e);
            }
            throw e;
        }
        instance.files().writeReplica(new ConfigFiles.Upstream(leader, slot()));
    }

    /** Whether {@code leader} answers as a primary now; false when it cannot be reached. */
    private boolean isPrimary(Conninfo.Endpoint leader) {
        try (Connection c = instance.connect(leader, instance.config().queryTimeout())) {
            return "f".equals(Jdbc.value(c, "SELECT pg_catalog.pg_is_in_recovery()"));
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * On the leader: creates this member's slot if slots are on, and makes sure the leader's
     * control file shows its current timeline (a CHECKPOINT right after a promotion), without which
     * pg_rewind would find nothing to do.
     *
     * @return the leader's system identifier, and whether it is in recovery (a replica, or a
     *         standby cluster's remote standby)
     */
    private Source leaderSetup(Conninfo.Endpoint leader, boolean remote) {
        try (Connection c = instance.connect(leader, instance.config().queryTimeout())) {
            List<String> row = Jdbc.query(c, "SELECT (SELECT system_identifier FROM pg_catalog.pg_control_system())::text,"
                    + " pg_catalog.pg_is_in_recovery(), (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()),"
                    + " CASE WHEN pg_catalog.pg_is_in_recovery() THEN 0 ELSE ('x' || substr(pg_catalog.pg_walfile_name("
                    + "pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int END").get(0);
            if ("f".equals(row.get(1)) && Integer.parseInt(row.get(2)) < Integer.parseInt(row.get(3))) {
                Jdbc.execute(c, "CHECKPOINT");
            }
            Optional<String> slot = remote ? Optional.<String>empty() : slot();
            boolean inRecovery = "t".equals(row.get(1));
            if (slot.isPresent() && !inRecovery) {
                Slots.create(c, slot.get());
            }
            boolean hasMySlot = slot.isPresent() && (!inRecovery || "t".equals(Jdbc.value(c, "SELECT EXISTS (SELECT 1"
                    + " FROM pg_catalog.pg_replication_slots WHERE slot_name = " + Jdbc.literal(slot.get()) + ")")));
            return new Source(row.get(0), inRecovery, hasMySlot);
        } catch (SQLException e) {
            throw new SourceUnavailableException(instance.member() + ": cannot prepare the leader " + leader + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Creates this member's slot on {@code leader} before following it (the leader's own
     * {@code ensureSlots} may not have run yet); a leader that cannot be reached now is only
     * logged, as the replica retries streaming on its own.
     */
    public void prepareLeaderQuietly(Conninfo.Endpoint leader) {
        if (slot().isEmpty()) {
            return;
        }
        try {
            leaderSetup(leader, false);
        } catch (DatabaseUnavailableException e) {
            LOG.warn("{} - could not create slot {} on {}: {}", instance.member(), slot().get(), leader,
                    e.getMessage());
        }
    }

    /** What {@link #leaderSetup} learnt of a clone or rewind source. */
    private record Source(String systemIdentifier, boolean inRecovery, boolean hasMySlot) {
    }

    private Optional<String> localSystemIdentifier() {
        try {
            return instance.controlData().systemIdentifier();
        } catch (DatabaseUnavailableException unreadable) {
            return Optional.empty(); // a broken control file: nothing left to protect
        }
    }

    /** Stops the server if it runs (fast, then killed after the stop timeout), to restart it later. */
    public void stopIfRunning() {
        instance.stop(StopMode.FAST, false);
    }
}
