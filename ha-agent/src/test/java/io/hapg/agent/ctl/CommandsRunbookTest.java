package io.hapg.agent.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.Version;
import io.hapg.core.testing.Clusters;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The patronictl commands runbooks use besides the everyday ones: reload, flush, topology, dsn, list -e/-t/-W, version. */
class CommandsRunbookTest {
    private static final String PG1 = "http://pg1:8008/patroni";
    private static final String PG2 = "http://pg2:8008/patroni";
    private static final String PG3 = "http://pg3:8008/patroni";
    private final FakeApi api = new FakeApi();

    @Test
    void reloadPostsToEveryMemberAfterTheQuestionAndSaysWhatEachAnswered() {
        api.answer(PG1 + " POST reload", 202, "reload scheduled");
        api.answer(PG2 + " POST reload", 200, "");
        api.replies.add("y");
        ClusterView view = Clusters.healthy().config("loop_wait", 10).build();
        assertThat(api.run(view, "reload", "demo")).isZero();
        assertThat(api.prompts).containsExactly("Are you sure you want to reload members pg1, pg2, pg3? [y/N]: ");
        assertThat(api.calls).containsExactly(new FakeApi.Call(PG1, "POST", "reload", null),
                new FakeApi.Call(PG2, "POST", "reload", null), new FakeApi.Call(PG3, "POST", "reload", null));
        assertThat(api.output()).startsWith("+ Cluster: demo (").endsWith(
                "Reload request received for member pg1 and will be processed within 10 seconds\n"
                        + "No changes to apply on member pg2\n"
                        + "No changes to apply on member pg3\n");
    }

    @Test
    void reloadOfNamedMembersOfARoleAndARefusal() {
        api.answer(PG3 + " POST reload", 503, "agent not running");
        api.assertFails(Clusters.withHealthyLeader(), 1, "reload failed on 1 of 2 members: pg3",
                "reload", "--role", "replica", "--force");
        assertThat(api.calls).extracting(FakeApi.Call::apiUrl).containsExactly(PG2, PG3);
        assertThat(api.output()).isEqualTo("No changes to apply on member pg2\n"
                + "Failed: reload for member pg3, status code=503, (agent not running)\n");
        assertThat(api.prompts).as("--force asks nothing").isEmpty();
        api.down(PG2);
        api.assertFails(Clusters.withHealthyLeader(), 1, "reload failed on 1 of 1 member: pg2", "reload", "pg2", "--force");
        assertThat(api.output()).endsWith("Failed: reload for member pg2: no answer (" + PG2 + ": Connection refused)\n");
    }

    @Test
    void reloadBadUsageAndNoAnswer() {
        api.assertFails(Clusters.withHealthyLeader(), 2, "reload: unknown role 'boss'; use leader, primary, replica or any",
                "reload", "--role", "boss");
        api.assertFails(Clusters.withHealthyLeader(), 2, "member 'pg9' is not in cluster 'demo' (members: pg1, pg2, pg3)",
                "reload", "pg9");
        api.assertFails(Clusters.withHealthyLeader(), 2, "reload: unknown option '--forse' (did you mean '--force'?);"
                + " see: hactl reload --help", "reload", "--forse");
        assertThatThrownBy(() -> api.run(Clusters.withHealthyLeader(), "reload"))
                .hasMessageStartingWith("Aborted reload: \"Are you sure you want to reload members pg1, pg2, pg3?\"");
        assertThat(api.calls).isEmpty();
    }

    @Test
    void flushRestartDeletesTheScheduledRestarts() {
        api.answer(PG1 + " DELETE restart", 200, "scheduled restart deleted");
        api.answer(PG2 + " DELETE restart", 404, "no restarts are scheduled");
        api.answer(PG3 + " DELETE restart", 403, "Access is denied");
        api.replies.add("yes");
        api.assertFails(Clusters.withHealthyLeader(), 1, "flush scheduled restart failed on 1 of 3 members: pg3",
                "flush", "demo", "restart");
        assertThat(api.prompts).containsExactly("Are you sure you want to flush members pg1, pg2, pg3? [y/N]: ");
        assertThat(api.calls).extracting(c -> c.method() + " " + c.endpoint() + " " + c.apiUrl())
                .containsExactly("DELETE restart " + PG1, "DELETE restart " + PG2, "DELETE restart " + PG3);
        assertThat(api.output()).endsWith("Success: flush scheduled restart for member pg1\n"
                + "No scheduled restart for member pg2\n"
                + "Failed: flush scheduled restart for member pg3, status code=403, (Access is denied)\n");
    }

