package io.hapg.core.testing;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DatabaseState.DataDirectory;
import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.ReplicationPeer;
import io.hapg.core.model.SynchronousStandbyNames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Factories for local database probes ({@link DatabaseState}), each a fluent {@link Db} builder:
 *
 * <pre>
 * Databases.primary().streaming("pg2", "0/5000060").syncStandbys("pg2").build()
 * Databases.replica("0/4000000").timeline(1).build()
 * </pre>
 *
 * Defaults: this cluster's system identifier ({@link Clusters#SYSID}), timeline 2, position
 * {@link Clusters#POSITION}.
 */
public final class Databases {

    private Databases() {
    }

    /** Running, not in recovery, writing at {@link Clusters#POSITION}. */
    public static Db primary() {
        return new Db().process(ProcessState.RUNNING).write(Clusters.POSITION);
    }

    /** Running in recovery, received and replayed up to {@code lsn}. */
    public static Db replica(String lsn) {
        return new Db().process(ProcessState.RUNNING).inRecovery().receive(lsn).replay(lsn);
    }

    /** A replica at {@link Clusters#POSITION}. */
    public static Db replica() {
        return replica(Clusters.POSITION);
    }

    /** Data directory present, postmaster not running, cleanly shut down at {@link Clusters#POSITION}. */
    public static Db stopped() {
        return new Db().process(ProcessState.STOPPED).checkpoint(Clusters.POSITION).clean(true);
    }

    /** Postmaster up but not accepting connections yet. */
    public static Db starting() {
        return new Db().process(ProcessState.STARTING);
    }

    /** No data directory. */
    public static DatabaseState empty() {
        return DatabaseState.empty();
    }

    /** Fluent {@link DatabaseState} builder. */
    public static final class Db {
        private DataDirectory dataDirectory = DataDirectory.INITIALIZED;
        private ProcessState process = ProcessState.STOPPED;
        private boolean inRecovery;
        private Optional<Lsn> write = Optional.empty();
        private Optional<Lsn> receive = Optional.empty();
        private Optional<Lsn> replay = Optional.empty();
        private int timeline = 2;
        private Optional<String> sysid = Optional.of(Clusters.SYSID);
        private final List<ReplicationPeer> replication = new ArrayList<>();
        private List<String> syncStandbys = List.of();
        private Optional<SynchronousStandbyNames> syncSetting = Optional.empty();
        private Optional<Lsn> syncChange = Optional.empty();
        private Optional<Lsn> checkpoint = Optional.empty();
        private boolean clean;
        private boolean crashedInRecovery;

        private Db() {
        }

        public Db process(ProcessState p) {
            process = p;
            return this;
        }

        public Db inRecovery() {
            inRecovery = true;
            return this;
        }

        public Db write(String lsn) {
            write = Optional.of(Lsn.parse(lsn));
            return this;
        }

        public Db receive(String lsn) {
            receive = Optional.of(Lsn.parse(lsn));
            return this;
        }

        public Db replay(String lsn) {
            replay = Optional.of(Lsn.parse(lsn));
            return this;
        }

        public Db timeline(int t) {
            timeline = t;
            return this;
        }

        public Db sysid(String id) {
            sysid = Optional.of(id);
            return this;
        }

        /** A {@code pg_stat_replication} row: {@code member} streams, flushed up to {@code flushLsn}. */
        public Db streaming(String member, String flushLsn) {
            replication.add(new ReplicationPeer(member, "streaming", "async", Optional.of(Lsn.parse(flushLsn)),
                    Optional.of(Lsn.parse(flushLsn))));
            return this;
        }

        /** A {@code pg_stat_replication} row in state {@code catchup}. */
        public Db catchingUp(String member, String flushLsn) {
            replication.add(new ReplicationPeer(member, "catchup", "async", Optional.of(Lsn.parse(flushLsn)),
                    Optional.of(Lsn.parse(flushLsn))));
            return this;
        }

        /**
         * A {@code pg_stat_replication} row that PostgreSQL counts as synchronous ({@code sync_state
         * sync}), flushed up to {@code flushLsn}.
         */
        public Db synchronous(String member, String flushLsn) {
            replication.add(new ReplicationPeer(member, "streaming", "sync", Optional.of(Lsn.parse(flushLsn)),
                    Optional.of(Lsn.parse(flushLsn))));
            return this;
        }

        /**
         * A {@code pg_stat_replication} row of a quorum commit standby ({@code sync_state quorum}),
         * flushed up to {@code flushLsn}.
         */
        public Db quorum(String member, String flushLsn) {
            replication.add(new ReplicationPeer(member, "streaming", "quorum", Optional.of(Lsn.parse(flushLsn)),
                    Optional.of(Lsn.parse(flushLsn))));
            return this;
        }

        /** {@code synchronous_standby_names = ANY count (names)}, quorum commit's form. */
        public Db anyOf(int count, String... names) {
            syncStandbys(names);
            return syncSetting(SynchronousStandbyNames.anyOf(count, Arrays.asList(names)));
        }

        /** The full parsed {@code synchronous_standby_names} (default: hapg's form over {@link #syncStandbys}). */
        public Db syncSetting(SynchronousStandbyNames setting) {
            syncSetting = Optional.of(setting);
            return this;
        }

        /** The primary's flush position when {@code synchronous_standby_names} last changed. */
        public Db syncChangedAt(String lsn) {
            syncChange = Optional.of(Lsn.parse(lsn));
            return this;
        }

        /** The member names currently in {@code synchronous_standby_names}. */
        public Db syncStandbys(String... names) {
            syncStandbys = Arrays.asList(names);
            return this;
        }

        public Db checkpoint(String lsn) {
            checkpoint = Optional.of(Lsn.parse(lsn));
            return this;
        }

        public Db noCheckpoint() {
            checkpoint = Optional.empty();
            return this;
        }

        /** Control file says "shut down" ({@code true}) or "in production" after a crash ({@code false}). */
        public Db clean(boolean c) {
            clean = c;
            return this;
        }

        /**
         * Control file says "in archive recovery": a replica that stopped without a clean shutdown,
         * with its minimum recovery point at {@code minRecovery} (what the probe reports as replayed).
         */
        public Db crashedInRecovery(String minRecovery) {
            crashedInRecovery = true;
            clean = false;
            replay = Optional.of(Lsn.parse(minRecovery));
            return this;
        }

        public DatabaseState build() {
            return new DatabaseState(dataDirectory, process, inRecovery && process == ProcessState.RUNNING, write,
                    receive, replay, timeline, sysid, replication, syncStandbys, checkpoint, clean,
                    process == ProcessState.RUNNING ? "" : process.name().toLowerCase())
                    .withSync(syncSetting.orElse(SynchronousStandbyNames.allOf(syncStandbys)), syncChange)
                    .withCrashedInRecovery(crashedInRecovery);
        }
    }
}
