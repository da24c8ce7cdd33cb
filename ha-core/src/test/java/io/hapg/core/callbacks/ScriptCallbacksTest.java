package io.hapg.core.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.spi.RoleChange;
import io.hapg.core.model.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ScriptCallbacksTest {
    @TempDir
    Path dir;

    private Path script(String body) throws IOException {
        Path script = dir.resolve("cb.sh");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        script.toFile().setExecutable(true);
        return script;
    }

    private static RoleChange change(Role from, Role to) {
        return new RoleChange("shop", "pg1", from, to, Optional.of("pg0"), Optional.of("pg1"), Optional.empty());
    }

    private List<String> awaitLines(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (lines.size() >= count) {
                    return lines;
                }
            }
            Thread.sleep(20);
        }
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    /**
     * A script that prints and exits at once: its lines reach the log. Before, the supervisor
     * closed the output stream as soon as the script exited, under a reader that had not read it
     * yet, and the lines were lost (seen as a missing on_role_change line in ClusterClientsIT).
     */
    @Test
    void theOutputOfAScriptThatExitsAtOnceIsLogged() throws Exception {
        Path script = script("echo \"$1: role $2\"; echo second; echo third");
        for (int run = 0; run < 20; run++) {
            List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
            ScriptCallbacks callbacks = new ScriptCallbacks(Map.of("on_role_change", script.toString()),
                    Duration.ofSeconds(10), (action, line) -> lines.add(action + ": " + line));
            callbacks.roleChanged(change(Role.PRIMARY, Role.REPLICA));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (lines.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(lines).as("run %d", run).containsExactly("on_role_change: on_role_change: role replica",
                    "on_role_change: second", "on_role_change: third");
        }
    }

    @Test
    void roleChangeRunsTheScriptWithPatronisArguments() throws Exception {
        Path log = dir.resolve("calls.log");
        Path script = script("echo \"$@\" >> " + log);
        ScriptCallbacks callbacks = new ScriptCallbacks(Map.of("on_role_change", script.toString()),
                Duration.ofSeconds(5));

        callbacks.roleChanged(change(Role.CANDIDATE, Role.PRIMARY));

        assertThat(awaitLines(log, 1)).containsExactly("on_role_change primary shop");
    }

    @Test
    void transientRolesAreNotAnnounced() throws Exception {
        Path log = dir.resolve("calls.log");
        Path script = script("echo \"$@\" >> " + log);
        ScriptCallbacks callbacks = new ScriptCallbacks(Map.of("on_role_change", script.toString()),
                Duration.ofSeconds(5));

        callbacks.roleChanged(change(Role.PRIMARY, Role.DEMOTING));
        callbacks.roleChanged(change(Role.DEMOTING, Role.REPLICA));

        assertThat(awaitLines(log, 1)).containsExactly("on_role_change replica shop");
    }

    @Test
    void lifecycleEventsPassTheCurrentRole() throws Exception {
        Path log = dir.resolve("calls.log");
        Path script = script("echo \"$@\" >> " + log);
        ScriptCallbacks callbacks = new ScriptCallbacks(Map.of("on_start", script.toString()),
                Duration.ofSeconds(5));

        callbacks.lifecycle("on_start", change(Role.REPLICA, Role.REPLICA));

        assertThat(awaitLines(log, 1)).containsExactly("on_start replica shop");
    }

    @Test
    void lifecycleEventsNeverPassTransientRoles() throws Exception {
        Path log = dir.resolve("calls.log");
        Path script = script("echo \"$@\" >> " + log);
        ScriptCallbacks callbacks = new ScriptCallbacks(Map.of("on_start", script.toString()),
                Duration.ofSeconds(5));

        callbacks.lifecycle("on_start", change(Role.UNINITIALIZED, Role.UNINITIALIZED));

        assertThat(awaitLines(log, 1)).containsExactly("on_start replica shop");
    }

    @Test
    void aNewCallbackKillsTheRunningOne() throws Exception {
        Path log = dir.resolve("calls.log");
        Path script = script("echo start \"$1\" >> " + log + "; sleep 20; echo end \"$1\" >> " + log);
        ScriptCallbacks callbacks = new ScriptCallbacks(Map.of("on_start", script.toString(),
                "on_stop", script.toString()), Duration.ofSeconds(25));

        callbacks.lifecycle("on_start", change(Role.REPLICA, Role.REPLICA));
        awaitLines(log, 1);
        callbacks.lifecycle("on_stop", change(Role.REPLICA, Role.REPLICA));

        assertThat(awaitLines(log, 2)).containsExactly("start on_start", "start on_stop");
        Thread.sleep(300);
        assertThat(Files.readAllLines(log)).doesNotContain("end on_start");
    }

    @Test
    void aCallbackThatOutlivesItsTimeoutIsKilled() throws Exception {
        Path log = dir.resolve("calls.log");
        Path script = script("sleep 5; echo late >> " + log);
        ScriptCallbacks callbacks = new ScriptCallbacks(Map.of("on_start", script.toString()),
                Duration.ofMillis(200));

        callbacks.lifecycle("on_start", change(Role.REPLICA, Role.REPLICA));

        Thread.sleep(1000);
        assertThat(log).doesNotExist();
    }

    @Test
    void unknownCallbackNameIsRejected() {
        assertThatThrownBy(() -> new ScriptCallbacks(Map.of("on_promote", "/bin/true"), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown callback 'on_promote'");
    }

    @Test
    void prePromoteVetoesOnNonZeroExit() {
        assertThat(new ScriptPrePromote("/bin/true", Duration.ofSeconds(5)).approve(change(Role.REPLICA,
                Role.PRIMARY))).isTrue();
        assertThat(new ScriptPrePromote("/bin/false", Duration.ofSeconds(5)).approve(change(Role.REPLICA,
                Role.PRIMARY))).isFalse();
        assertThat(new ScriptPrePromote("sleep 5", Duration.ofMillis(200)).approve(change(Role.REPLICA,
                Role.PRIMARY))).isFalse();
        assertThat(new ScriptPrePromote("/nonexistent/fence", Duration.ofSeconds(1)).approve(change(Role.REPLICA,
                Role.PRIMARY))).isFalse();
    }
}