    @Test
    void flushRestartOfNamedMembersOrARole() {
        assertThat(api.run(Clusters.withHealthyLeader(), "flush", "pg2", "pg3", "restart", "--force")).isZero();
        assertThat(api.run(Clusters.withHealthyLeader(), "flush", "restart", "-r", "leader", "--force")).isZero();
        assertThat(api.calls).extracting(FakeApi.Call::apiUrl).containsExactly(PG2, PG3, PG1);
    }

    @Test
    void flushSwitchoverDeletesTheScheduledOneOnTheLeader() {
        ClusterView scheduled = Clusters.healthy().switchover("pg1", "pg2")
                .scheduledAt(Instant.parse("2026-05-01T01:00:00Z")).build();
        api.answer("DELETE switchover", 200, "scheduled switchover deleted");
        api.down(PG1);
        assertThat(api.run(scheduled, "flush", "switchover")).isZero();
        assertThat(api.calls).extracting(c -> c.method() + " " + c.endpoint() + " " + c.apiUrl())
                .containsExactly("DELETE switchover " + PG1, "DELETE switchover " + PG2);
        assertThat(api.output()).isEqualTo("Success: scheduled switchover deleted\n");

        assertThat(api.run(Clusters.withHealthyLeader(), "flush", "demo", "switchover")).isZero();
        assertThat(api.output()).endsWith("No pending scheduled switchover\n");
        assertThat(api.calls).hasSize(2);
    }

    @Test
    void flushSwitchoverRefused() {
        ClusterView scheduled = Clusters.healthy().switchover("pg1", "pg2")
                .scheduledAt(Instant.parse("2026-05-01T01:00:00Z")).build();
        api.answer("DELETE switchover", 404, "no switchover is scheduled");
        api.assertFails(scheduled, 1, "Failed: no switchover is scheduled", "flush", "switchover");
        api.answer("DELETE switchover", 401, "no auth header received");
        api.assertFails(scheduled, 1, "could not cancel the scheduled switchover: no member accepted the request [pg1:"
                + " status code=401, (no auth header received), pg2: status code=401, (no auth header received), pg3:"
                + " status code=401, (no auth header received)]", "flush", "switchover");
        assertThat(api.output()).contains("Failed: member=pg1, status code=401, (no auth header received)\n");
    }

    @Test
    void flushBadUsage() {
        api.assertFails(Clusters.withHealthyLeader(), 2, "flush: missing argument; usage: flush [options] [CLUSTER]"
                + " [MEMBER...] restart|switchover", "flush");
        api.assertFails(Clusters.withHealthyLeader(), 2, "flush: the last argument must be restart or switchover, got"
                + " 'reboot'; usage: flush [options] [CLUSTER] [MEMBER...] restart|switchover", "flush", "reboot");
        api.assertFails(Clusters.withHealthyLeader(), 2, "flush switchover takes no member names (the leader cancels it),"
                + " got 'pg2'", "flush", "pg2", "switchover");
        api.assertFails(Clusters.withHealthyLeader(), 2, "flush: unknown role 'boss'; use leader, primary, replica or any",
                "flush", "restart", "--role", "boss");
        assertThat(api.calls).isEmpty();
    }

