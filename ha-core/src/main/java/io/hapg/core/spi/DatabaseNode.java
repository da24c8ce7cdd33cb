package io.hapg.core.spi;

import io.hapg.core.model.ClusterPgFiles;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.LeaderProbe;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.PermanentSlot;
import io.hapg.core.model.SlotPlan;
import io.hapg.core.model.StandbyCluster;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Control of the local PostgreSQL: the only component that touches the data directory or the
 * postmaster. It decides nothing: the HA loop tells it what to do, after the decision engine
 * chose.
 *
 * <p><b>Threads.</b> {@link #probe()} runs on the HA loop thread; the slow operations
 * ({@link #bootstrap}, {@link #cloneFrom}, {@link #promote}, {@link #rewind}) run on the agent's
 * action executor while the loop keeps renewing the lease. Implementations need not be safe for
 * two slow operations at once: the agent never runs two.
 *
 * <p><b>Failure.</b> Every method except {@code probe} either completes what it was asked or
 * throws {@link DatabaseUnavailableException} naming what failed; it never leaves a process it
 * started running unsupervised. Each has an internal timeout (the configured
 * {@code retry_timeout} for queries; longer, configured limits for initdb, clone and rewind).
 * A data directory that belongs to another cluster is a {@link FatalHaException}, and its data
 * is never touched.
 */
public interface DatabaseNode extends AutoCloseable {

    /**
     * Looks at the data directory and the postmaster, with a short timeout. Never throws for a
     * stopped, starting or hung database: those are states. Never blocks past its timeout.
     * A running primary also reports its whole {@code synchronous_standby_names} and its flush
     * position when that value last changed ({@link DatabaseState#withSync}): without that
     * position synchronous mode publishes no new standby in the sync key.
     */
    DatabaseState probe();

    /** initdb, configure, start as a primary and create the configured users. Empty data dir only. */
    void bootstrap();

    /**
     * Replaces the data directory with a fresh copy of {@code source} (pg_basebackup, using this
     * member's replication slot when slots are on), then starts it as a replica of {@code source}.
     * Used for new replicas, to re-clone a node whose rewind failed, and to bootstrap a standby
     * cluster's leader from the remote primary ({@link #useStandbyCluster}). The source may be a
     * replica (Patroni's {@code clonefrom} tag), which keeps no slot of this member: the copy must
     * not need one, and the caller then {@link #follow}s the leader.
     */
    void cloneFrom(Member source);

    /**
     * Starts PostgreSQL: as a replica streaming from {@code upstream} if given, else as a primary
     * (crash recovery in place). Returns once it accepts connections.
     */
    void start(Optional<Member> upstream);

    /**
     * Starts PostgreSQL in recovery with no upstream (a standby streaming from nobody): read-only
     * until told to {@link #follow} or {@link #promote}. What a node without the leader key does
     * when the cluster has no leader: like Patroni, never start writable without the key. Also how
     * a member tagged {@code nostream} runs: its WAL comes from {@code restore_command} only.
     * Returns once it accepts connections. A running replica stops streaming (its upstream
     * settings are removed, applied by a reload); a running primary is left as it is.
     */
    void startReadOnly();

    /**
     * Stops PostgreSQL in {@code mode}; falls back to SIGKILL when a stop exceeds its timeout.
     * Returns once no postmaster runs. Unlike the other operations, this one may be called while
     * another runs (the lease watchdog fences from its own thread): it must be thread-safe.
     */
    void stop(StopMode mode);

    /**
     * {@link #stop(StopMode)} with {@code timeout} instead of the node's own stop bound before
     * SIGKILL (a demotion under Patroni's {@code primary_stop_timeout}). The default ignores the
     * bound and uses the node's own.
     */
    default void stop(StopMode mode, Duration timeout) {
        stop(mode);
    }

    /** Promotes a running replica and returns once it accepts writes. */
    void promote();

    /**
     * Makes PostgreSQL a replica of {@code leader}: writes standby.signal and primary_conninfo
     * (application_name = this member, primary_slot_name), then reloads where PostgreSQL allows
     * it and restarts where it must. Turns a running primary into a replica (a demotion).
     */
    void follow(Member leader);

    /**
     * Rewinds a stopped, diverged former primary with pg_rewind against {@code leader}, then
     * configures it to follow. Throws when pg_rewind fails; whether the node is then re-cloned is
     * the decision engine's ({@code remove_data_directory_on_*}). Never empties the data directory.
     *
     * @throws SourceUnavailableException when {@code leader} could not be reached (or is no primary)
     *                                    and the local data is still usable: a later retry is safe
     * @throws DatabaseUnavailableException when pg_rewind failed against a healthy leader
     */
    void rewind(Member leader);

    /**
     * Sets {@code synchronous_standby_names} to exactly {@code members} (empty = none, strict
     * keeps commits waiting on a placeholder) and reloads; returns once the setting is in effect.
     */
    void setSynchronousStandbys(List<String> members, boolean strict);

    /**
     * Quorum commit ({@code synchronous_mode: quorum}): sets {@code synchronous_standby_names} to
     * {@code ANY count (members)} (names sorted, as Patroni 4 writes it; empty for no members) and
     * reloads; returns once a new session shows the value, so every commit from then on waits for
     * {@code count} of {@code members}. Not atomic with anything else; runs on the loop thread,
     * bounded by the query timeout; may run while a lifecycle operation runs. The default refuses:
     * an implementation without quorum commit never gets a quorum-mode decision to carry out.
     *
     * @throws IllegalArgumentException     when {@code count} is not between 1 and the number of
     *                                      members (0 with no members)
     * @throws DatabaseUnavailableException when the server could not be asked, or the value was not
     *                                      in effect within the query timeout (the old value may
     *                                      still be in effect: the caller re-reads it next iteration)
     * @throws UnsupportedOperationException (default) always
     */
    default void setQuorumStandbys(int count, List<String> members) {
        throw new UnsupportedOperationException("quorum commit (ANY " + count + " " + members + ") is not "
                + "supported by " + getClass().getSimpleName());
    }

    /**
     * Keeps the slots of {@code plan} (Patroni's {@code sync_replication_slots}): creates the
     * missing ones (a logical one on a primary only, in its database: a replica gets it from
     * {@link #copyLogicalSlots}), drops every physical slot outside the plan that
     * {@code ignore_slots} does not cover and no walsender uses (one in use is retried on the next
     * call), re-creates a permanent slot whose type, database or plugin differ (on a primary;
     * a replica drops it, to be copied again), and on a replica advances each permanent slot
     * present to its published position (at most to the replay position; a logical one with
     * {@code pg_replication_slot_advance} in its database). Logical slots outside the plan are
     * never dropped, and a primary uses a logical slot it has (one copied while it was a
     * replica) as it is. A failure to advance one slot is logged and retried on the next call.
     * Bounded by the query timeout.
     *
     * @return the positions of the plan's slots, member and permanent, as they are now (a
     *         physical slot's {@code restart_lsn}, a logical one's {@code confirmed_flush_lsn}), for
     *         the leader to publish in the {@code status} key; slots without a position are left out, and so
     *         is, on a replica, a logical slot whose advance found the WAL it needs gone (a stale
     *         copy: Patroni copies it again)
     * @throws DatabaseUnavailableException when PostgreSQL does not answer or refuses
     */
    Map<String, Lsn> ensureSlots(SlotPlan plan);

    /**
     * On a replica: copies the logical slots {@code slots} from {@code leader} (Patroni's
     * {@code copy_logical_slots}). Reads each slot's state file on the leader
     * ({@code pg_read_binary_file('pg_replslot/<name>/state')}, connecting as the pg_rewind
     * role), keeps those whose type, database and plugin match {@code slots}, and if any: stops
     * PostgreSQL (fast), writes each into {@code pg_replslot/<name>/state} (durably, as the
     * PostgreSQL OS user, replacing an older copy) and starts it again as a replica of
     * {@code leader}, which loads them. It decides nothing: whether to copy is the caller's.
     * Bounded by the query timeout plus the stop and start timeouts. The default copies nothing.
     *
     * @return the names of the slots written (empty when the leader has none of them, they differ
     *         from {@code slots}, or they need WAL older than this replica still has: a copy could
     *         never be advanced; nothing was stopped then)
     * @throws SourceUnavailableException when the leader could not be read: nothing was stopped
     * @throws DatabaseUnavailableException when stopping, writing or starting failed
     */
    default Set<String> copyLogicalSlots(Member leader, Collection<PermanentSlot> slots) {
        return Set.of();
    }

    /** On a primary: one physical slot per member named (except this one), and no other physical slot. */
    default void ensureSlots(Set<String> members) {
        ensureSlots(SlotPlan.ofMembers(members));
    }

    /**
     * Makes a running PostgreSQL re-read its configuration files ({@code pg_reload_conf()}, the
     * SIGHUP Patroni's {@code /reload} sends). Bounded by the query timeout; a stopped server is
     * a {@link DatabaseUnavailableException}.
     */
    void reload();

    /**
     * Takes the PostgreSQL settings of the cluster's dynamic configuration
     * ({@code postgresql.parameters} in the {@code config} key, what {@code edit-config -p}
     * changes), under the node's local ones, which win. When no lifecycle operation runs, it
     * rewrites the server's configuration at once and, if the server runs, reloads it; settings
     * that need a restart then show as {@link io.hapg.core.model.DatabaseState#pendingRestart()}.
     * Before there is a data directory, the settings wait for the bootstrap or clone to write them.
     *
     * <p>Called by the HA loop thread whenever the dynamic settings differ from those last
     * applied, and again on the next iteration until it returns true. Bounded by the query
     * timeout. The default does nothing and reports them applied.
     *
     * @return true if the settings are in place (or will be written by the first bootstrap or
     *         clone); false if a lifecycle operation runs and nothing was done: ask again
     * @throws DatabaseUnavailableException when the files cannot be written or the reload fails
     */
    default boolean configure(Map<String, String> dynamicParameters) {
        return true;
    }

    /**
     * The {@code standby_cluster} section in force (empty: a normal cluster). Every replica
     * configuration written afterwards carries its {@code restore_command} and
     * {@code archive_cleanup_command}; following, cloning or starting from the remote primary (the
     * member {@link StandbyCluster#remoteMember()}, named {@link StandbyCluster#REMOTE_MEMBER})
     * streams through the section's {@code primary_slot_name} (no slot when absent; never created
     * on the remote, which is another cluster's business) and sets its
     * {@code recovery_min_apply_delay}. Files already written are rewritten and a running server
     * reloaded, as {@link #configure} does.
     *
     * <p>Called by the HA loop thread whenever the section differs from the one last applied, and
     * again on the next iteration until it returns true; bounded by the query timeout. The default
     * accepts only a normal cluster: an implementation that cannot run a standby cluster must
     * refuse the section rather than follow the remote without it.
     *
     * @return true if in place; false if a lifecycle operation runs and nothing was done: ask again
     * @throws DatabaseUnavailableException when the files cannot be written or the reload fails
     * @throws UnsupportedOperationException (default) for a present section
     */
    default boolean useStandbyCluster(Optional<StandbyCluster> section) {
        if (section.isPresent()) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot run a standby cluster");
        }
        return true;
    }

    /**
     * The cluster's {@code postgresql.pg_ident} and {@code postgresql.recovery_conf}
     * ({@link io.hapg.core.model.DynamicConfig#postgresqlFiles()}) for the files written from now
     * on: each applies unless the node's own configuration sets it (then the node's wins, whole, as
     * in Patroni). When what is in force changed and the files were written before, they are
     * rewritten and a running server reloaded, as Patroni reloads on a changed {@code pg_ident} or
     * {@code recovery_conf}; a recovery setting that needs a restart on the server's version then
     * shows as a pending restart.
     *
     * <p>Called by the HA loop thread whenever the value differs from the one last applied, and
     * again on the next iteration until it returns true; bounded by the query timeout. The default
     * accepts only {@link ClusterPgFiles#NONE}: an implementation that cannot write the files must
     * refuse them rather than run without.
     *
     * @return true if in place; false if a lifecycle operation runs and nothing was done: ask again
     * @throws DatabaseUnavailableException when the files cannot be written or the reload fails
     * @throws UnsupportedOperationException (default) for anything but {@link ClusterPgFiles#NONE}
     */
    default boolean configureFiles(ClusterPgFiles files) {
        if (!files.isEmpty()) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot write pg_ident.conf or"
                    + " recovery settings");
        }
        return true;
    }

    /**
     * A command line that stops this PostgreSQL at once (an immediate shutdown), for a process
     * other than the agent's JVM to run when the agent cannot: frozen, or dead while primary. The
     * agent hands it to its out-of-process fence ({@code watchdog.mode} automatic or required),
     * which runs it without the JVM, as the agent's OS user and with its environment; so it must
     * not depend on the JVM, need no input, do its own change of user when PostgreSQL runs as
     * another, finish within seconds, and be harmless when PostgreSQL is already stopped.
     *
     * <p>Called once, when the agent starts. Empty (the default) when the implementation has no
     * such command: then only the in-process watchdog fences, and {@code watchdog.mode: required}
     * refuses to start.
     */
    default Optional<List<String>> fenceCommand() {
        return Optional.empty();
    }

    /**
     * Fast failover's death probe ({@code FAST-FAILOVER.md}): one full protocol round trip
     * (connect, log in, {@code SELECT 1}) to <em>another</em> member's PostgreSQL, never a bare TCP
     * connect, since the kernel of a frozen postmaster still accepts connections.
     *
     * <p>{@link LeaderProbe.Outcome#NOT_ANSWERING} only when no answer came: refused, or every wait
     * ran out. Anything the server answers, even an error, is {@link LeaderProbe.Outcome#ANSWERED}.
     * Blocks the calling thread for at most about three times {@code timeout}; never throws for a
     * failed probe. The default answers {@link LeaderProbe.Outcome#ANSWERED} without probing: an
     * implementation that cannot probe never lets this node, or a node asking it, take over early.
     *
     * @param member  the member whose PostgreSQL to probe (its {@link Member#connUrl()})
     * @param timeout bound for each wait (connect, login, the query)
     */
    default LeaderProbe.Outcome probeOther(Member member, Duration timeout) {
        return LeaderProbe.Outcome.ANSWERED;
    }

    /** Releases connections and threads. Does not stop PostgreSQL. Idempotent. */
    @Override
    void close();

    /** PostgreSQL's shutdown modes. */
    enum StopMode {
        /** Waits for clients to disconnect. */
        SMART,
        /** Disconnects clients, writes a shutdown checkpoint. */
        FAST,
        /** No checkpoint: crash recovery at the next start. */
        IMMEDIATE,
        /** SIGKILL to the postmaster and every backend: the last resort of fencing when a stop hangs. */
        KILL
    }
}
