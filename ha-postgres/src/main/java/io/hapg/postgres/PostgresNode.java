package io.hapg.postgres;

import io.hapg.core.model.ClusterPgFiles;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.PermanentSlot;
import io.hapg.core.model.SlotPlan;
import io.hapg.core.model.StandbyCluster;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.core.spi.FatalHaException;
import io.hapg.core.spi.HaException;
import io.hapg.core.spi.SourceUnavailableException;
import io.hapg.postgres.internal.Bootstrap;
import io.hapg.postgres.internal.ConfigFiles;
import io.hapg.postgres.internal.Conninfo;
import io.hapg.postgres.internal.Instance;
import io.hapg.postgres.internal.Jdbc;
import io.hapg.postgres.internal.KnownSettings;
import io.hapg.postgres.internal.Probe;
import io.hapg.postgres.internal.Promotion;
import io.hapg.postgres.internal.Rejoin;
import io.hapg.postgres.internal.SlotCopy;
import io.hapg.postgres.internal.Slots;
import io.hapg.postgres.internal.SyncSetting;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DatabaseNode} on a local PostgreSQL 13–17.
 *
 * <p><b>Processes.</b> The postmaster is a direct child of the JVM ({@code postgres -D dir}, never
 * {@code pg_ctl start}), so it is reaped and its death seen at once; a postmaster left by a previous
 * agent is adopted through {@code postmaster.pid}. When the JVM runs as root every PostgreSQL
 * process runs as {@link PostgresConfig#osUser()} through {@code setpriv}. Every tool run
 * (initdb, pg_basebackup, pg_rewind, single-user recovery) has a deadline and is killed past it.
 * {@link #close()} leaves PostgreSQL running, as Patroni does.
 *
 * <p><b>Threads.</b> The lifecycle operations (bootstrap, clone, start, promote, follow, rewind)
 * are serialized; a second one while one runs fails at once with
 * {@link DatabaseUnavailableException} instead of queueing. {@link #probe()},
 * {@link #setSynchronousStandbys} and {@link #ensureSlots} are plain queries and run concurrently
 * with them. {@link #stop} never waits for another operation, and a start that was in flight
 * when it was called does not start the server afterwards (fencing cannot be undone by a race).
 *
 * <p><b>Credentials.</b> Passwords reach PostgreSQL through a private password file (mode 0600)
 * and JDBC properties, never command lines, URLs, logs or {@code postgresql.conf}; role passwords
 * are hashed client-side (SCRAM) before they are sent.
 */
public final class PostgresNode implements DatabaseNode {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresNode.class);

    private final Instance instance;
    private final Probe probe;
    private final Rejoin rejoin;
    private final KnownSettings knownSettings;
    private final ReentrantLock lifecycle = new ReentrantLock();
    private volatile String running = "";
    private volatile boolean closed;
    /** Cluster settings were written but the running server has not reloaded them yet (under {@link #lifecycle}). */
    private boolean reloadOwed;

    private PostgresNode(Instance instance) {
        this.instance = instance;
        this.probe = new Probe(instance);
        this.rejoin = new Rejoin(instance);
        this.knownSettings = new KnownSettings(instance);
    }

    /**
     * Checks {@code config} against the machine (OS user, binaries and their version, the data
     * directory's content, version and system identifier) and prepares the run directory. Reads
     * the data directory but never changes it.
     *
     * @throws FatalHaException naming the field or path that cannot work
     */
    public static PostgresNode create(PostgresConfig config) {
        return new PostgresNode(Instance.open(Objects.requireNonNull(config, "config")));
    }

    public PostgresConfig config() {
        return instance.config();
    }

    /** The PostgreSQL major version of the binaries, 13 to 17. */
    public int majorVersion() {
        return instance.binaries().majorVersion();
    }

    /**
     * Never throws: a stopped, starting or hung server, or a failure of the probe itself, is a state.
     * Bounded by {@link PostgresConfig#probeTimeout()} (pg_controldata: 5 s more).
     */
    @Override
    public DatabaseState probe() {
        try {
            return probe.probe();
        } catch (RuntimeException e) {
            return probe.failed(e);
        }
    }

    /**
     * initdb with the configured options, configuration, start as a primary, and the replication
     * (and rewind) roles. Bounded by the start timeout for initdb and for the start. On failure the
     * server is stopped and the new data directory emptied again.
     *
     * @throws FatalHaException when the data directory is not empty
     */
    @Override
    public void bootstrap() {
        exclusive("bootstrap", epoch -> new Bootstrap(instance).run(epoch));
    }

    /**
     * Stops the server, replaces the data directory with a copy of {@code source} (the configured
     * {@link PostgresConfig#replicaMethods()} in order; pg_basebackup through this member's slot,
     * created on the source when missing), and starts as its replica. Bounded by the clone timeout
     * per method plus the start timeout.
     *
     * @throws FatalHaException when the local data belongs to another cluster than the source's
     */
    @Override
    public void cloneFrom(Member source) {
        Conninfo.Endpoint endpoint = endpoint(source);
        exclusive("clone from " + source.name(), epoch -> {
            rejoin.stopIfRunning();
            rejoin.cloneFrom(endpoint, isRemote(source));
            instance.startAndAwait(epoch);
        });
    }

    /**
     * Starts as a replica of {@code upstream}, or as a primary without one. Already running in
     * that role: nothing to do; running as a primary when a replica is asked for: {@link #follow}.
     *
     * @throws DatabaseUnavailableException when there is no data directory, when a replica is
     *     running and a primary is asked for (use {@link #promote()}), or when the start fails
     */
    @Override
    public void start(Optional<Member> upstream) {
        Optional<Conninfo.Endpoint> endpoint = upstream.map(PostgresNode::endpoint);
        boolean remote = upstream.map(PostgresNode::isRemote).orElse(false);
        exclusive("start", epoch -> {
            if (instance.postmaster().isRunning()) {
                boolean replica = instance.inRecovery().orElseThrow(() -> new DatabaseUnavailableException(
                        member() + ": PostgreSQL runs but does not answer; not starting another"));
                if (endpoint.isPresent()) {
                    followLocked(endpoint.get(), remote, epoch);
                } else if (replica) {
                    throw new DatabaseUnavailableException(member() + ": runs as a replica; promote it instead");
                }
                return;
            }
            requireData();
            if (endpoint.isPresent()) {
                if (!remote) {
                    rejoin.prepareLeaderQuietly(endpoint.get());
                }
                instance.files().writeReplica(rejoin.upstream(endpoint.get(), remote));
            } else {
                instance.files().writePrimary();
            }
            instance.startAndAwait(epoch);
        });
    }

    /**
     * standby.signal without primary_conninfo, then start. A running replica gets the same settings
     * and a reload (PostgreSQL 13 and later stop the WAL receiver then); a running primary, or a
     * server that does not answer, is left as it is.
     */
    @Override
    public void startReadOnly() {
        exclusive("start read-only", epoch -> {
            if (instance.postmaster().isRunning()) {
                if (instance.inRecovery().orElse(false)) {
                    instance.files().writeStandbyWithoutUpstream();
                    new Promotion(instance, probe).reloadAndAwaitConninfo("");
                }
                return;
            }
            requireData();
            instance.files().writeStandbyWithoutUpstream();
            instance.startAndAwait(epoch);
        });
    }

    /**
     * Thread-safe and never waits for another operation. Runs {@code before_stop} first (bounded,
     * not for {@code KILL}), then SIGTERM/SIGINT/SIGQUIT per mode, SIGKILL of the postmaster and its
     * children after the stop timeout or at once for {@code KILL}.
     */
    @Override
    public void stop(StopMode mode) {
        stop(mode, instance.config().stopTimeout());
    }

    /** {@link #stop(StopMode)} with {@code timeout} (positive) as the bound before SIGKILL. */
    @Override
    public void stop(StopMode mode, Duration timeout) {
        if (Objects.requireNonNull(timeout, "timeout").isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("stop timeout must be positive, got " + timeout);
        }
        if (mode == StopMode.SMART) {
            probe.disconnect(); // a smart shutdown waits for every session, the probe's kept one too
        }
        instance.stop(Objects.requireNonNull(mode, "mode"), timeout, true);
    }

    /**
     * {@code pg_promote(wait => true)}, then waits until a transaction id can be assigned.
     * Bounded by the start timeout. A primary already: nothing to do.
     */
    @Override
    public void promote() {
        exclusive("promote", epoch -> new Promotion(instance, probe).run());
    }

    /**
     * Replica: rewrites primary_conninfo and reloads (PostgreSQL 13+ applies it without restart).
     * Stopped: configures and starts. Primary: stops (fast), configures and starts as a replica.
     */
    @Override
    public void follow(Member leader) {
        Conninfo.Endpoint endpoint = endpoint(leader);
        exclusive("follow " + leader.name(), epoch -> followLocked(endpoint, isRemote(leader), epoch));
    }

    /**
     * Stops the server if needed, runs single-user crash recovery when the shutdown was not clean,
     * pg_rewind against {@code leader}, then starts as its replica. Bounded by the rewind timeout
     * plus the start timeout. On failure the data directory is left as pg_rewind left it, stopped:
     * whether to re-clone is the decision engine's ({@code remove_data_directory_on_*}).
     *
     * @throws DatabaseUnavailableException when use_pg_rewind is off or anything fails
     */
    @Override
    public void rewind(Member leader) {
        Conninfo.Endpoint endpoint = endpoint(leader);
        exclusive("rewind onto " + leader.name(), epoch -> {
            if (!instance.config().usePgRewind()) {
                throw new DatabaseUnavailableException(member() + ": usePgRewind is off; re-clone instead");
            }
            rejoin.stopIfRunning();
            rejoin.rewind(endpoint);
            instance.startAndAwait(epoch);
        });
    }

    /**
     * {@code ALTER SYSTEM SET synchronous_standby_names} and reload, then waits (query timeout)
     * until a new session shows the value. May run while a lifecycle operation runs.
     */
    @Override
    public void setSynchronousStandbys(List<String> members, boolean strict) {
        new SyncSetting(instance).set(List.copyOf(members), strict);
    }

    /**
     * {@code ALTER SYSTEM SET synchronous_standby_names = 'ANY n (...)'} and reload, then waits
     * (query timeout) until a new session shows the value (see
     * {@link DatabaseNode#setQuorumStandbys}). May run while a lifecycle operation runs.
     */
    @Override
    public void setQuorumStandbys(int count, List<String> members) {
        new SyncSetting(instance).setQuorum(count, List.copyOf(members));
    }

    /**
     * Keeps the slots of {@code plan} (see {@link DatabaseNode#ensureSlots(SlotPlan)}); the
     * node's own {@link PostgresConfig#ignoreSlots()} are never dropped either. A primary's plan
     * on a server that is in recovery, or a replica's on one that is not, does nothing (the role
     * changed since the decision). Bounded by the query timeout.
     */
    @Override
    public Map<String, Lsn> ensureSlots(SlotPlan plan) {
        Duration timeout = instance.config().queryTimeout();
        try (Connection c = instance.connect(timeout)) {
            boolean primary = !"t".equals(Jdbc.value(c, "SELECT pg_catalog.pg_is_in_recovery()"));
            if (primary != plan.primary()) {
                return Map.of();
            }
            return Slots.ensure(c, database -> instance.connect(database, timeout), member(), plan,
                    instance.config().ignoreSlots());
        } catch (SQLException e) {
            throw new DatabaseUnavailableException(member() + ": cannot manage replication slots: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the slots' state files on {@code leader} as the pg_rewind role (bounded by the query
     * timeout), then, if any match and this replica still has the WAL they need, stops (fast), writes them into {@code pg_replslot} as the
     * PostgreSQL OS user and starts as a replica of {@code leader} (see
     * {@link DatabaseNode#copyLogicalSlots}).
     */
    @Override
    public Set<String> copyLogicalSlots(Member leader, Collection<PermanentSlot> slots) {
        Conninfo.Endpoint endpoint = endpoint(leader);
        Duration timeout = instance.config().queryTimeout();
        Map<String, SlotCopy.Slot> read;
        try (Connection c = Jdbc.open(endpoint.host(), endpoint.port(), instance.config().rewindUser(), timeout,
                timeout)) {
            read = SlotCopy.read(c, member(), slots);
        } catch (SQLException e) {
            throw new SourceUnavailableException(member() + ": failed to copy logical slots from the " + leader.name()
                    + " via postgresql connection: " + e.getMessage(), e);
        }
        Map<String, SlotCopy.Slot> states;
        try (Connection c = instance.connect(timeout)) {
            states = SlotCopy.usable(c, member(), read);
        } catch (SQLException e) {
            throw new DatabaseUnavailableException(member() + ": cannot list pg_wal: " + e.getMessage(), e);
        }
        if (states.isEmpty()) {
            return Set.of();
        }
        exclusive("copy logical slots " + states.keySet() + " from " + leader.name(), epoch -> {
            rejoin.stopIfRunning();
            SlotCopy.write(instance.dataDir().path(), instance.user(), member(), states);
            LOG.info("{} - copied logical slots {} from {}; starting to load them", member(), states.keySet(),
                    leader.name());
            rejoin.prepareLeaderQuietly(endpoint);
            instance.files().writeReplica(new ConfigFiles.Upstream(endpoint, rejoin.slot()));
            instance.startAndAwait(epoch);
        });
        return Set.copyOf(states.keySet());
    }

    /**
     * Writes the cluster's settings into {@code postgresql.conf} (under the local ones) and
     * reloads a running server; a setting that needs a restart then shows in the probe as a
     * pending restart. While a lifecycle operation runs it does nothing and returns false: the
     * loop asks again. Before the data directory exists the settings wait for bootstrap or clone.
     */
    @Override
    public boolean configure(Map<String, String> dynamicParameters) {
        return changeFilesAndReload(() -> {
            Set<String> changed = instance.files().setClusterParameters(knownSettings.filter(dynamicParameters));
            if (!changed.isEmpty()) {
                LOG.info("{} - cluster settings changed: {}", member(), changed);
            }
            return !changed.isEmpty();
        });
    }

    /**
     * Keeps the cluster's {@code pg_ident} and {@code recovery_conf} for the files written from now
     * on, under the node's own ({@link PostgresConfig#pgIdent()}, {@link PostgresConfig#recoveryConf()}),
     * which win when set; rewrites the files and reloads a running server when what is written
     * changed (see {@link DatabaseNode#configureFiles}). A recovery setting that needs a restart
     * (on PostgreSQL 13, {@code restore_command}) then shows as a pending restart. While a lifecycle
     * operation runs it does nothing and returns false: the loop asks again.
     */
    @Override
    public boolean configureFiles(ClusterPgFiles files) {
        return changeFilesAndReload(() -> instance.files().setClusterFiles(files));
    }

    /**
     * Runs {@code change} (true: the files changed) under the lifecycle lock, then reloads a running
     * server if a change is not reloaded yet; false without doing anything while an operation runs.
     */
    private boolean changeFilesAndReload(BooleanSupplier change) {
        if (!lifecycle.tryLock()) {
            return false;
        }
        try {
            if (change.getAsBoolean()) {
                reloadOwed = true;
            }
            if (reloadOwed && instance.postmaster().isRunning()) {
                reload();
            }
            reloadOwed = false;
            return true;
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * Keeps the {@code standby_cluster} section for the files written from now on (see
     * {@link DatabaseNode#useStandbyCluster}); rewrites the files and reloads a running server when
     * it changed. While a lifecycle operation runs it does nothing and returns false: the loop asks
     * again.
     */
    @Override
    public boolean useStandbyCluster(Optional<StandbyCluster> section) {
        if (!lifecycle.tryLock()) {
            return false;
        }
        try {
            if (instance.files().setStandbyCluster(section) && instance.postmaster().isRunning()) {
                reload();
            }
            return true;
        } finally {
            lifecycle.unlock();
        }
    }

    /** {@code SELECT pg_reload_conf()}. May run while a lifecycle operation runs. */
    @Override
    public void reload() {
        try (Connection c = instance.connect(instance.config().queryTimeout())) {
            Jdbc.value(c, "SELECT pg_catalog.pg_reload_conf()");
            LOG.info("{} - configuration reloaded", member());
        } catch (SQLException e) {
            throw new DatabaseUnavailableException(member() + ": cannot reload: " + e.getMessage(), e);
        }
    }

    /**
     * {@code pg_ctl stop -m immediate} on this data directory, as the PostgreSQL OS user
     * ({@code setpriv} when the agent runs as root): pg_ctl finds the postmaster through
     * {@code postmaster.pid}, so the command stays right across restarts, and does nothing but
     * report when no server runs.
     */
    @Override
    public Optional<List<String>> fenceCommand() {
        return Optional.of(instance.user().wrap(List.of(instance.binaries().tool("pg_ctl"), "stop", "-D",
                instance.dataDir().path().toString(), "-m", "immediate", "-w", "-t", "10")));
    }

    /**
     * Fast failover's death probe of {@code member}'s PostgreSQL ({@link DeathProbe}), logged in as
     * {@code postgresql.authentication.superuser}, at the host and port of its {@code conn_url}.
     * Runs on the calling thread, concurrently with anything else, and blocks for at most about
     * three times {@code timeout} rounded up to whole seconds (pgjdbc counts whole seconds).
     *
     * <p>Bad input never counts as death: a {@code conn_url} that is not
     * {@code postgres://host[:port]/...} with a port in 1–65535, or a {@code timeout} that is not
     * positive, is {@link LeaderProbe.Outcome#ANSWERED} with a warning and no probe. Never throws
     * for a failed probe.
     */
    @Override
    public LeaderProbe.Outcome probeOther(Member member, Duration timeout) {
        Objects.requireNonNull(member, "member");
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            LOG.warn("{} - not probing {}: timeout {} is not positive; counted as answering", member(),
                    member.name(), timeout);
            return LeaderProbe.Outcome.ANSWERED;
        }
        Conninfo.Endpoint endpoint;
        try {
            endpoint = Conninfo.endpoint(member.connUrl());
        } catch (IllegalArgumentException e) {
            LOG.warn("{} - not probing {}: unusable conn_url ({}); counted as answering", member(), member.name(),
                    e.getMessage());
            return LeaderProbe.Outcome.ANSWERED;
        }
        if (endpoint.port() < 1 || endpoint.port() > 65535) {
            LOG.warn("{} - not probing {}: port {} of conn_url '{}' is out of range; counted as answering",
                    member(), member.name(), endpoint.port(), member.connUrl());
            return LeaderProbe.Outcome.ANSWERED;
        }
        LeaderProbe.Outcome outcome = new DeathProbe(instance.config().superuser(), timeout)
                .probe(endpoint.host(), endpoint.port());
        if (outcome == LeaderProbe.Outcome.ANSWERED) {
            LOG.debug("{} - death probe of {} at {}: answered", member(), member.name(), endpoint);
        } else {
            LOG.info("{} - death probe of {} at {}: {}", member(), member.name(), endpoint, outcome);
        }
        return outcome;
    }

    /** Marks the node closed and closes the probe's connection. PostgreSQL keeps running. */
    @Override
    public void close() {
        closed = true;
        probe.disconnect();
    }

    @Override
    public String toString() {
        return "PostgresNode[" + member() + " " + instance.dataDir().path() + "]";
    }

    private void followLocked(Conninfo.Endpoint leader, boolean remote, long epoch) {
        ConfigFiles.Upstream upstream = rejoin.upstream(leader, remote);
        if (!remote) {
            rejoin.prepareLeaderQuietly(leader);
        }
        Optional<Boolean> replica = instance.postmaster().isRunning() ? instance.inRecovery() : Optional.empty();
        if (replica.orElse(false)) {
            instance.files().writeReplica(upstream);
            new Promotion(instance, probe).reloadAndAwaitConninfo(instance.files().primaryConninfo(upstream));
            return;
        }
        rejoin.stopIfRunning(); // a primary (or a server that does not answer) must restart to follow
        requireData();
        instance.files().writeReplica(upstream);
        instance.startAndAwait(epoch);
    }

    private void requireData() {
        if (!instance.dataDir().isInitialized()) {
            throw new DatabaseUnavailableException(member() + ": no data directory at " + instance.dataDir().path()
                    + "; bootstrap or clone first");
        }
    }

    /** The lifecycle operation running now, empty when none (for tests and diagnostics). */
    String operationInProgress() {
        return running;
    }

    /**
     * Runs a lifecycle operation alone. The stop epoch is read first, so a {@link #stop} that
     * arrives at any point after the operation was asked cancels any start it would make.
     */
    private void exclusive(String operation, LongConsumer action) {
        long epoch = instance.postmaster().epoch();
        if (closed) {
            throw new IllegalStateException(member() + " is closed");
        }
        if (!lifecycle.tryLock()) {
            throw new DatabaseUnavailableException(member() + ": cannot " + operation + " while '" + running
                    + "' runs");
        }
        long started = System.nanoTime();
        try {
            running = operation;
            action.accept(epoch);
            LOG.info("{} - {} done in {} ms", member(), operation, (System.nanoTime() - started) / 1_000_000);
        } catch (HaException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new DatabaseUnavailableException(member() + ": " + operation + " failed: " + e, e);
        } finally {
            running = "";
            lifecycle.unlock();
        }
    }

    private String member() {
        return instance.member();
    }

    /** Whether {@code member} is a standby cluster's remote primary rather than a member of this cluster. */
    private static boolean isRemote(Member member) {
        return StandbyCluster.REMOTE_MEMBER.equals(member.name());
    }

    private static Conninfo.Endpoint endpoint(Member member) {
        Objects.requireNonNull(member, "member");
        try {
            return Conninfo.endpoint(member.connUrl());
        } catch (IllegalArgumentException e) {
            throw new DatabaseUnavailableException("member " + member.name() + " has no usable conn_url: "
                    + e.getMessage(), e);
        }
    }
}
