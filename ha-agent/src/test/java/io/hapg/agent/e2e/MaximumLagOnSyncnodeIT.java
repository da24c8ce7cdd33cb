package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.testkit.Pids;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Patroni's {@code maximum_lag_on_syncnode} on a three-node synchronous cluster: the synchronous
 * standby's walreceiver is frozen (connected and "streaming", flushing nothing) while the primary
 * writes several MiB of WAL that the other standby flushes. With the key at -1 (Patroni's default)
 * the primary keeps the frozen standby; once the key is set to 1 MiB it replaces it with the other
 * standby in both the sync key and {@code synchronous_standby_names}, and commits go through again.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MaximumLagOnSyncnodeIT {
    private static final long MAX_LAG = 1_048_576;
    /** Several HA loops (loop_wait 1 s) in which a primary that swapped on lag would have done so. */
    private static final Duration LOOPS = Duration.ofSeconds(5);

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster cluster;
    private long frozenWalReceiver;

    @AfterEach
    void stop() {
        if (frozenWalReceiver != 0) {
            Pids.signal(frozenWalReceiver, "CONT");
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void lagBeyondTheKeySwapsTheSyncStandbyAndNotWhileTheKeyIsOff() {
        cluster = E2e.cluster("sync-maxlag").synchronousMode(true).dcs("maximum_lag_on_syncnode", -1).start();
        logs.watch(cluster);
        ClusterNode primary = cluster.awaitConverged(E2e.BOOT);
        ClusterNode hung = E2e.syncStandby(cluster);
        ClusterNode other = cluster.nodes().stream().filter(n -> n != primary && n != hung).findFirst().orElseThrow();
        primary.execute("CREATE TABLE t (v int)");

        frozenWalReceiver = Long.parseLong(hung.query("SELECT pid FROM pg_catalog.pg_stat_wal_receiver").get(0));
        Pids.signal(frozenWalReceiver, "STOP");
        // Local commits: a synchronous one would wait for the frozen standby forever.
        primary.execute("SET synchronous_commit = local; INSERT INTO t SELECT generate_series(1, 100000)");
        E2e.awaitTrue(hung.name() + " more than " + MAX_LAG + " bytes behind " + other.name(), E2e.CONVERGE,
                () -> flushLag(primary, hung, other) > MAX_LAG);
        long lag = flushLag(primary, hung, other);

        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < LOOPS.toNanos()) {
            assertThat(hung.status("/sync")).as("%s stays in the sync key with maximum_lag_on_syncnode -1", hung.name())
                    .isEqualTo(200);
            assertThat(setting(primary)).as("synchronous_standby_names with maximum_lag_on_syncnode -1")
                    .contains(hung.name()).doesNotContain(other.name());
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }

        ClusterNode.Response patched = primary.request("PATCH", "/config",
                "{\"maximum_lag_on_syncnode\": " + MAX_LAG + "}");
        assertThat(patched.status()).as("PATCH /config: %s", patched.body()).isEqualTo(200);
        long patchedAt = System.nanoTime();
        E2e.awaitTrue(other.name() + " in the sync key", E2e.FAILOVER, () -> other.status("/sync") == 200);
        long swapped = System.nanoTime();
        assertThat(hung.status("/sync")).as("%s out of the sync key", hung.name()).isEqualTo(503);
        assertThat(setting(primary)).as("synchronous_standby_names after the swap")
                .contains(other.name()).doesNotContain(hung.name());
        primary.execute("INSERT INTO t VALUES (0)"); // a synchronous commit: waits for the new standby only

        Pids.signal(frozenWalReceiver, "CONT");
        frozenWalReceiver = 0;
        E2e.awaitReplayed(hung, primary);
        report("[sync] maximum_lag_on_syncnode: " + hung.name() + " frozen " + lag + " bytes behind " + other.name()
                + ", kept " + LOOPS.toSeconds() + " s with -1; with " + MAX_LAG + " " + other.name()
                + " in the sync key " + (swapped - patchedAt) / 1_000_000 + " ms after the PATCH ("
                + E2e.timings() + ")");
    }

    /** How far {@code behind}'s flush position is behind {@code ahead}'s, per the primary's pg_stat_replication. */
    private static long flushLag(ClusterNode primary, ClusterNode behind, ClusterNode ahead) {
        return Long.parseLong(primary.query("SELECT pg_wal_lsn_diff("
                + "(SELECT flush_lsn FROM pg_stat_replication WHERE application_name = '" + ahead.name() + "'), "
                + "(SELECT flush_lsn FROM pg_stat_replication WHERE application_name = '" + behind.name() + "'))::bigint")
                .get(0));
    }

    private static String setting(ClusterNode primary) {
        return primary.query("SHOW synchronous_standby_names").get(0);
    }
}
