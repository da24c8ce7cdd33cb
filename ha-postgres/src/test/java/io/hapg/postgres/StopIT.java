package io.hapg.postgres;

import static io.hapg.postgres.TestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.core.spi.DatabaseUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Stops end with no postmaster, whatever else is going on. */
@Timeout(60)
class StopIT {
    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private final TestNodes nodes = logs.watch(new TestNodes());

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void aStopThatHangsEndsInSigkillAfterTheStopTimeout() throws Exception {
        PostgresNode n1 = nodes.node(nodes.config("n1").stopTimeout(Duration.ofSeconds(1)).build());
        n1.bootstrap();
        try (Connection idleClient = TestNodes.connect(n1, 30)) {
            assertThat(idleClient.isValid(5)).as("a connected client, which SMART waits for").isTrue();
            long started = System.nanoTime();
            n1.stop(StopMode.SMART); // waits for the idle client forever, so the timeout must end it
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            System.out.println("SMART stop with a connected client ended by SIGKILL after " + tookMs + " ms");
            assertThat(tookMs).isBetween(1000L, 5000L);
        }
        assertThat(n1.probe().process()).isEqualTo(ProcessState.STOPPED);
        assertThat(n1.probe().cleanShutdown()).isFalse();
        n1.start(Optional.empty());
        assertThat(n1.probe().isRunningPrimary()).isTrue();
    }

    /** The lease watchdog fences from its own thread: a start already in flight must not undo it. */
    @Test
    void aKillFromAnotherThreadWinsOverAStartInFlight() throws Exception {
        PostgresNode n1 = nodes.node("n1");
        n1.bootstrap();
        for (int attempt = 0; attempt < 3; attempt++) {
            n1.stop(StopMode.FAST);
            CompletableFuture<Void> start = CompletableFuture.runAsync(() -> n1.start(Optional.empty()));
            await("the start is under way", Duration.ofSeconds(10),
                    () -> n1.operationInProgress().equals("start") || start.isDone());
            n1.stop(StopMode.KILL);
            String outcome;
            try {
                start.get(30, TimeUnit.SECONDS);
                outcome = "the start finished first, then the kill stopped it";
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(DatabaseUnavailableException.class);
                outcome = "the start failed: " + e.getCause().getMessage().lines().findFirst().orElse("");
            }
            System.out.println("attempt " + attempt + ": " + outcome);
            assertThat(n1.probe().process()).as("nothing runs after the fencing stop").isEqualTo(ProcessState.STOPPED);
        }
    }

    /**
     * Patroni's before_stop: run synchronously right before PostgreSQL is told to stop (the server
     * still runs while it does), its exit code only logged; never before a fencing kill.
     */
    @Test
    void beforeStopRunsBeforeTheStopWhilePostgresStillRunsButNotBeforeAKill(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("marker");
        Path script = Files.writeString(dir.resolve("before.sh"), "pid=$(head -1 \"$1/postmaster.pid\")\n"
                + "if kill -0 \"$pid\" 2>/dev/null; then echo running >> \"$2\"; else echo stopped >> \"$2\"; fi\n"
                + "exit 3\n");
        PostgresConfig.Builder config = nodes.config("n1");
        Path dataDir = config.build().dataDir();
        PostgresNode n1 = nodes.node(config.beforeStop("sh " + script + " " + dataDir + " " + marker).build());
        n1.bootstrap();
        n1.stop(StopMode.FAST);
        assertThat(n1.probe().process()).isEqualTo(ProcessState.STOPPED);
        assertThat(Files.readAllLines(marker)).as("before_stop ran once, while PostgreSQL ran; exit 3 did not"
                + " keep it running").containsExactly("running");

        n1.start(Optional.empty());
        n1.stop(StopMode.KILL);
        assertThat(n1.probe().process()).isEqualTo(ProcessState.STOPPED);
        assertThat(Files.readAllLines(marker)).as("no before_stop for a fencing kill").containsExactly("running");
    }

    /** A before_stop that hangs is killed (with its children) after its bound, and the stop goes on. */
    @Test
    void aHungBeforeStopIsKilledAfterItsBoundAndTheStopGoesOn(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("pid");
        Path script = Files.writeString(dir.resolve("hang.sh"), "echo $$ > \"$1\"\nsleep 600\n");
        PostgresNode n1 = nodes.node(nodes.config("n1").beforeStop("sh " + script + " " + pidFile)
                .beforeStopTimeout(Duration.ofSeconds(1)).build());
        n1.bootstrap();
        long started = System.nanoTime();
        n1.stop(StopMode.FAST);
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        System.out.println("FAST stop after a before_stop that hangs, bounded at 1 s: " + tookMs + " ms");
        assertThat(n1.probe().process()).isEqualTo(ProcessState.STOPPED);
        assertThat(n1.probe().cleanShutdown()).as("the stop itself was the usual one").isTrue();
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the script was killed")
                .isFalse();
        assertThat(tookMs).isBetween(1000L, 20_000L);
    }
}
