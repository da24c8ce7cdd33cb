package io.hapg.agent.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.ClusterView;
import io.hapg.core.testing.Clusters;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandsTest {
    private static final String PG1 = "http://pg1:8008/patroni";
    private static final String PG2 = "http://pg2:8008/patroni";
    private final FakeApi api = new FakeApi();

    private int run(ClusterView view, String... args) {
        return CtlMain.dispatch(CtlArgs.parse(args), api.session(view));
    }

    private void assertFails(ClusterView view, int code, String message, String... args) {
        assertThatThrownBy(() -> run(view, args)).isInstanceOf(CtlException.class).hasMessage(message)
                .satisfies(e -> assertThat(((CtlException) e).exitCode()).isEqualTo(code));
    }

    @Test
    void switchoverPostsToTheLeaderAndPrintsTheAnswer() {
        api.answer("POST switchover", 200, "Successfully switched over to \"pg2\"");
        api.replies.add("y");
        assertThat(run(Clusters.withHealthyLeader(), "switchover", "--candidate", "pg2")).isZero();
        assertThat(api.prompts).containsExactly(
                "Are you sure you want to switchover cluster demo, demoting current leader pg1? [y/N]: ");
        assertThat(api.calls).containsExactly(new FakeApi.Call(PG1, "POST", "switchover",
                "{\"leader\":\"pg1\",\"candidate\":\"pg2\"}"));
        assertThat(api.output()).startsWith("Current cluster topology\n+ Cluster: demo (")
                .contains("2026-04-30 14:00:00.000000 Successfully switched over to \"pg2\"\n");
    }

    @Test
    void scheduledSwitchoverCarriesTheTimeWithItsOffset() {
        api.answer("POST switchover", 202, "Switchover scheduled");
        assertThat(run(Clusters.withHealthyLeader(), "switchover", "--force", "--scheduled", "2026-05-01T03:00")).isZero();
        assertThat(api.calls.get(0).json()).isEqualTo("{\"leader\":\"pg1\",\"scheduled_at\":\"2026-05-01T03:00:00+02:00\"}");
        assertThat(api.output()).contains("Switchover scheduled");
        assertThat(api.prompts).as("--force asks nothing").isEmpty();
    }

    @Test
    void refusedSwitchoverExitsOneWithTheApisAnswer() {
        api.answer("POST switchover", 412, "switchover is not possible: no good candidates have been found");
        assertFails(Clusters.withHealthyLeader(), 1, "Switchover failed, details: 412, switchover is not possible:"
                + " no good candidates have been found (from pg1 at " + PG1 + ")", "switchover", "--force");
        api.answer("POST switchover", 503, "Switchover status unknown after 20 seconds; operation may still be in progress");
        assertThatThrownBy(() -> run(Clusters.withHealthyLeader(), "switchover", "--force"))
                .hasMessageStartingWith("Switchover result unknown, details: 503");
    }

    @Test
    void switchoverArgumentsAreCheckedAgainstTheCluster() {
        ClusterView view = Clusters.healthy().member(Clusters.member("pg3").replica().nofailover()).build();
        assertFails(view, 2, "member 'pg9' is not in cluster 'demo' (members: pg1, pg2, pg3)",
                "switchover", "--candidate", "pg9");
        assertFails(view, 2, "Member pg2 is not the leader of cluster demo (the leader is pg1)",
                "switchover", "--leader", "pg2");
        assertFails(view, 2, "Member pg1 is already the leader of cluster demo", "switchover", "--candidate", "pg1");
        assertFails(view, 2, "Member pg3 is tagged nofailover and cannot be promoted",
                "switchover", "--candidate", "pg3");
        assertFails(Clusters.leaderless().build(), 1, "This cluster has no leader", "switchover");
        assertFails(Clusters.healthy().pause().build(), 1, "Can't schedule switchover in the paused state",
                "switchover", "--scheduled", "2026-05-01T03:00Z");
        assertFails(view, 2, "Unable to parse scheduled timestamp (tomorrow). It should be in an unambiguous format"
                + " (e.g. ISO 8601: 2026-05-01T03:00+02:00)", "switchover", "--scheduled", "tomorrow");
        assertThat(api.calls).isEmpty();
    }

    @Test
    void failoverNeedsACandidateAndGoesToItWhenThereIsNoLeader() {
        assertFails(Clusters.withHealthyLeader(), 2, "failover: --candidate is required (a failover promotes a named"
                + " replica; use switchover to let the cluster choose)", "failover");
        assertThat(run(Clusters.leaderless().build(), "failover", "--candidate", "pg2", "--force")).isZero();
        assertThat(api.calls).containsExactly(new FakeApi.Call(PG2, "POST", "failover", "{\"candidate\":\"pg2\"}"));
    }

    @Test
    void pauseAndResumePatchTheConfigLikePatronictl() {
        assertThat(run(Clusters.withHealthyLeader(), "pause")).isZero();
        assertThat(run(Clusters.healthy().pause().build(), "resume")).isZero();
        assertThat(api.calls).containsExactly(
                new FakeApi.Call(PG1, "PATCH", "config", "{\"pause\":true}"),
                new FakeApi.Call(PG1, "PATCH", "config", "{\"pause\":null}"));
        assertThat(api.output()).isEqualTo("Success: cluster management is paused\n"
                + "Success: cluster management is resumed\n");
        assertFails(Clusters.healthy().pause().build(), 1, "Cluster is already paused", "pause");
        assertFails(Clusters.withHealthyLeader(), 1, "Cluster is not paused", "resume");
    }

    @Test
    void pauseTriesTheNextMemberWhenTheLeaderDoesNotAnswerAndReportsRefusals() {
        api.down(PG1);
        assertThat(run(Clusters.withHealthyLeader(), "pause")).isZero();
        assertThat(api.calls).extracting(FakeApi.Call::apiUrl).containsExactly(PG1, PG2);
        api.answer("PATCH config", 401, "no auth header received");
        assertFails(Clusters.withHealthyLeader(), 1, "Failed: pause cluster management via pg2, status code=401,"
                + " (no auth header received)", "pause");
        api.down(PG2).down("http://pg3:8008/patroni");
        assertThatThrownBy(() -> run(Clusters.withHealthyLeader(), "pause"))
                .hasMessageStartingWith("Can not find accessible cluster member: [pg1: " + PG1 + ": Connection refused");
    }

    @Test
    void pauseWaitPollsEveryMember() {
        api.answer("GET patroni", 200, "{\"state\":\"running\",\"pause\":true}");
        assertThat(run(Clusters.withHealthyLeader(), "pause", "--wait")).isZero();
        assertThat(api.calls).extracting(c -> c.method() + " " + c.endpoint() + " " + c.apiUrl()).containsExactly(
                "PATCH config " + PG1, "GET patroni " + PG1, "GET patroni " + PG2, "GET patroni http://pg3:8008/patroni");
        assertThat(api.output()).contains("'pause' request sent, waiting until it is recognized by all nodes");
    }

    @Test
    void editConfigShowsPatronictlsDiffAsksAndSendsAMergePatch() {
        ClusterView view = Clusters.healthy().config("ttl", 30).config("loop_wait", 10).build();
        api.replies.add("y");
        assertThat(run(view, "edit-config", "-s", "ttl=40", "-p", "work_mem=8MB")).isZero();
        assertThat(api.calls).containsExactly(new FakeApi.Call(PG1, "PATCH", "config",
                "{\"ttl\":40,\"postgresql\":{\"parameters\":{\"work_mem\":\"8MB\"}}}"));
        assertThat(api.prompts).containsExactly("Apply these changes? [y/N]: ");
        // difflib.unified_diff of the two safe_dump texts, as patronictl prints it off a terminal.
        assertThat(api.output()).isEqualTo("--- \n+++ \n@@ -1,2 +1,5 @@\n loop_wait: 10\n-ttl: 30\n+postgresql:\n"
                + "+  parameters:\n+    work_mem: 8MB\n+ttl: 40\nConfiguration changed\n");
    }

    @Test
    void editConfigAnsweredNoChangesNothing() {
        ClusterView view = Clusters.healthy().config("ttl", 30).build();
        api.replies.add("n");
        assertThat(run(view, "edit-config", "-s", "ttl=40", "-q")).isZero();
        assertThat(api.calls).isEmpty();
        assertThat(api.output()).isEmpty();
        assertFails(view, 1, "Aborting edit-config: \"Apply these changes?\" needs an answer, but there is no"
                + " terminal to ask; give --force to go ahead without asking", "edit-config", "-s", "ttl=40", "-q");
    }

    @Test
    void editConfigAppliesAndReplacesFromFiles(@TempDir Path dir) throws IOException {
        ClusterView view = Clusters.healthy().config("ttl", 30).config("loop_wait", 10)
                .config("postgresql", Map.of("parameters", Map.of("work_mem", "4MB", "max_wal_senders", 10))).build();
        Path apply = Files.writeString(dir.resolve("apply.yml"), "ttl: 40\npostgresql:\n  parameters:\n"
                + "    work_mem: null\n");
        assertThat(run(view, "edit-config", "--apply", apply.toString(), "--force", "-q")).isZero();
        assertThat(api.calls.get(0).json()).isEqualTo("{\"ttl\":40,\"postgresql\":{\"parameters\":"
                + "{\"work_mem\":null}}}");

        Path replace = Files.writeString(dir.resolve("replace.yml"), "ttl: 30\nretry_timeout: 10\n");
        assertThat(run(view, "edit-config", "--replace", replace.toString(), "--force", "-q")).isZero();
        assertThat(api.calls.get(1).json()).isEqualTo("{\"loop_wait\":null,\"postgresql\":null,"
                + "\"retry_timeout\":10}");

        Path list = Files.writeString(dir.resolve("list.yml"), "- ttl: 30\n");
        assertFails(view, 1, "edit-config: file " + list + " must be a YAML mapping of settings (ttl: 30, ...), not a"
                + " list", "edit-config", "--apply", list.toString(), "--force");
        Path broken = Files.writeString(dir.resolve("broken.yml"), "ttl: [30\n");
        assertThatThrownBy(() -> run(view, "edit-config", "--replace", broken.toString(), "--force"))
                .hasMessageStartingWith("edit-config: file " + broken + " is not valid YAML:");
        assertThat(api.calls).hasSize(2);
    }

    @Test
    void editConfigFromStandardInputNeedsForce() {
        ClusterView view = Clusters.healthy().config("ttl", 30).build();
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("ttl: 50\n".getBytes(StandardCharsets.UTF_8)));
            assertThat(run(view, "edit-config", "--apply", "-")).isZero();
        } finally {
            System.setIn(stdin);
        }
        assertThat(api.output()).endsWith("-ttl: 30\n+ttl: 50\nUse --force option to apply changes\n");
        assertThat(api.calls).isEmpty();
    }

    @Test
    void editConfigWithoutSettingsOpensTheEditor(@TempDir Path dir) throws IOException {
        ClusterView view = Clusters.healthy().config("ttl", 30).config("loop_wait", 10).build();
        Path editor = Files.writeString(dir.resolve("edit.sh"), "#!/bin/sh\n"
                + "case \"$1\" in */demo-config-*.yaml) ;; *) exit 3 ;; esac\n"
                + "sed -i 's/^ttl: 30$/ttl: 45/' \"$1\"\n");
        editor.toFile().setExecutable(true);
        api.env.put("EDITOR", editor.toString());
        assertThat(run(view, "edit-config", "--force")).isZero();
        assertThat(api.calls).containsExactly(new FakeApi.Call(PG1, "PATCH", "config", "{\"ttl\":45}"));
        assertThat(api.output()).isEqualTo("--- \n+++ \n@@ -1,2 +1,2 @@\n loop_wait: 10\n-ttl: 30\n+ttl: 45\n"
                + "Configuration changed\n");

        Files.writeString(editor, "#!/bin/sh\nexit 1\n");
        assertFails(view, 1, "Editor exited with return code 1", "edit-config");
        api.env.clear();
        assertFails(view, 1, "EDITOR environment variable is not set. editor or vi are not available", "edit-config");
        assertThat(api.calls).hasSize(1);
    }

    @Test
    void editConfigWithoutChangesOrRefused() {
        ClusterView view = Clusters.healthy().config("ttl", 30).build();
        assertThat(run(view, "edit-config", "-s", "ttl=30")).isZero();
        assertThat(api.output()).isEqualTo("Not changed\n");
        assertThat(api.calls).isEmpty();
        assertFails(Clusters.withHealthyLeader(), 1, "The config key does not exist in the cluster demo",
                "edit-config", "-s", "ttl=20");
        api.answer("PATCH config", 400, "invalid configuration: loop_wait + 2 * retry_timeout must not exceed ttl");
        assertFails(view, 1, "Failed: edit-config via pg1, status code=400, (invalid configuration: loop_wait + 2 *"
                + " retry_timeout must not exceed ttl)", "edit-config", "-s", "ttl=5", "-q", "--force");
    }

    @Test
    void restartReportsEachMemberAndFailsWhenOneFailed() {
        api.answer(PG2 + " POST restart", 503, "restart failed");
        ClusterView pending = Clusters.healthy().member(Clusters.member("pg1").primary().pendingRestart())
                .member(Clusters.member("pg2").replica().pendingRestart()).build();
        assertFails(pending, 1, "restart failed on 1 of 2 members: pg2", "restart", "--pending", "--force");
        assertThat(api.output()).isEqualTo("Skipped: member pg3 has no pending restart\n"
                + "Success: restart on member pg1\n"
                + "Failed: restart for member pg2, status code=503, (restart failed)\n");
        assertThat(api.calls.get(0).json()).isEqualTo("{\"restart_pending\":true}");
        assertFails(Clusters.withHealthyLeader(), 2, "member 'pg7' is not in cluster 'demo' (members: pg1, pg2, pg3)",
                "restart", "pg7");
        assertFails(Clusters.withHealthyLeader(), 2, "restart: unknown role 'boss'; use leader, primary, replica or any",
                "restart", "--role", "boss");
    }

    @Test
    void restartWithoutNamesTakesEveryMemberOfTheRole() {
        api.answer("POST restart", 202, "restart scheduled");
        assertThat(run(Clusters.withHealthyLeader(), "restart", "--role", "replica", "--scheduled",
                "2026-05-01T03:00:00+00:00", "--force")).isZero();
        assertThat(api.calls).extracting(FakeApi.Call::apiUrl).containsExactly(PG2, "http://pg3:8008/patroni");
        assertThat(api.calls.get(0).json()).isEqualTo("{\"schedule\":\"2026-05-01T03:00:00Z\"}");
        assertThat(api.output()).contains("Success: restart scheduled on member pg2");
    }

    @Test
    void reinitOfTheLeaderIsRefusedByTheApi() {
        api.answer(PG1 + " POST reinitialize", 503, "I am the leader, can not reinitialize");
        api.replies.add("y");
        assertFails(Clusters.withHealthyLeader(), 1, "reinitialize failed on 1 of 1 member: pg1", "reinit", "pg1");
        assertThat(api.prompts).containsExactly("Are you sure you want to reinitialize members pg1? [y/N]: ");
        assertThat(api.output()).startsWith("+ Cluster: demo (").endsWith("\nFailed: reinitialize for member pg1,"
                + " status code=503, (I am the leader, can not reinitialize)\n");
        assertThat(api.calls.get(0).json()).isEqualTo("{\"force\":false,\"from_leader\":false}");
    }

    @Test
    void switchoverAndFailoverAskPatronictlsQuestionAndANoAborts() {
        api.replies.add("n");
        assertFails(Clusters.withHealthyLeader(), 1, "Aborting switchover", "switchover", "--candidate", "pg2");
        api.replies.add("");
        assertFails(Clusters.withHealthyLeader(), 1, "Aborting failover", "failover", "--candidate", "pg2");
        api.replies.add("n");
        assertFails(Clusters.withHealthyLeader(), 1, "Aborting scheduled switchover", "switchover", "--scheduled",
                "2026-05-01T03:00");
        assertThat(api.prompts).containsExactly(
                "Are you sure you want to switchover cluster demo, demoting current leader pg1? [y/N]: ",
                "Are you sure you want to failover cluster demo, demoting current leader pg1? [y/N]: ",
                "Are you sure you want to schedule switchover of cluster demo at 2026-05-01T03:00:00+02:00, demoting"
                        + " current leader pg1? [y/N]: ");
        assertThat(api.calls).isEmpty();
        api.replies.addAll(List.of("maybe", "yes"));
        assertThat(run(Clusters.leaderless().build(), "failover", "--candidate", "pg2")).isZero();
        assertThat(api.prompts.subList(3, 5)).containsOnly("Are you sure you want to failover cluster demo? [y/N]: ");
        assertThat(api.output()).contains("Error: invalid input\n");
        assertThat(api.calls).hasSize(1);
    }

    @Test
    void withNobodyToAnswerTheActionIsRefusedAndNamesForce() {
        assertFails(Clusters.withHealthyLeader(), 1, "Aborting switchover: \"Are you sure you want to switchover"
                + " cluster demo, demoting current leader pg1?\" needs an answer, but there is no terminal to ask;"
                + " give --force to go ahead without asking", "switchover");
        assertFails(Clusters.withHealthyLeader(), 1, "Aborted restart: \"Are you sure you want to restart members"
                + " pg1, pg2, pg3?\" needs an answer, but there is no terminal to ask; give --force to go ahead without"
                + " asking", "restart");
        assertThatThrownBy(() -> run(Clusters.withHealthyLeader(), "reinit", "pg2"))
                .hasMessageStartingWith("Aborted reinitialize: ");
        assertThat(api.calls).isEmpty();
    }

    @Test
    void restartOfEveryMemberAsksAndOfNamedMembersDoesNot() {
        api.replies.add("y");
        assertThat(run(Clusters.withHealthyLeader(), "restart")).isZero();
        assertThat(api.prompts).containsExactly("Are you sure you want to restart members pg1, pg2, pg3? [y/N]: ");
        assertThat(api.calls).extracting(FakeApi.Call::apiUrl).containsExactly(PG1, PG2, "http://pg3:8008/patroni");
        assertThat(api.output()).startsWith("+ Cluster: demo (");
        assertThat(run(Clusters.withHealthyLeader(), "restart", "pg2")).isZero();
        assertThat(api.prompts).hasSize(1);
        api.replies.add("n");
        assertFails(Clusters.withHealthyLeader(), 1, "Aborted scheduled restart", "restart", "--role", "replica",
                "--scheduled", "2026-05-01T03:00:00+00:00");
        assertThat(api.prompts.get(1)).isEqualTo("Are you sure you want to schedule restart of members pg2, pg3 at"
                + " 2026-05-01T03:00:00Z? [y/N]: ");
        assertThat(api.calls).hasSize(4);
    }

    @Test
    void theClusterMayBeNamedFirstAsInPatronictlAndMustBeTheScope() {
        api.answer("POST switchover", 200, "Successfully switched over to \"pg2\"");
        assertThat(run(Clusters.withHealthyLeader(), "switchover", "demo", "--candidate", "pg2", "--force")).isZero();
        assertThat(run(Clusters.withHealthyLeader(), "list", "demo", "-f", "tsv")).isZero();
        assertThat(run(Clusters.withHealthyLeader(), "restart", "demo", "pg2", "--force")).isZero();
        assertThat(api.calls).extracting(c -> c.endpoint() + " " + c.apiUrl())
                .containsExactly("switchover " + PG1, "restart " + PG2);
        assertFails(Clusters.withHealthyLeader(), 2, "switchover: cluster 'batman' is not the configured cluster"
                + " 'demo' (hactl acts on the scope of its config file)", "switchover", "batman", "--force");
        assertFails(Clusters.withHealthyLeader(), 2, "list: cluster 'batman' is not the configured cluster 'demo'"
                + " (hactl acts on the scope of its config file)", "list", "batman");
        assertFails(Clusters.withHealthyLeader(), 2, "member 'batman' is not in cluster 'demo' (members: pg1, pg2,"
                + " pg3)", "restart", "batman", "pg2", "--force");
        assertFails(Clusters.withHealthyLeader(), 2, "reinit: missing argument; usage: reinit [options] [CLUSTER]"
                + " MEMBER...", "reinit", "demo", "--force");
        assertThat(api.calls).hasSize(2);
    }

    @Test
    void readOnlyCommands() {
        ClusterView view = Clusters.healthy().config("ttl", 30).build();
        assertThat(run(view, "show-config")).isZero();
        assertThat(run(view, "history", "-f", "tsv")).isZero();
        assertThat(run(view, "list", "-f", "json")).isZero();
        assertThat(api.output()).startsWith("ttl: 30\nTL\tLSN\tReason\tTimestamp\tNew Leader\n"
                + "1\t50331648\tno recovery target specified\t\t\n[{\"Cluster\":\"demo\"");
        assertFails(Clusters.withHealthyLeader(), 1, "the config key does not exist in the cluster demo", "show-config");
        assertFails(view, 2, "unknown format 'xml'; use pretty, json, yaml or tsv", "list", "-f", "xml");
        assertThat(api.calls).isEmpty();
    }

    @Test
    void listAndHistoryInYamlAsPatronictlDumpsThem() {
        ClusterView view = Clusters.healthy().config("ttl", 30).build();
        assertThat(run(view, "list", "-f", "yaml")).isZero();
        // PyYAML's safe_dump of patronictl's elements: keys sorted, the leader's empty lag left out.
        assertThat(api.output()).startsWith("- Cluster: demo\n  Host: pg1\n  Member: pg1\n  Role: Leader\n"
                + "  State: running\n  TL: 2\n- Cluster: demo\n  Host: pg2\n  Lag in MB: 0\n  Member: pg2\n");
        assertThat(run(view, "history", "-f", "yml")).isZero();
        assertThat(api.output()).endsWith("- LSN: 50331648\n  New Leader: ''\n  Reason: no recovery target specified\n"
                + "  TL: 1\n  Timestamp: ''\n");
    }

    @Test
    void scheduledTimes() {
        ZoneId paris = ZoneId.of("Europe/Paris");
        assertThat(ManualFailover.parseScheduled("now", paris)).isEmpty();
        assertThat(ManualFailover.parseScheduled("2026-05-01 03:00", paris))
                .contains(OffsetDateTime.parse("2026-05-01T03:00+02:00"));
        assertThat(ManualFailover.parseScheduled("2026-05-01T03:00:00Z", paris))
                .contains(OffsetDateTime.parse("2026-05-01T03:00Z"));
        assertThat(ManualFailover.parseScheduled("2026-05-01T03:00-03:00", paris))
                .isEqualTo(Optional.of(OffsetDateTime.parse("2026-05-01T03:00-03:00")));
    }
}
