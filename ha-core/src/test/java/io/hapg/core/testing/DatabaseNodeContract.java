package io.hapg.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DatabaseState.DataDirectory;
import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.SynchronousStandbyNames;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.spi.DatabaseNode.StopMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link DatabaseNode} must do, as tests: extend this class and implement the hooks
 * ({@code FakeDatabaseNodeTest} does so for the in-memory fake; ha-postgres against real
 * PostgreSQL). The scenarios are the ones the HA loop drives: bootstrap, clone, stop and start,
 * promote, follow, rewind, slots and synchronous standbys.
 *
 * <p>Nodes made through {@link #node} are stopped (IMMEDIATE) and closed after each test. Replication
 * is awaited for at most {@link #awaitTimeout()}, never slept for.
 */
@Timeout(300)
public abstract class DatabaseNodeContract {
    private final List<DatabaseNode> opened = new ArrayList<>();

    /** A node named {@code name} with an empty data directory; all nodes of one test can reach each other. */
    protected abstract DatabaseNode newNode(String name);

    /** The member record peers use to reach {@code node} (name = application_name, conn_url). */
    protected abstract Member memberOf(DatabaseNode node);

    /** Commits something on the running primary {@code node}, so its WAL position moves. */
    protected abstract void writeSomething(DatabaseNode primary);

    /** The physical replication slots on {@code node} (probe does not report them). */
    protected abstract Set<String> slotsOf(DatabaseNode node);

    /** The longest a test waits for replication to catch up. */
    protected Duration awaitTimeout() {
        return Duration.ofSeconds(60);
    }

    /** {@link #newNode}, stopped and closed after the test. */
    protected final DatabaseNode node(String name) {
        DatabaseNode node = newNode(name);
        opened.add(node);
        return node;
    }

    @AfterEach
    final void stopNodes() {
        RuntimeException failure = null;
        for (DatabaseNode node : opened) {
            try {
                node.stop(StopMode.IMMEDIATE); // on a stopped or empty node: nothing to do, no exception
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            } finally {
                node.close();
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Test
    void freshNodeHasNoDataAndNoProcess() {
        DatabaseState state = node("n0").probe();

        assertThat(state.dataDirectory()).isEqualTo(DataDirectory.EMPTY);
        assertThat(state.process()).isEqualTo(ProcessState.STOPPED);
        assertThat(state.isRunning()).isFalse();
    }

    @Test
    void bootstrapLeavesARunningPrimary() {
        DatabaseNode n0 = node("n0");
        n0.bootstrap();

        DatabaseState state = n0.probe();
        assertThat(state.isRunningPrimary()).isTrue();
        assertThat(state.dataDirectory()).isEqualTo(DataDirectory.INITIALIZED);
        assertThat(state.systemIdentifier()).hasValueSatisfying(id -> assertThat(id).isNotBlank());
        assertThat(state.timeline()).isGreaterThanOrEqualTo(1);
        assertThat(state.writeLsn()).isPresent();
    }

    @Test
    void fastStopLeavesACleanShutdownCheckpoint() {
        DatabaseNode n0 = node("n0");
        n0.bootstrap();
        DatabaseState running = n0.probe();

        n0.stop(StopMode.FAST);
        DatabaseState stopped = n0.probe();
        assertThat(stopped.process()).isEqualTo(ProcessState.STOPPED);
        assertThat(stopped.dataDirectory()).isEqualTo(DataDirectory.INITIALIZED);
        assertThat(stopped.cleanShutdown()).isTrue();
        assertThat(stopped.checkpointLsn()).hasValueSatisfying(lsn -> assertThat(lsn).isGreaterThanOrEqualTo(
                running.writeLsn().orElseThrow()));
        assertThat(stopped.systemIdentifier()).isEqualTo(running.systemIdentifier());
        assertThat(stopped.timeline()).isEqualTo(running.timeline());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = StopMode.class, names = {"IMMEDIATE", "KILL"})
    void uncleanStopLeavesAControlFileThatStartRecovers(StopMode mode) {
        DatabaseNode n0 = node("n0");
        n0.bootstrap();
        writeSomething(n0);
        Lsn written = n0.probe().writeLsn().orElseThrow();

        n0.stop(mode);
        assertThat(n0.probe().process()).isEqualTo(ProcessState.STOPPED);
        assertThat(n0.probe().cleanShutdown()).isFalse();
        n0.start(Optional.empty());
        assertThat(n0.probe().isRunningPrimary()).isTrue();
        assertThat(n0.probe().writeLsn()).hasValueSatisfying(lsn -> assertThat(lsn).isGreaterThanOrEqualTo(written));
    }

    @Test
    void stoppingAStoppedOrEmptyNodeDoesNothing() {
        DatabaseNode empty = node("n0");
        empty.stop(StopMode.FAST);
        assertThat(empty.probe().dataDirectory()).isEqualTo(DataDirectory.EMPTY);
        DatabaseNode n1 = node("n1");
        n1.bootstrap();
        n1.stop(StopMode.FAST);

        n1.stop(StopMode.IMMEDIATE);
        assertThat(n1.probe().cleanShutdown()).as("the clean checkpoint stays").isTrue();
    }

    @Test
    void fenceCommandRunByAnotherProcessStopsTheServerAndIsHarmlessOnceStopped() throws Exception {
        DatabaseNode n0 = node("n0");
        Optional<List<String>> fence = n0.fenceCommand();
        if (fence.isEmpty()) {
            return; // in-memory fakes have no process to fence; the agent then fences in-process only
        }
        n0.bootstrap();
        writeSomething(n0);

        assertThat(runElsewhere(fence.get())).as("exit code of %s", fence.get()).isZero();
        awaitTrue("PostgreSQL stopped by the fence command", () -> n0.probe().process() == ProcessState.STOPPED);
        assertThat(n0.probe().cleanShutdown()).as("an immediate shutdown").isFalse();
        runElsewhere(fence.get()); // a fence that fires late finds nothing to stop: any exit code, no harm
        n0.start(Optional.empty());
        assertThat(n0.probe().isRunningPrimary()).isTrue();
    }

    /** Runs {@code command} as a separate process, as the fence keeper does, and returns its exit code. */
    private static int runElsewhere(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        return p.exitValue();
    }

    @Test
    void startWithoutUpstreamRunsAPrimaryAgain() {
        DatabaseNode n0 = node("n0");
        n0.bootstrap();
        n0.stop(StopMode.FAST);
        Lsn checkpoint = n0.probe().checkpointLsn().orElseThrow();

        n0.start(Optional.empty());
        DatabaseState state = n0.probe();
        assertThat(state.isRunningPrimary()).isTrue();
        assertThat(state.writeLsn()).hasValueSatisfying(lsn -> assertThat(lsn).isGreaterThanOrEqualTo(checkpoint));
    }

    @Test
    void startReadOnlyRunsInRecoveryWithoutUpstream() {
        DatabaseNode n0 = node("n0");
        n0.bootstrap();
        n0.stop(StopMode.IMMEDIATE); // a crashed former primary without the leader key

        n0.startReadOnly();
        DatabaseState state = n0.probe();
        assertThat(state.isRunning()).isTrue();
        assertThat(state.inRecovery()).as("never writable without the key").isTrue();

        n0.promote();
        assertThat(n0.probe().isRunningPrimary()).isTrue();
    }

    @Test
    void cloneMakesAStreamingReplicaThatCatchesUp() {
        DatabaseNode n0 = node("n0");
        DatabaseNode n1 = node("n1");
        n0.bootstrap();
        writeSomething(n0);

        n1.cloneFrom(memberOf(n0));
        DatabaseState replica = n1.probe();
        assertThat(replica.isRunning()).isTrue();
        assertThat(replica.inRecovery()).isTrue();
        assertThat(replica.systemIdentifier()).isEqualTo(n0.probe().systemIdentifier());
        assertThat(replica.timeline()).isEqualTo(n0.probe().timeline());
        writeSomething(n0);
        awaitCaughtUp(n1, n0);
        awaitTrue("n0 lists n1 as a streaming standby", () -> n0.probe().replication().stream()
                .anyMatch(row -> row.applicationName().equals("n1") && row.isStreaming()));
    }

    @Test
    void promoteEndsRecoveryOnTheNextTimeline() {
        DatabaseNode n0 = node("n0");
        DatabaseNode n1 = node("n1");
        n0.bootstrap();
        n1.cloneFrom(memberOf(n0));
        int timeline = n1.probe().timeline();

        n1.promote();
        DatabaseState promoted = n1.probe();
        assertThat(promoted.isRunningPrimary()).isTrue();
        assertThat(promoted.timeline()).isEqualTo(timeline + 1);
        assertThat(promoted.writeLsn()).isPresent();
    }

    @Test
    void followTurnsARunningPrimaryIntoAReplica() {
        DatabaseNode n0 = node("n0");
        DatabaseNode n1 = node("n1");
        n0.bootstrap();
        n1.cloneFrom(memberOf(n0));
        n1.promote();

        n0.follow(memberOf(n1));
        DatabaseState state = n0.probe();
        assertThat(state.isRunning()).isTrue();
        assertThat(state.inRecovery()).isTrue();
    }

    /** The clean switchover path: no rewind needed, and a stopped node that is told to follow starts. */
    @Test
    void cleanlyStoppedPrimaryFollowsThePromotedReplicaAndCatchesUp() {
        DatabaseNode n0 = node("n0");
        DatabaseNode n1 = node("n1");
        n0.bootstrap();
        n1.cloneFrom(memberOf(n0));
        writeSomething(n0);
        awaitCaughtUp(n1, n0);
        n0.stop(StopMode.FAST);
        Lsn checkpoint = n0.probe().checkpointLsn().orElseThrow();
        awaitTrue("n1 received n0's shutdown checkpoint", () -> n1.probe().receiveLsn()
                .map(lsn -> lsn.compareTo(checkpoint) >= 0).orElse(false));
        n1.promote();

        n0.follow(memberOf(n1));
        writeSomething(n1);
        awaitCaughtUp(n0, n1);
        assertThat(n0.probe().timeline()).isEqualTo(n1.probe().timeline());
    }

    @Test
    void rewoundFormerPrimaryStreamsFromTheNewLeader() {
        DatabaseNode n0 = node("n0");
        DatabaseNode n1 = node("n1");
        n0.bootstrap();
        n1.cloneFrom(memberOf(n0));
        awaitCaughtUp(n1, n0);
        n1.promote();
        writeSomething(n0); // n0 goes on alone on the old timeline: it diverges
        n0.stop(StopMode.FAST);

        n0.rewind(memberOf(n1));
        n0.start(Optional.of(memberOf(n1)));
        writeSomething(n1);
        awaitCaughtUp(n0, n1);
        assertThat(n0.probe().inRecovery()).isTrue();
        assertThat(n0.probe().timeline()).isEqualTo(n1.probe().timeline());
    }

    @Test
    void ensureSlotsCreatesTheNamedSlotsAndDropsTheOthers() {
        DatabaseNode n0 = node("n0");
        n0.bootstrap();

        n0.ensureSlots(Set.of("n1", "n2"));
        assertThat(slotsOf(n0)).containsExactlyInAnyOrder("n1", "n2");
        n0.ensureSlots(Set.of("n2", "n3"));
        assertThat(slotsOf(n0)).containsExactlyInAnyOrder("n2", "n3");
        n0.ensureSlots(Set.of());
        assertThat(slotsOf(n0)).isEmpty();
    }

    @Test
    void synchronousStandbysShowInTheProbe() {
        DatabaseNode n0 = node("n0");
        n0.bootstrap();

        n0.setSynchronousStandbys(List.of("n1"), false);
        DatabaseState named = n0.probe();
        assertThat(named.synchronousStandbys()).containsExactly("n1");
        assertThat(named.synchronousSetting()).as("the whole form: every named standby confirms each commit")
                .isEqualTo(SynchronousStandbyNames.allOf(List.of("n1")));
        assertThat(named.syncChangeLsn()).as("the primary's flush position at the change").isPresent();
        n0.setSynchronousStandbys(List.of(), false);
        DatabaseState off = n0.probe();
        assertThat(off.synchronousStandbys()).isEmpty();
        assertThat(off.synchronousSetting()).isEqualTo(SynchronousStandbyNames.OFF);
        assertThat(off.syncChangeLsn().orElseThrow()).isGreaterThanOrEqualTo(named.syncChangeLsn().orElseThrow());
    }

    /** Waits until {@code replica} has received and replayed everything {@code primary} has written. */
    protected final void awaitCaughtUp(DatabaseNode replica, DatabaseNode primary) {
        Lsn target = primary.probe().writeLsn().orElseThrow(() -> new AssertionError("not a running primary"));
        awaitTrue("replica replayed " + target, () -> {
            DatabaseState state = replica.probe();
            return state.receiveLsn().map(lsn -> lsn.compareTo(target) >= 0).orElse(false)
                    && state.replayLsn().map(lsn -> lsn.compareTo(target) >= 0).orElse(false);
        });
    }

    /** Polls {@code condition} until it holds, for at most {@link #awaitTimeout()}. */
    protected final void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + awaitTimeout().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + awaitTimeout() + " waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }
}
