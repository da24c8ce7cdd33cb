package io.hapg.postgres;

import static io.hapg.postgres.TestNodes.awaitCaughtUp;
import static io.hapg.postgres.TestNodes.execute;
import static io.hapg.postgres.TestNodes.member;
import static io.hapg.postgres.TestNodes.query;
import static io.hapg.postgres.TestNodes.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.model.DatabaseState;
import io.hapg.core.model.DatabaseState.DataDirectory;
import io.hapg.core.spi.DatabaseNode.StopMode;
import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.core.spi.FatalHaException;
import io.hapg.core.spi.SourceUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The old primary rejoins: pg_rewind after real divergence (writes on both sides), and when
 * rewind fails, a clone when the engine decides so (the node never wipes on its own). A leader
 * that cannot be reached is no failed rewind. A node of another cluster is never touched.
 */
@Timeout(120)
class RewindIT {
    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private TestNodes nodes;

    @BeforeEach
    void nodes() {
        nodes = logs.watch(new TestNodes());
    }

    @AfterEach
    void stop() {
        nodes.close();
    }

    /**
     * Also Patroni's {@code postgresql.rewind}: the extra options reach pg_rewind ({@code --debug}
     * output); {@code config_dir} outside the data directory: single-user crash recovery and the
     * restarted server use its {@code postgresql.conf}, not the copy pg_rewind brings from n2; and
     * {@code postgresql.bin_name}: both nodes run from a bin directory of renamed symlinks only
     * ({@code pg-postgres}...), so initdb, the server, pg_controldata, pg_basebackup, single-user
     * recovery and pg_rewind all go through the custom names.
     */
    @Test
    void aCrashedDivergedFormerPrimaryIsRewoundAndStreamsFromTheNewLeader() throws IOException {
        Path etc = nodes.base().resolve("etc-n1");
        PostgresNode n1 = nodes.node(nodes.customBinNames(nodes.config("n1")).rewindOptions(List.of("--debug"))
                .configDir(etc).build());
        PostgresNode n2 = nodes.node(nodes.customBinNames(nodes.config("n2")).build());
        assertThat(n1.fenceCommand().orElseThrow()).anySatisfy(arg -> assertThat(arg).endsWith("/pg-ctl"));
        diverge(n1, n2);
        n1.stop(StopMode.IMMEDIATE); // a crash: rewind must run crash recovery first
        assertThat(n1.probe().cleanShutdown()).isFalse();

        n1.rewind(member(n2));

        assertThat(Files.readString(n1.config().effectiveRunDir().resolve("pg_rewind.log")))
                .as("pg_rewind ran as pg-rewind, with --debug").contains("/custom-bin/pg-rewind --target-pgdata")
                .contains("--debug").contains("pg-rewind: Source timeline history:")
                .contains("--config-file=" + etc.resolve("postgresql.conf"));
        assertThat(Files.readString(n1.config().effectiveRunDir().resolve("postgres-single.log")))
                .contains("--config-file=" + etc.resolve("postgresql.conf"));

        DatabaseState state = n1.probe();
        assertThat(state.isRunning()).isTrue();
        assertThat(state.inRecovery()).isTrue();
        assertThat(Files.exists(n1.config().effectiveRunDir().resolve("postgres-single.log")))
                .as("single-user crash recovery ran").isTrue();
        assertThat(TestNodes.value(n1, "SHOW config_file")).isEqualTo(etc.resolve("postgresql.conf").toString());
        assertThat(TestNodes.value(n1, "SHOW hba_file")).isEqualTo(etc.resolve("pg_hba.conf").toString());
        execute(n2, "INSERT INTO t VALUES ('after rewind')");
        awaitCaughtUp(n1, n2);
        assertThat(rows(n1)).containsExactly("after rewind", "common", "only on n2");
        assertThat(n1.probe().timeline()).isEqualTo(n2.probe().timeline()).isEqualTo(2);
        assertThat(n2.probe().replication()).anySatisfy(peer -> {
            assertThat(peer.applicationName()).isEqualTo("n1");
            assertThat(peer.isStreaming()).isTrue();
        });
    }