    @Test
    void topologyPutsCascadingReplicasUnderTheirUpstream() {
        ClusterView view = Clusters.healthy()
                .member(Clusters.member("pg4").replica().tag("replicatefrom", "pg2"))
                .member(Clusters.member("pg5").replica().tag("replicatefrom", "pg4"))
                .member(Clusters.member("pg6").replica().tag("replicatefrom", "pg6")).build();
        assertThat(api.run(view, "topology")).isZero();
        assertThat(api.output()).containsSubsequence("| pg1       |", "| + pg2     |", "|   + pg4   |",
                "|     + pg5 |", "| + pg3     |", "| + pg6     |");
        assertThat(api.output()).contains("| Member    | Host ");
    }

    @Test
    void topologyWithoutALeaderListsTheReplicasAtTheFirstLevel() {
        assertThat(api.run(Clusters.leaderless().build(), "topology")).isZero();
        assertThat(api.output()).containsSubsequence("| + pg2  |", "| + pg3  |");
    }

    @Test
    void dsnOfTheLeaderARoleOrAMember() {
        assertThat(api.run(Clusters.withHealthyLeader(), "dsn")).isZero();
        assertThat(api.run(Clusters.withHealthyLeader(), "dsn", "demo", "--role", "replica")).isZero();
        assertThat(api.run(Clusters.withHealthyLeader(), "dsn", "-m", "pg3")).isZero();
        assertThat(api.output()).isEqualTo("host=pg1 port=5432\nhost=pg2 port=5432\nhost=pg3 port=5432\n");
        api.assertFails(Clusters.leaderless().build(), 1, "Can not find a suitable member", "dsn");
        api.assertFails(Clusters.withHealthyLeader(), 2, "dsn: --role and --member are mutually exclusive options",
                "dsn", "--role", "replica", "--member", "pg2");
        api.assertFails(Clusters.withHealthyLeader(), 2, "member 'pg9' is not in cluster 'demo' (members: pg1, pg2, pg3)",
                "dsn", "--member", "pg9");
        api.assertFails(Clusters.withHealthyLeader(), 2, "dsn: unknown role 'boss'; use leader, primary, replica or any",
                "dsn", "-r", "boss");
        assertThat(api.calls).isEmpty();
    }

    @Test
    void listExtendedShowsTheOptionalColumnsAndTimestampPrintsTheTime() {
        assertThat(api.run(Clusters.withHealthyLeader(), "list", "-e", "-t")).isZero();
        assertThat(api.output()).startsWith("2026-04-30 14:00:00\n+ Cluster: demo (")
                .contains("| Lag in MB | Pending restart | Scheduled restart | Tags |");
        assertThat(api.run(Clusters.withHealthyLeader(), "list", "--extended", "-f", "tsv")).isZero();
        assertThat(api.output()).contains("Cluster\tMember\tHost\tRole\tState\tTL\tLag in MB\tPending restart\t"
                + "Scheduled restart\tTags\n");
    }

    @Test
    void listWatchRepeatsUntilAReadFails() {
        AtomicInteger reads = new AtomicInteger();
        Session session = api.session(() -> {
            if (reads.incrementAndGet() > 3) {
                throw CtlException.failed("cannot read the cluster from etcd");
            }
            return Clusters.withHealthyLeader();
        });
        assertThatThrownBy(() -> CtlMain.dispatch(CtlArgs.parse("list", "-w", "0.01"), session))
                .hasMessage("cannot read the cluster from etcd");
        assertThat(api.output().split("\\+ Cluster: demo", -1)).hasSize(4);
        api.assertFails(Clusters.withHealthyLeader(), 2, "list: --watch wants seconds (e.g. 2 or 0.5), got 'soon'",
                "list", "-w", "soon");
        api.assertFails(Clusters.withHealthyLeader(), 2, "topology: --watch wants seconds (e.g. 2 or 0.5), got '0'",
                "topology", "--watch", "0");
        assertThat(CtlArgs.parse("list", "-W").flag("W")).isTrue();
        assertThatThrownBy(() -> CtlArgs.parse("list", "--W")).hasMessageStartingWith("list: unknown option '--W'");
    }

