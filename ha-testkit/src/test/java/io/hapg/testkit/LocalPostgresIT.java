package io.hapg.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.process.OsUser;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(120)
class LocalPostgresIT {
    @RegisterExtension
    static final ProcessLogs logs = new ProcessLogs();

    @Test
    void replicaStreamsFromPrimaryThatSurvivesKillAndFreeze() throws Exception {
        PrimaryReplicaScenario.run(logs::watch, System.out);
    }

    /**
     * CI runs as root, where every PostgreSQL command goes through setpriv. This runs the same
     * scenario in a JVM that is itself the unprivileged user, where commands run directly.
     */
    @Test
    void sameScenarioPassesInAJvmRunningAsANormalUser() throws Exception {
        if (!OsUser.current().isRoot()) {
            PrimaryReplicaScenario.run(logs::watch, System.out);
            return;
        }
        UnprivilegedJvm.Result child = UnprivilegedJvm.run(PrimaryReplicaScenario.class, Duration.ofSeconds(100),
                PgBinaries.BINDIR_PROPERTY);
        assertThat(child.exited()).as("child JVM finished").isTrue();
        assertThat(child.exitCode()).as("child JVM exit code").isZero();
        assertThat(child.output()).contains(PrimaryReplicaScenario.PASSED + " as " + child.user().name() + "(uid "
                + child.user().uid());
    }

    @Test
    void startMovesToAFreshPortWhenItsPortIsTaken() throws IOException {
        try (LocalPostgres pg = LocalPostgres.builder().name("port-taken").createPrimary();
             ServerSocket squatter = new ServerSocket()) {
            logs.watch(pg);
            int taken = pg.port();
            squatter.bind(new InetSocketAddress("127.0.0.1", taken));

            pg.start();

            assertThat(pg.port()).isNotEqualTo(taken);
            assertThat(pg.query("SHOW port")).containsExactly(List.of(Integer.toString(pg.port())));
        }
    }
}