    /**
     * A failed pg_rewind leaves the data directory where it was, stopped (whether to re-clone is
     * the decision engine's, by remove_data_directory_on_*); a clone then replaces it.
     */
    @Test
    void aRewindThatFailsThrowsKeepsTheDataAndACloneThenSucceeds() throws IOException {
        PostgresNode n1 = nodes.node("n1");
        PostgresNode n2 = nodes.node("n2");
        diverge(n1, n2);
        n1.stop(StopMode.FAST);
        deleteWal(n1.config().dataDir()); // pg_rewind cannot find where the timelines forked

        assertThatThrownBy(() -> n1.rewind(member(n2)))
                .isInstanceOf(DatabaseUnavailableException.class)
                .hasMessageContaining("pg_rewind failed");
        DatabaseState failed = n1.probe();
        assertThat(failed.isRunning()).isFalse();
        assertThat(failed.dataDirectory()).as("kept: the node does not decide to wipe it")
                .isEqualTo(DataDirectory.INITIALIZED);

        n1.cloneFrom(member(n2));
        execute(n2, "INSERT INTO t VALUES ('after clone')");
        awaitCaughtUp(n1, n2);
        assertThat(rows(n1)).containsExactly("after clone", "common", "only on n2");
    }

    /** Patroni's "primary ... become unreachable": no failed rewind, the data untouched; a retry works. */
    @Test
    void aRewindAgainstALeaderThatIsDownIsNoFailedRewind() {
        PostgresNode n1 = nodes.node("n1");
        PostgresNode n2 = nodes.node("n2");
        diverge(n1, n2);
        n1.stop(StopMode.FAST);
        n2.stop(StopMode.FAST);
        DatabaseState before = n1.probe();

        assertThatThrownBy(() -> n1.rewind(member(n2))).isInstanceOf(SourceUnavailableException.class)
                .hasMessageContaining("cannot prepare the leader");
        assertThat(n1.probe().checkpointLsn()).as("untouched").isEqualTo(before.checkpointLsn());

        n2.start(java.util.Optional.empty());
        n1.rewind(member(n2));
        assertThat(rows(n1)).containsExactly("common", "only on n2");
    }

    @Test
    void aNodeOfAnotherClusterIsNeverTouched() {
        PostgresNode n1 = nodes.node("n1");
        PostgresNode other = nodes.node("other");
        n1.bootstrap();
        other.bootstrap();
        execute(other, "CREATE TABLE precious (v int); INSERT INTO precious VALUES (42)");
        other.stop(StopMode.FAST);
        DatabaseState before = other.probe();

        assertThatThrownBy(() -> other.rewind(member(n1)))
                .as("pg_rewind refuses a source of another system")
                .isInstanceOf(DatabaseUnavailableException.class)
                .hasMessageContaining("pg_rewind failed");
        assertThatThrownBy(() -> other.cloneFrom(member(n1)))
                .isInstanceOf(FatalHaException.class)
                .hasMessageContaining(other.config().dataDir().toString())
                .hasMessageContaining("not replacing it");

        DatabaseState after = other.probe();
        assertThat(after.systemIdentifier()).isEqualTo(before.systemIdentifier());
        assertThat(after.checkpointLsn()).isEqualTo(before.checkpointLsn());
        other.start(java.util.Optional.empty());
        assertThat(value(other, "SELECT v FROM precious")).isEqualTo("42");
    }

    /** n1 primary, n2 its replica; n2 promoted; then each writes a row the other never sees. */
    static void diverge(PostgresNode n1, PostgresNode n2) {
        n1.bootstrap();
        n1.ensureSlots(java.util.Set.of("n1", "n2"));
        n2.cloneFrom(member(n1));
        execute(n1, "CREATE TABLE t (v text); INSERT INTO t VALUES ('common')");
        awaitCaughtUp(n2, n1);
        n2.promote();
        execute(n1, "INSERT INTO t VALUES ('only on n1')");
        execute(n2, "INSERT INTO t VALUES ('only on n2')");
    }

    static List<String> rows(PostgresNode node) {
        return query(node, "SELECT v FROM t ORDER BY v").stream().map(r -> r.get(0)).collect(
                java.util.stream.Collectors.toList());
    }

    private static void deleteWal(Path dataDir) throws IOException {
        try (Stream<Path> files = Files.list(dataDir.resolve("pg_wal"))) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().matches("[0-9A-F]{24}")) {
                    Files.delete(p);
                }
            }
        }
    }
}
