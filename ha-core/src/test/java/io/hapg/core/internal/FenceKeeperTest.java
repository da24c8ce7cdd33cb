package io.hapg.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.spi.TimeSource;
import io.hapg.core.config.WatchdogConfig;
import io.hapg.core.testing.FakeDatabaseNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The out-of-process fence with a real bash process and a fence command that leaves a mark.
 * Deadlines here are generous on purpose: the checks are whether it fires, not how fast.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FenceKeeperTest {
    @TempDir
    Path dir;

    private List<String> fenceCommand() {
        return List.of("/bin/sh", "-c", "echo fenced >> '" + dir.resolve("fenced") + "'");
    }

    private boolean fenced() {
        return Files.exists(dir.resolve("fenced"));
    }

    private boolean awaitFenced(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!fenced() && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
        return fenced();
    }

    @Test
    void theArmMessageGivesTheBudgetInSecondsWithThreeDecimals() {
        assertThat(FenceKeeper.armMessage(1_000_000L)).isEqualTo("arm 0.001");
        assertThat(FenceKeeper.armMessage(42_000_000L)).isEqualTo("arm 0.042");
        assertThat(FenceKeeper.armMessage(2_000_000_000L)).isEqualTo("arm 2.000");
        assertThat(FenceKeeper.armMessage(12_345_678_901L)).isEqualTo("arm 12.345");
        assertThat(FenceKeeper.armMessage(123_450_000L)).isEqualTo("arm 0.123");
    }

    @Test
    void firesWhenNotRearmedInTimeAndStartsAgainOnTheNextArm() throws Exception {
        try (FenceKeeper keeper = FenceKeeper.start("t", fenceCommand())) {
            long first = keeper.pid();
            keeper.arm(TimeUnit.MILLISECONDS.toNanos(200));
            assertThat(awaitFenced(Duration.ofSeconds(20))).as("fenced after the budget ran out").isTrue();
            ProcessHandle.of(first).ifPresent(p -> p.onExit().join());

            keeper.arm(TimeUnit.SECONDS.toNanos(30));
            assertThat(keeper.pid()).as("a new keeper").isNotEqualTo(first);
            assertThat(ProcessHandle.of(keeper.pid()).map(ProcessHandle::isAlive)).contains(true);
        }
    }

    @Test
    void rearmedInTimeOrDisarmedNeverFires() throws Exception {
        try (FenceKeeper keeper = FenceKeeper.start("t", fenceCommand())) {
            for (int i = 0; i < 15; i++) {
                keeper.arm(TimeUnit.MILLISECONDS.toNanos(1500));
                Thread.sleep(100);
            }
            keeper.arm(TimeUnit.MILLISECONDS.toNanos(300));
            keeper.disarm();
            Thread.sleep(1000);
            assertThat(fenced()).isFalse();
        }
        Thread.sleep(500);
        assertThat(fenced()).as("close disarms before the keeper exits").isFalse();
    }

    @Test
    void endOfInputWhileArmedFencesAtOnce() throws Exception {
        // What the keeper sees when the agent JVM is killed: its pipe closes without a disarm.
        assertThat(exitCodeAfter("arm 600\n")).isEqualTo(FenceKeeper.FENCED);
        assertThat(fenced()).as("long before the 600 s budget").isTrue();
    }

    @Test
    void endOfInputWhileDisarmedExitsWithoutFencing() throws Exception {
        assertThat(exitCodeAfter("arm 600\nsomething unexpected\ndisarm\n")).isZero();
        assertThat(fenced()).isFalse();
    }

    /** Starts a keeper, writes {@code messages}, closes its input and returns its exit code. */
    private int exitCodeAfter(String messages) throws Exception {
        Process keeper = startRaw();
        try (OutputStream control = keeper.getOutputStream()) {
            control.write(messages.getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(keeper.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return keeper.exitValue();
    }

    @Test
    void ignoresTheSignalsAServiceManagerSendsToTheWholeGroup() throws Exception {
        Process keeper = startRaw();
        OutputStream control = keeper.getOutputStream();
        control.write("arm 600\n".getBytes(StandardCharsets.US_ASCII));
        control.flush();
        Thread.sleep(300); // let bash install its traps
        // kill(1), not Process.destroy(): that also closes the pipe, which is end of input.
        assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(keeper.pid())).start().waitFor()).isZero();
        assertThat(keeper.waitFor(1, TimeUnit.SECONDS)).as("still running after SIGTERM").isFalse();
        control.close();
        assertThat(keeper.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(fenced()).as("still armed: the agent did not disarm it").isTrue();
    }

    @Test
    void aKeeperThatDiesWhileArmedIsUnhealthyUntilTheNextArmStartsANewOne() throws Exception {
        try (FenceKeeper keeper = FenceKeeper.start("t", fenceCommand())) {
            assertThat(keeper.isHealthy()).as("started, disarmed").isTrue();
            keeper.arm(TimeUnit.SECONDS.toNanos(30));
            long first = keeper.pid();
            assertThat(new ProcessBuilder("kill", "-KILL", Long.toString(first)).start().waitFor()).isZero();
            // The handle's onExit can complete before the JDK's reaper marks the keeper's own
            // Process exited (CI saw it), and isHealthy() asks that Process: poll, briefly.
            ProcessHandle.of(first).ifPresent(p -> p.onExit().join());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (keeper.isHealthy() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(keeper.isHealthy()).as("armed, its process gone").isFalse();

            keeper.arm(TimeUnit.SECONDS.toNanos(30));
            assertThat(keeper.pid()).as("a new keeper").isNotEqualTo(first);
            assertThat(keeper.isHealthy()).as("re-armed on a new keeper").isTrue();

            keeper.disarm();
            long second = keeper.pid();
            assertThat(new ProcessBuilder("kill", "-KILL", Long.toString(second)).start().waitFor()).isZero();
            ProcessHandle.of(second).ifPresent(p -> p.onExit().join());
            assertThat(keeper.isHealthy()).as("disarmed: the next arm starts a new one").isTrue();
            assertThat(fenced()).isFalse();
        }
    }

    @Test
    void onlyARequiredWatchdogCanFail() {
        FakeDatabaseNode database = FakeDatabaseNode.standalone("n1");
        LeaseWatchdog automatic = new LeaseWatchdog("n1", database, TimeSource.system(), Duration.ofSeconds(1),
                WatchdogConfig.Mode.AUTOMATIC);
        automatic.start(); // no fence command: no keeper, only a warning
        assertThat(automatic.isHealthy()).as("automatic without a keeper (Patroni: healthy unless required)").isTrue();
        automatic.close();
    }

    @Test
    void requiredModeRefusesToStartWithoutAFenceCommand() {
        FakeDatabaseNode database = FakeDatabaseNode.standalone("n1");
        LeaseWatchdog required = new LeaseWatchdog("n1", database, TimeSource.system(), Duration.ofSeconds(1),
                WatchdogConfig.Mode.REQUIRED);
        assertThatThrownBy(required::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("watchdog.mode is required").hasMessageContaining("no fence command");
        LeaseWatchdog automatic = new LeaseWatchdog("n1", database, TimeSource.system(), Duration.ofSeconds(1),
                WatchdogConfig.Mode.AUTOMATIC);
        automatic.start();
        automatic.close();
    }

    private Process startRaw() throws IOException {
        return new ProcessBuilder(FenceKeeper.command("t", fenceCommand()))
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }
}
