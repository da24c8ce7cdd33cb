package io.hapg.agent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.Tags;
import io.hapg.core.testing.Clusters;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterTableTest {

    @Test
    void healthyClusterLooksLikePatronictlList() {
        String table = ClusterTable.pretty(Clusters.SCOPE, Clusters.withHealthyLeader());
        assertThat(table).isEqualTo(""
                + "+ Cluster: demo (7312345678901234567) +----+-----------+\n"
                + "| Member | Host | Role    | State     | TL | Lag in MB |\n"
                + "+--------+------+---------+-----------+----+-----------+\n"
                + "| pg1    | pg1  | Leader  | running   |  2 |           |\n"
                + "| pg2    | pg2  | Replica | streaming |  2 |         0 |\n"
                + "| pg3    | pg3  | Replica | streaming |  2 |         0 |\n"
                + "+--------+------+---------+-----------+----+-----------+\n");
    }

    /** patronictl's list of a standby cluster: its leader is the Standby Leader. */
    @Test
    void theLeaderOfAStandbyClusterIsTheStandbyLeader() {
        ClusterView view = Clusters.healthy().member(Clusters.member("pg1").replica())
                .config("standby_cluster", java.util.Map.of("host", "10.0.0.9", "port", 5432)).build();
        String[] lines = ClusterTable.pretty(Clusters.SCOPE, view).split("\n");
        assertThat(lines[3]).startsWith("| pg1    | pg1  | Standby Leader | ");
        assertThat(lines[4]).startsWith("| pg2    | pg2  | Replica        | streaming |");
    }

    @Test
    void aPendingRestartAddsPatronictlsColumn() {
        ClusterView view = Clusters.healthy().member(Clusters.member("pg2").replica().pendingRestart()).build();
        String[] lines = ClusterTable.pretty(Clusters.SCOPE, view).split("\n");
        assertThat(lines[1]).isEqualTo("| Member | Host | Role    | State     | TL | Lag in MB | Pending restart |");
        assertThat(lines[3]).isEqualTo("| pg1    | pg1  | Leader  | running   |  2 |           |                 |");
        assertThat(lines[4]).isEqualTo("| pg2    | pg2  | Replica | streaming |  2 |         0 | *               |");
    }

    /** patronictl shows the column as soon as one member publishes a scheduled restart, -e or not. */
    @Test
    void aScheduledRestartAddsPatronictlsColumn() {
        ClusterView view = Clusters.healthy()
                .member(Clusters.member("pg2").replica().scheduledRestart(java.time.Instant.parse("2026-12-03T16:00:00Z")))
                .build();
        String[] lines = ClusterTable.pretty(Clusters.SCOPE, view).split("\n");
        assertThat(lines[1]).isEqualTo("| Member | Host | Role    | State     | TL | Lag in MB | Scheduled restart         |");
        assertThat(lines[4]).isEqualTo("| pg2    | pg2  | Replica | streaming |  2 |         0 | 2026-12-03T16:00:00+00:00 |");
    }

    /** patronictl 4 names the sync key's voters Quorum Standby in quorum commit. */
    @Test
    void votersAreQuorumStandbysInQuorumCommit() {
        ClusterView view = Clusters.healthy().quorumMode().syncQuorum("pg1", 1, "pg2", "pg3").build();
        String[] lines = ClusterTable.pretty(Clusters.SCOPE, view).split("\n");
        assertThat(lines[4]).contains("| Quorum Standby |");
        assertThat(lines[5]).contains("| Quorum Standby |");
    }

    @Test
    void syncStandbyLagUnknownStateAndMaintenanceNotes() {
        ClusterView view = Clusters.healthy().synchronousMode().pause().sync("pg1", "pg2")
                .member(Clusters.member("pg2").replica().at("0/3000060"))
                .member(Clusters.member("pg3").stopped().timeline(0))
                .switchover("pg1", "pg2").scheduledAt(Instant.parse("2026-05-01T03:00:00Z"))
                .build();
        String[] lines = ClusterTable.pretty(Clusters.SCOPE, view).split("\n");
        assertThat(lines[3]).isEqualTo("| pg1    | pg1  | Leader       | running   |  2 |           |");
        // 0x5000060 - 0x3000060 = 32 MiB behind the published optime
        assertThat(lines[4]).isEqualTo("| pg2    | pg2  | Sync Standby | streaming |  2 |        32 |");
        assertThat(lines[5]).isEqualTo("| pg3    | pg3  | Replica      | stopped   |    |         0 |");
        assertThat(List.of(lines).subList(7, lines.length)).containsExactly(
                " Maintenance mode: on",
                " Switchover scheduled at: 2026-05-01T03:00:00+00:00",
                "                    from: pg1",
                "                      to: pg2");
    }

    @Test
    void hostShowsThePortWhenNotDefaultOrShared() {
        ClusterView view = Clusters.healthy()
                .member(member("pg1", "postgres://127.0.0.1:5432/postgres", Optional.of(Lsn.parse(Clusters.POSITION))))
                .member(member("pg2", "postgres://127.0.0.1:5433/postgres", Optional.empty()))
                .without("pg3").build();
        String table = ClusterTable.pretty("demo", view);
        assertThat(table).contains("| pg1    | 127.0.0.1:5432 | Leader  |")
                .contains("| pg2    | 127.0.0.1:5433 | Replica | streaming |  2 |   unknown |");
    }

    @Test
    void lagRoundsHalfEvenLikePython() {
        ClusterView view = Clusters.healthy().optime("0/1800000") // 24 MiB
                .member(Clusters.member("pg2").replica().at("0/1000000")) // 8 MiB behind
                .member(Clusters.member("pg3").replica().at("0/1080000")) // 7.5 MiB behind -> 8
                .build();
        ClusterTable t = new ClusterTable("demo", view);
        assertThat(t.lagInMb(view.member("pg2").get())).isEqualTo(8L);
        assertThat(t.lagInMb(view.member("pg3").get())).isEqualTo(8L);
        ClusterView ahead = Clusters.healthy().optime("0/1000000").build();
        assertThat(new ClusterTable("demo", ahead).lagInMb(ahead.member("pg2").get())).isEqualTo(0L);
    }

    @Test
    void titleSaysUninitializedOrInitializing() {
        assertThat(new ClusterTable("demo", Clusters.uninitialized()).title()).isEqualTo(" Cluster: demo (uninitialized) ");
        assertThat(new ClusterTable("demo", Clusters.view().initialize("").build()).title())
                .isEqualTo(" Cluster: demo (initializing) ");
        assertThat(ClusterTable.pretty("demo", Clusters.uninitialized())).isEqualTo(""
                + "+ Cluster: demo (uninitialized) ----+-----------+\n"
                + "| Member | Host | Role | State | TL | Lag in MB |\n"
                + "+--------+------+------+-------+----+-----------+\n"
                + "+--------+------+------+-------+----+-----------+\n");
    }

    @Test
    void jsonIsAListOfObjectsWithoutEmptyCells() {
        String json = new ClusterTable("demo", Clusters.withHealthyLeader()).render(Format.JSON);
        assertThat(json).isEqualTo("["
                + "{\"Cluster\":\"demo\",\"Member\":\"pg1\",\"Host\":\"pg1\",\"Role\":\"Leader\",\"State\":\"running\",\"TL\":2},"
                + "{\"Cluster\":\"demo\",\"Member\":\"pg2\",\"Host\":\"pg2\",\"Role\":\"Replica\",\"State\":\"streaming\","
                + "\"TL\":2,\"Lag in MB\":0},"
                + "{\"Cluster\":\"demo\",\"Member\":\"pg3\",\"Host\":\"pg3\",\"Role\":\"Replica\",\"State\":\"streaming\","
                + "\"TL\":2,\"Lag in MB\":0}]\n");
    }

    @Test
    void tsvHasTheClusterInEveryRowAndTagsAppearWhenSet() {
        ClusterView view = Clusters.healthy().member(Clusters.member("pg3").replica().nofailover()).build();
        String tsv = new ClusterTable("demo", view).render(Format.TSV);
        assertThat(tsv.split("\n")).containsExactly(
                "Cluster\tMember\tHost\tRole\tState\tTL\tLag in MB\tTags",
                "demo\tpg1\tpg1\tLeader\trunning\t2\t\t",
                "demo\tpg2\tpg2\tReplica\tstreaming\t2\t0\t",
                "demo\tpg3\tpg3\tReplica\tstreaming\t2\t0\t{nofailover: true}");
        assertThat(ClusterTable.pretty("demo", view)).contains("| {nofailover: true} |");
    }

    @Test
    void historyTable() {
        List<HistoryEntry> history = List.of(
                new HistoryEntry(1, Lsn.parse("0/3000000"), "no recovery target specified", Optional.empty(),
                        Optional.empty()),
                new HistoryEntry(2, Lsn.parse("0/50001A8"), "no recovery target specified",
                        Optional.of("2026-11-25T23:49:48.513572+00:00"), Optional.of("n1")));
        assertThat(HistoryTable.render(history, Format.PRETTY)).isEqualTo(""
                + "+----+----------+------------------------------+----------------------------------+------------+\n"
                + "| TL |      LSN | Reason                       | Timestamp                        | New Leader |\n"
                + "+----+----------+------------------------------+----------------------------------+------------+\n"
                + "|  1 | 50331648 | no recovery target specified |                                  |            |\n"
                + "|  2 | 83886504 | no recovery target specified | 2026-11-25T23:49:48.513572+00:00 | n1         |\n"
                + "+----+----------+------------------------------+----------------------------------+------------+\n");
        assertThat(HistoryTable.render(history, Format.JSON)).startsWith("[{\"TL\":1,\"LSN\":50331648,"
                + "\"Reason\":\"no recovery target specified\",\"Timestamp\":\"\",\"New Leader\":\"\"},");
    }

    @Test
    void shapeIgnoresLagOnly() {
        ClusterView base = Clusters.withHealthyLeader();
        ClusterView lagging = Clusters.healthy().member(Clusters.member("pg2").replica().at("0/1000000")).build();
        ClusterView moved = Clusters.healthy().leader("pg2").build();
        ClusterView paused = Clusters.healthy().pause().build();
        assertThat(ClusterTable.shape("demo", lagging)).isEqualTo(ClusterTable.shape("demo", base));
        assertThat(ClusterTable.shape("demo", moved)).isNotEqualTo(ClusterTable.shape("demo", base));
        assertThat(ClusterTable.shape("demo", paused)).isNotEqualTo(ClusterTable.shape("demo", base));
        assertThat(ClusterTable.shape("demo", base)).isEqualTo(" Cluster: demo (7312345678901234567) \n"
                + "pg1\tpg1\tLeader\trunning\t2\npg2\tpg2\tReplica\tstreaming\t2\npg3\tpg3\tReplica\tstreaming\t2");
    }

    @Test
    void titleLongerThanTheTableIsCut() {
        assertThat(Table.titled("+----+", " Cluster: x ")).isEqualTo("+ Clu+");
        assertThat(Table.titled("+----+", "")).isEqualTo("+----+");
    }

    private static Member member(String name, String connUrl, Optional<Lsn> position) {
        return new Member(name, connUrl, "http://" + name + ":8008/patroni", name.equals("pg1") ? "primary" : "replica",
                "running", position, position, position, 2,
                name.equals("pg1") ? Optional.empty() : Optional.of("streaming"), Tags.NONE, "0.1.0");
    }
}
