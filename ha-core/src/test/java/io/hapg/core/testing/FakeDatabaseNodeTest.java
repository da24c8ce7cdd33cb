package io.hapg.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.ReplicationPeer;
import io.hapg.core.spi.DatabaseNode;
import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.core.spi.DatabaseUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The database contract against the fake, plus the fake's own PostgreSQL behaviour and fault injection. */
class FakeDatabaseNodeTest extends DatabaseNodeContract {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final FakeDatabaseNetwork network = new FakeDatabaseNetwork();

    @Override
    protected DatabaseNode newNode(String name) {
        return network.node(name);
    }

    @Override
    protected Member memberOf(DatabaseNode node) {
        return ((FakeDatabaseNode) node).member();
    }

    @Override
    protected void writeSomething(DatabaseNode primary) {
        ((FakeDatabaseNode) primary).advanceWal(0x1000);
    }

    @Override
    protected Set<String> slotsOf(DatabaseNode node) {
        return ((FakeDatabaseNode) node).slots();
    }

    private FakeDatabaseNode fake(String name) {
        return (FakeDatabaseNode) node(name);
    }

    /** n0 a primary, n1 its streaming replica. */
    private FakeDatabaseNode[] primaryAndReplica() {
        FakeDatabaseNode n0 = fake("n0");
        FakeDatabaseNode n1 = fake("n1");
        n0.bootstrap();
        n1.cloneFrom(n0.member());
        return new FakeDatabaseNode[] {n0, n1};
    }

    @Test
    void callsAreLoggedInOrderWithoutProbes() {
        FakeDatabaseNode[] nodes = primaryAndReplica();
        FakeDatabaseNode n1 = nodes[1];
        n1.probe();
        n1.stop(StopMode.IMMEDIATE);
        n1.start(Optional.of(nodes[0].member()));
        n1.promote();
        n1.setSynchronousStandbys(List.of("n0"), true);
        n1.ensureSlots(Set.of("n2", "n0"));

        assertThat(n1.calls()).containsExactly("cloneFrom(n0)", "stop(IMMEDIATE)", "start(n0)", "promote()",
                "setSynchronousStandbys([n0], true)", "ensureSlots([n0, n2])");
        assertThat(n1.count("probe")).isEqualTo(1);
        assertThat(nodes[0].calls()).containsExactly("bootstrap()");
    }

    @Test
    void failNextThrowsOnceThenTheOperationWorks() {
        FakeDatabaseNode n0 = fake("n0");
        n0.failNext("bootstrap", new DatabaseUnavailableException("initdb failed"));

        assertThatThrownBy(n0::bootstrap).hasMessage("initdb failed");
        assertThat(n0.probe().hasData()).isFalse();
        n0.bootstrap();
        assertThat(n0.probe().isRunningPrimary()).isTrue();
        assertThatThrownBy(() -> n0.failNext("initdb", new RuntimeException())).isInstanceOf(
                IllegalArgumentException.class).hasMessageContaining("operation must be one of");
    }

    @Test
    void hungStopBlocksItsCallerUntilReleased() throws Exception {
        FakeDatabaseNode n0 = fake("n0");
        n0.bootstrap();
        n0.hangNext("stop", WAIT.multipliedBy(3));
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> n0.stop(StopMode.FAST));

