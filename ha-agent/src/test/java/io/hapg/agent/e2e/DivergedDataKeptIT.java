package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.testkit.Await;
import io.hapg.testkit.WriteHistory;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.cluster.LocalClusterExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Patroni's default {@code remove_data_directory_on_diverged_timelines: false} (issue #15), on real
 * agents: an old primary that returns with WAL the new primary never saw, while
 * {@code use_pg_rewind} is off, is not wiped. As Patroni does, its agent starts PostgreSQL as a
 * replica that cannot stream and says why every loop; its diverged commits stay on disk for the
 * operator. Then {@code POST /reinitialize} (what {@code hactl reinit} sends) re-clones it and it
 * streams from the new primary with the new primary's rows.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DivergedDataKeptIT {
    private static final Duration DIVERGE_FOR = Duration.ofMillis(1500);

    @RegisterExtension
    static final LocalClusterExtension HAPG = LocalClusterExtension.of(E2e.patroniDefaults("e2e-kept")
            // the diverged WAL must not veto the failover on a busy machine (as in DivergedReturnIT)
            .dcs("maximum_lag_on_failover", 64 * 1024 * 1024), E2e.BOOT);

    @Test
    void divergedOldPrimaryKeepsItsDataUntilAnOperatorReinitializesIt() {
        LocalCluster cluster = HAPG.cluster();
        ClusterNode old = cluster.awaitConverged(E2e.CONVERGE);
        assertThat(old.request("PATCH", "/config", "{\"postgresql\": {\"use_pg_rewind\": false}}").status())
                .isEqualTo(200);
        Await.until("every node sees use_pg_rewind false", Duration.ofSeconds(20), () -> cluster.nodes().stream()
                .allMatch(n -> n.get("/config").body().replace(" ", "").contains("\"use_pg_rewind\":false")));

        WriteHistory writes = E2e.writes(cluster);
        Set<Long> diverged;
        ClusterNode next;
        try {
            writes.awaitAcknowledged(n -> n.equals(old.name()), Instant.now(), Duration.ofSeconds(20));
            assertThat(old.freezeWalSenders()).as("walsenders of %s", old.name()).hasSize(2);
            Instant cut = Instant.now();
            LockSupport.parkNanos(DIVERGE_FOR.toNanos());
            diverged = writes.acknowledged().stream()
                    .filter(c -> c.node().equals(old.name()) && c.serverTime().isAfter(cut))
                    .map(WriteHistory.Commit::id).collect(Collectors.toCollection(TreeSet::new));
            assertThat(diverged).as("commits on %s its replicas never received", old.name()).isNotEmpty();
            old.killNode();
            next = cluster.awaitPrimary(n -> n != old, E2e.FAILOVER);
            writes.awaitAcknowledged(n -> n.equals(next.name()), Instant.now(), E2e.FAILOVER);
        } finally {
            writes.close();
        }

        long offset = E2e.logSize(old);
        old.startAgent();
        String kept = "remove_data_directory_on_diverged_timelines is false: keeping the data directory";
        Await.until(old.name() + " says it keeps its diverged data", Duration.ofSeconds(60),
                () -> E2e.logSince(old, offset).contains(kept) && old.get("/patroni").body().contains("running"));
        // A few loops later: still not wiped, still not re-cloned, and not streaming.
        LockSupport.parkNanos(Duration.ofSeconds(3 * E2e.LOOP_WAIT + 2).toNanos());
        String log = E2e.logSince(old, offset);
        String patroni = old.get("/patroni").body().replace(" ", "");
        report("[kept] " + old.name() + " after its restart: GET /patroni " + patroni);
        report("[kept] " + old.name() + " decided: " + log.lines().filter(l -> l.contains(kept)).findFirst()
                .orElse("?"));
        assertThat(log).doesNotContain("re-cloning from").doesNotContain("clone from");
        assertThat(patroni).contains("\"state\":\"running\"").contains("\"role\":\"replica\"");
        Set<Long> onOld = ids(old, writes.table());
        assertThat(onOld).as("%s keeps the commits only it has", old.name()).containsAll(diverged);
        // It cannot replay the new timeline: a row written on the new primary reaches the other
        // replica but never this one (its walreceiver connects and gives up, again and again).
        next.execute("CREATE TABLE after_failover (v int); INSERT INTO after_failover VALUES (1)");
        ClusterNode third = cluster.nodes().stream().filter(n -> n != old && n != next).findFirst().orElseThrow();
        Await.until(third.name() + " replays the new timeline", Duration.ofSeconds(30),
                () -> tableExists(third, "after_failover"));
        LockSupport.parkNanos(Duration.ofSeconds(3).toNanos());
        assertThat(tableExists(old, "after_failover")).as("%s replays the new timeline", old.name()).isFalse();
        report("[kept] " + old.name() + "'s PostgreSQL log: " + lastLine(old, "forked off"));

        ClusterNode.Response reinit = old.request("POST", "/reinitialize", "{\"force\": true}");
        assertThat(reinit.status()).as("POST /reinitialize: %s", reinit.body()).isEqualTo(200);
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        assertThat(primary).isEqualTo(next);
        E2e.awaitReplayed(old, primary);
        assertThat(ids(old, writes.table())).as("%s after the reinit", old.name())
                .doesNotContainAnyElementsOf(diverged).isEqualTo(ids(primary, writes.table()));
        report("[kept] " + old.name() + " reinitialized: streaming from " + primary.name() + ", "
                + diverged.size() + " diverged commits gone");
    }

    private static boolean tableExists(ClusterNode node, String table) {
        return node.query("SELECT to_regclass('" + table + "') IS NOT NULL").get(0).equals("t");
    }

    private static String lastLine(ClusterNode node, String containing) {
        try {
            return Files.readAllLines(node.postgresLog()).stream().filter(l -> l.contains(containing))
                    .reduce((a, b) -> b).orElse("(no line with '" + containing + "')");
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static Set<Long> ids(ClusterNode node, String table) {
        List<String> rows = node.query("SELECT id FROM " + table);
        return rows.stream().map(Long::parseLong).collect(Collectors.toCollection(TreeSet::new));
    }
}
