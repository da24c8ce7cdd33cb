package io.hapg.postgres;

import static io.hapg.postgres.TestNodes.await;
import static io.hapg.postgres.TestNodes.awaitCaughtUp;
import static io.hapg.postgres.TestNodes.member;
import static io.hapg.postgres.TestNodes.query;
import static io.hapg.postgres.TestNodes.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DatabaseState.ProcessState;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.ReplicationPeer;
import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.process.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A primary and two replicas streaming through slots; what the probe says against what SQL says. */
@Timeout(120)
class ThreeNodeStreamingIT {
    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private TestNodes nodes;
    private PostgresNode n1;
    private PostgresNode n2;
    private PostgresNode n3;

    @BeforeEach
    void cluster() {
        nodes = logs.watch(new TestNodes());
        n1 = nodes.node(nodes.config("n1").probeTimeout(Duration.ofSeconds(1)).build());
        n2 = nodes.node("n2");
        n3 = nodes.node("n3");
        n1.bootstrap();
        n1.ensureSlots(Set.of("n1", "n2", "n3"));
        n2.cloneFrom(member(n1));
        n3.cloneFrom(member(n1));
        TestNodes.execute(n1, "CREATE TABLE t (v int); INSERT INTO t VALUES (1)");
        awaitCaughtUp(n2, n1);
        awaitCaughtUp(n3, n1);
    }

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void probeOfEachNodeMatchesWhatSqlSaysOnIt() {
        for (PostgresNode node : List.of(n1, n2, n3)) {
            boolean primary = node == n1;
            Lsn before = Lsn.parse(value(node, primary ? "SELECT pg_current_wal_lsn()" : "SELECT pg_last_wal_replay_lsn()"));
            // Read before the probe: WAL written meanwhile (a checkpoint, bgwriter's running_xacts)
            // moves the primary's view of the replica past what an earlier probe saw (CI flake).
            Optional<Lsn> flushed = primary ? Optional.empty() : Optional.of(Lsn.parse(value(n1,
                    "SELECT flush_lsn FROM pg_stat_replication WHERE application_name = '"
                            + node.config().memberName() + "'")));
            DatabaseState state = node.probe();
            Lsn after = Lsn.parse(value(node, primary ? "SELECT pg_current_wal_lsn()" : "SELECT pg_last_wal_replay_lsn()"));

            assertThat(state.process()).isEqualTo(ProcessState.RUNNING);
            assertThat(state.inRecovery()).isEqualTo("t".equals(value(node, "SELECT pg_is_in_recovery()")));
            assertThat(state.inRecovery()).isEqualTo(!primary);
            assertThat(state.systemIdentifier()).hasValue(value(node,
                    "SELECT system_identifier::text FROM pg_control_system()"));
            assertThat(state.timeline()).isEqualTo(Integer.parseInt(value(node,
                    "SELECT timeline_id FROM pg_control_checkpoint()")));
            Lsn probed = (primary ? state.writeLsn() : state.replayLsn()).orElseThrow();
            assertThat(probed).isBetween(before, after);
            if (primary) {
                assertThat(state.receiveLsn()).isEmpty();
                assertThat(state.replayLsn()).isEmpty();
            } else {
                assertThat(state.writeLsn()).isEmpty();
                assertThat(state.receiveLsn()).hasValueSatisfying(lsn -> assertThat(lsn).isGreaterThanOrEqualTo(
                        flushed.orElseThrow()));
            }
            System.out.println(node.config().memberName() + " probe: " + state);
        }
        DatabaseState primary = n1.probe();
        assertThat(primary.synchronousStandbys()).isEmpty();
        assertThat(primary.replication()).extracting(ReplicationPeer::applicationName).containsExactly("n2", "n3");
        assertThat(primary.replication()).allSatisfy(peer -> {
            assertThat(peer.isStreaming()).isTrue();
            assertThat(peer.syncState()).isEqualTo("async");
        });
        assertThat(query(n1, "SELECT slot_name, active FROM pg_replication_slots ORDER BY 1"))
                .containsExactly(List.of("n2", "t"), List.of("n3", "t"));
        assertThat(value(n2, "SELECT count(*) FROM t")).isEqualTo("1");
    }