        assertThat(n0.awaitHanging("stop", WAIT)).isTrue();
        assertThat(n0.probe().isRunning()).as("a hung stop holds no lock and changes nothing yet").isTrue();
        n0.release("stop");
        stopping.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(n0.probe().process()).isEqualTo(ProcessState.STOPPED);
    }

    @Test
    void hangEndsByItselfAfterItsBound() {
        FakeDatabaseNode n0 = fake("n0");
        n0.hangNext("probe", Duration.ofMillis(20));

        assertThat(n0.probe().hasData()).isFalse();
        assertThat(n0.count("probe")).isEqualTo(1);
    }

    @Test
    void crashLeavesUncleanStateAndRestartKeepsTheWal() {
        FakeDatabaseNode n0 = fake("n0");
        n0.bootstrap();
        n0.advanceWal(0x5000);
        Lsn written = n0.probe().writeLsn().orElseThrow();

        n0.crash();
        DatabaseState crashed = n0.probe();
        assertThat(crashed.process()).isEqualTo(ProcessState.STOPPED);
        assertThat(crashed.cleanShutdown()).isFalse();
        assertThat(crashed.detail()).contains("crashed");
        n0.start(Optional.empty());
        assertThat(n0.probe().writeLsn()).contains(written);
    }

    @Test
    void streamingReplicaReceivesTheShutdownCheckpoint() {
        FakeDatabaseNode[] nodes = primaryAndReplica();
        nodes[0].stop(StopMode.SMART);

        Lsn checkpoint = nodes[0].probe().checkpointLsn().orElseThrow();
        assertThat(nodes[1].probe().receiveLsn()).hasValueSatisfying(lsn -> assertThat(lsn).isGreaterThan(checkpoint));
    }

    @Test
    void crashedPrimaryWithUnreplicatedWalDivergesUntilRewound() {
        FakeDatabaseNode[] nodes = primaryAndReplica();
        FakeDatabaseNode n0 = nodes[0];
        FakeDatabaseNode n1 = nodes[1];
        n1.pauseReplication(true);
        n0.advanceWal(0x2000); // never reaches n1
        n0.crash();
        n1.promote();

        n0.follow(n1.member());
        assertThat(n0.isStreaming()).isFalse();
        assertThat(n0.probe().detail()).contains("diverged from n1");
        assertThat(n1.probe().replication()).isEmpty();
        n0.stop(StopMode.FAST);
        n0.rewind(n1.member());
        n0.start(Optional.of(n1.member()));
        assertThat(n0.isStreaming()).isTrue();
        assertThat(n0.probe().receiveLsn()).isEqualTo(n1.probe().writeLsn());
    }

    @Test
    void watchdogStopWhileAPromotionHangsFencesAndThePromotionThenFails() throws Exception {
        FakeDatabaseNode[] nodes = primaryAndReplica();
        FakeDatabaseNode n1 = nodes[1];
        n1.hangNext("promote", WAIT.multipliedBy(3));
        CompletableFuture<Void> promoting = CompletableFuture.runAsync(n1::promote);
        assertThat(n1.awaitHanging("promote", WAIT)).isTrue();

        n1.stop(StopMode.KILL);
        assertThat(n1.probe().process()).isEqualTo(ProcessState.STOPPED);
        assertThat(n1.probe().cleanShutdown()).isFalse();
        n1.release("promote");
        assertThatThrownBy(() -> promoting.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .hasCauseInstanceOf(DatabaseUnavailableException.class).hasMessageContaining("not running");
        assertThat(n1.calls()).containsExactly("cloneFrom(n0)", "promote()", "stop(KILL)");
    }

    @Test
    void pausedReplicationHoldsTheLagAndDropsTheRow() {
        FakeDatabaseNode[] nodes = primaryAndReplica();
        nodes[1].pauseReplication(true);
        nodes[0].advanceWal(0x1000);

        assertThat(nodes[0].probe().replication()).isEmpty();
        assertThat(nodes[1].probe().receiveLsn().orElseThrow()).isLessThan(nodes[0].probe().writeLsn().orElseThrow());
        assertThat(nodes[1].member().replicationState()).contains("in archive recovery");
        nodes[1].pauseReplication(false);
        assertThat(nodes[1].probe().replayLsn()).isEqualTo(nodes[0].probe().writeLsn());
    }

    @Test
    void replayLagCanBeHeldWhilePaused() {
        FakeDatabaseNode[] nodes = primaryAndReplica();
        nodes[1].pauseReplication(true);
        nodes[1].setLsn(Lsn.parse("0/4000000"), Lsn.parse("0/3800000"));

        DatabaseState replica = nodes[1].probe();
        assertThat(replica.receiveLsn()).contains(Lsn.parse("0/4000000"));
        assertThat(replica.replayLsn()).contains(Lsn.parse("0/3800000"));
        assertThatThrownBy(() -> nodes[1].setLsn(Lsn.ZERO, Lsn.parse("0/1"))).isInstanceOf(
                IllegalArgumentException.class);
    }

    @Test
    void synchronousStandbyRowsSaySyncAndCascadesStream() {
        FakeDatabaseNode[] nodes = primaryAndReplica();
        FakeDatabaseNode n2 = fake("n2");
        n2.cloneFrom(nodes[1].member());
        nodes[0].setSynchronousStandbys(List.of("n1"), false);
        nodes[0].advanceWal(0x3000);

        List<ReplicationPeer> rows = nodes[0].probe().replication();
        assertThat(rows).extracting(ReplicationPeer::applicationName, ReplicationPeer::syncState)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("n1", "sync"));
        assertThat(nodes[1].probe().replication()).extracting(ReplicationPeer::applicationName).containsExactly("n2");
        assertThat(n2.probe().replayLsn()).isEqualTo(nodes[0].probe().writeLsn());
    }

    @Test
    void unresponsivePostmasterProbesAsSuchAndCannotBeClonedFrom() {
        FakeDatabaseNode n0 = fake("n0");
        n0.bootstrap();
        n0.setUnresponsive(true);

        assertThat(n0.probe().process()).isEqualTo(ProcessState.UNRESPONSIVE);
        assertThatThrownBy(() -> fake("n1").cloneFrom(n0.member())).isInstanceOf(DatabaseUnavailableException.class)
                .hasMessageContaining("not answering");
        n0.stop(StopMode.IMMEDIATE);
        assertThat(n0.probe().process()).isEqualTo(ProcessState.STOPPED);
    }

    @Test
    void operationsOnTheWrongStateFailNamingTheNode() {
        FakeDatabaseNode n0 = fake("n0");
        assertThatThrownBy(() -> n0.start(Optional.empty())).isInstanceOf(DatabaseUnavailableException.class)
                .hasMessage("n0: start: no data directory");
        n0.bootstrap();
        assertThatThrownBy(n0::bootstrap).hasMessageContaining("not empty");
        assertThatThrownBy(() -> n0.rewind(n0.member())).hasMessageContaining("must be stopped");
        assertThatThrownBy(() -> n0.advanceWal(0)).isInstanceOf(IllegalArgumentException.class);
        n0.start(Optional.empty()); // already running: nothing happens, as in Patroni
        assertThat(n0.probe().isRunningPrimary()).isTrue();
    }

    @Test
    void memberRecordDescribesTheNode() {
        FakeDatabaseNode[] nodes = primaryAndReplica();
        Member primary = nodes[0].member();
        Member replica = nodes[1].member();

        assertThat(primary.connUrl()).isEqualTo("postgres://n0:5432/postgres");
        assertThat(primary.isPrimaryRole()).isTrue();
        assertThat(primary.isRunning()).isTrue();
        assertThat(replica.role()).isEqualTo("replica");
        assertThat(replica.replicationState()).contains("streaming");
        assertThat(replica.walPosition()).isEqualTo(primary.xlogLocation());
        assertThat(fake("n2").member().role()).isEqualTo("uninitialized");
    }

    @Test
    void concurrentWritesAndProbesStayConsistent() throws Exception {
        FakeDatabaseNode[] nodes = primaryAndReplica();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 2000; i++) {
                nodes[0].advanceWal(16);
            }
        });
        while (!writer.isDone()) {
            DatabaseState replica = nodes[1].probe();
            assertThat(replica.replayLsn().orElseThrow()).isLessThanOrEqualTo(replica.receiveLsn().orElseThrow());
        }
        writer.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(nodes[1].probe().replayLsn()).isEqualTo(nodes[0].probe().writeLsn());
    }
}