    @Test
    void versionPrintsHactlsAndEachMembersVersion() {
        api.answer("GET patroni", 200, "{\"state\":\"running\",\"server_version\":160004,"
                + "\"patroni\":{\"version\":\"1.2.0\",\"scope\":\"demo\",\"name\":\"pg1\"}}");
        api.answer(PG3 + " GET patroni", 503, "{\"state\":\"stopped\",\"patroni\":{\"version\":\"1.1.0\"}}");
        assertThat(api.run(Clusters.withHealthyLeader(), "version", "demo")).isZero();
        assertThat(api.output()).matches("hactl version \\S+\n\npg1: hapg 1\\.2\\.0 PostgreSQL 16\\.4\n"
                + "pg2: hapg 1\\.2\\.0 PostgreSQL 16\\.4\npg3: hapg 1\\.1\\.0\n");
        assertThat(Versions.pgVersion(90624)).isEqualTo("9.6.24");
    }

    @Test
    void versionOfAMemberThatDoesNotAnswer() {
        api.down(PG2);
        api.assertFails(Clusters.withHealthyLeader(), 1, "version failed on 1 of 1 member: pg2", "version", "pg2");
        assertThat(api.output()).endsWith("pg2: failed to get version: no answer (" + PG2 + ": Connection refused)\n");
        api.answer(PG1 + " GET patroni", 401, "not allowed");
        api.assertFails(Clusters.withHealthyLeader(), 1, "version failed on 1 of 1 member: pg1", "version", "demo", "pg1");
        assertThat(api.output()).endsWith("pg1: failed to get version: status code=401, (not allowed)\n");
        api.assertFails(Clusters.withHealthyLeader(), 2, "member 'pg9' is not in cluster 'demo' (members: pg1, pg2, pg3)",
                "version", "pg9");
    }

    @Test
    void versionWithoutAClusterNeedsNoConfig() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CtlMain.run(new String[] {"-c", "/nonexistent.yml", "version"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hactl version " + Version.number() + "\n");
    }

    @Test
    void removeAsksPatronictlsThreeQuestionsThenDeletesTheKeys() {
        api.replies.addAll(java.util.List.of("demo", "Yes I am aware", "pg1"));
        assertThat(api.run(Clusters.withHealthyLeader(), "remove", "demo")).isZero();
        assertThat(api.prompts).containsExactly("Please confirm the cluster name to remove: ",
                "You are about to remove all information in DCS for demo, please type: \"Yes I am aware\": ",
                "This cluster currently is healthy. Please specify the leader name to continue: ");
        assertThat(api.wipes).isEqualTo(1);
        assertThat(api.output()).startsWith("+ Cluster: demo (").endsWith("Removed cluster demo from etcd (9 keys)\n");
        api.replies.addAll(java.util.List.of("demo", "Yes I am aware"));
        assertThat(api.run(Clusters.leaderless().build(), "remove", "demo")).as("no leader: no third question").isZero();
        assertThat(api.wipes).isEqualTo(2);
    }

    @Test
    void removeRefusedOnAWrongAnswerOrWithoutATerminal() {
        api.replies.add("batman");
        api.assertFails(Clusters.withHealthyLeader(), 1, "Cluster names specified do not match", "remove", "demo");
        api.replies.addAll(java.util.List.of("demo", "yes"));
        api.assertFails(Clusters.withHealthyLeader(), 1, "You did not exactly type \"Yes I am aware\"", "remove", "demo");
        api.replies.addAll(java.util.List.of("demo", "Yes I am aware", "pg2"));
        api.assertFails(Clusters.withHealthyLeader(), 1, "You did not specify the current leader of the cluster",
                "remove", "demo");
        api.assertFails(Clusters.withHealthyLeader(), 1, "Aborted remove: \"Please confirm the cluster name to remove\""
                + " needs an answer, but there is no terminal to ask", "remove", "demo");
        api.assertFails(Clusters.withHealthyLeader(), 2, "remove: missing argument; usage: remove CLUSTER", "remove");
        api.assertFails(Clusters.withHealthyLeader(), 2, "remove: cluster 'batman' is not the configured cluster 'demo'"
                + " (hactl acts on the scope of its config file)", "remove", "batman");
        assertThat(api.wipes).isZero();
    }
}