    @Test
    void killDashNineOfThePrimaryIsSeenByTheNextProbeAndReplicasKeepRunning() throws Exception {
        long pid = Long.parseLong(Files.readAllLines(n1.config().dataDir().resolve("postmaster.pid")).get(0).strip());

        // An outside kill -9 of the postmaster alone, as the OOM killer would do it.
        assertThat(Commands.run(List.of("kill", "-9", Long.toString(pid))).exitCode()).isZero();
        long killed = System.nanoTime();
        await("n1 probed as stopped", n1.config().probeTimeout(), () -> n1.probe().process() == ProcessState.STOPPED);
        long seenMs = (System.nanoTime() - killed) / 1_000_000;
        DatabaseState stopped = n1.probe();
        System.out.println("kill -9 of the postmaster seen by the probe after " + seenMs + " ms: " + stopped.detail());

        assertThat(stopped.cleanShutdown()).isFalse();
        assertThat(n2.probe().isRunning()).isTrue();
        assertThat(n2.probe().inRecovery()).isTrue();

        n1.start(Optional.empty());
        TestNodes.execute(n1, "INSERT INTO t VALUES (2)");
        awaitCaughtUp(n2, n1);
        assertThat(value(n2, "SELECT count(*) FROM t")).isEqualTo("2");
    }

    /**
     * A replica that followed a promotion and then crashed restarts with the old timeline in its
     * control file (no restartpoint since). Without a stream the probe must still report the
     * timeline it replayed, or the decider sees it diverged from the new leader and rewinds it for
     * nothing (CI: AsyncFailoverIT#replicaKilledRightAfterASwitchoverRejoinsWithoutRewind).
     */
    @Test
    void aReplicaRestartedWithoutAStreamReportsTheTimelineItReplayedNotItsLastRestartpoints() {
        n1.stop(StopMode.FAST);
        n2.promote();
        n3.follow(member(n2));
        TestNodes.execute(n2, "INSERT INTO t VALUES (2)");
        awaitCaughtUp(n3, n2);
        await("n3 streams on timeline 2", Duration.ofSeconds(30), () -> n3.probe().timeline() == 2);

        n3.stop(StopMode.IMMEDIATE);
        n2.stop(StopMode.FAST);
        n3.start(Optional.of(member(n2)));
        String controlFile = value(n3, "SELECT GREATEST((SELECT timeline_id FROM pg_control_checkpoint()),"
                + " (SELECT min_recovery_end_timeline FROM pg_control_recovery()))");
        DatabaseState restarted = n3.probe();
        System.out.println("n3 restarted without a stream: control file timeline " + controlFile + ", probe: "
                + restarted);

        assertThat(value(n3, "SELECT count(*) FROM pg_stat_wal_receiver WHERE received_tli > 0")).isEqualTo("0");
        assertThat(restarted.inRecovery()).isTrue();
        assertThat(restarted.timeline()).isEqualTo(2);
        // Asked once per replay position: the later probes keep the answer, they do not fall back
        // to the control file's timeline.
        assertThat(n3.probe().timeline()).isEqualTo(2);
        assertThat(n3.probe().timeline()).isEqualTo(2);
    }

    @Test
    void aFrozenPostmasterIsUnresponsiveWithinTheProbeTimeout() {
        Path pidFile = n1.config().dataDir().resolve("postmaster.pid");
        String pid = TestNodes.firstLine(pidFile);
        List<String> tree = treeOf(pid);
        Commands.run(concat(List.of("kill", "-STOP"), tree));
        try {
            long started = System.nanoTime();
            DatabaseState state = n1.probe();
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            System.out.println("probe of a frozen postmaster took " + tookMs + " ms: " + state.detail());
            assertThat(state.process()).isEqualTo(ProcessState.UNRESPONSIVE);
            assertThat(tookMs).isLessThan(n1.config().probeTimeout().toMillis() + 1500);
        } finally {
            Commands.run(concat(List.of("kill", "-CONT"), tree));
        }
        await("n1 answers again", Duration.ofSeconds(10), () -> n1.probe().isRunningPrimary());
    }

    private static List<String> treeOf(String pid) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(pid),
                ProcessHandle.of(Long.parseLong(pid)).orElseThrow().descendants().map(h -> Long.toString(h.pid())))
                .collect(Collectors.toList());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).collect(Collectors.toList());
    }
}
