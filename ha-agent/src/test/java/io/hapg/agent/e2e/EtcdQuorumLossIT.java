package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.testing.TestCertificates;
import io.hapg.agent.ctl.HactlRun;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.WriteHistory;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd loses its quorum (two of three members killed) under continuous writes. Without
 * {@code failsafe_mode} the primary cannot renew its lease and stops accepting writes before the
 * lease could expire; with it, every member confirms the primary over {@code POST /failsafe} and
 * it keeps accepting writes until etcd is back. Either way the cluster converges afterwards and
 * never had two writable primaries.
 *
 * <p>The REST APIs run mutual TLS with a private CA ({@code verify_client: required}) and
 * authentication, as hardened Patroni clusters do: the failsafe confirmation only succeeds if
 * the agents call each other with the CA from {@code restapi.cafile} and present their own
 * certificate, and the last test switches over with hactl through the same settings.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdQuorumLossIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster cluster;
    private WriteHistory writes;

    @BeforeAll
    void startCluster() throws Exception {
        TestCertificates certs = TestCertificates.create(Files.createTempDirectory("hapg-e2e-tls-"));
        cluster = E2e.cluster("e2e-quorum").restApiAuthentication("admin", "quorum-pass")
                .restApiTls(new LocalCluster.Tls(certs.serverCert, certs.serverKey, certs.caCert,
                        certs.clientContext(true))).start();
        logs.watch(cluster);
        cluster.awaitConverged(E2e.BOOT);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void restoreEtcd() {
        if (writes != null) {
            writes.close();
            writes = null;
        }
        LocalEtcd etcd = cluster.etcd();
        for (int i = 0; i < etcd.memberCount(); i++) {
            if (!etcd.isRunning(i)) {
                etcd.restart(i);
            }
        }
        etcd.awaitHealthy(Duration.ofSeconds(60));
    }

    @Test
    @Order(1)
    void withoutFailsafeThePrimaryStopsAcceptingWritesBeforeItsLeaseCouldExpire() {
        ClusterNode primary = startWrites();
        Instant t0 = loseQuorum();

        awaitNoPrimary(Duration.ofSeconds(E2e.TTL * 3L));
        Instant lastOnPrimary = lastCommit(primary, t0);
        report("etcd quorum lost, failsafe_mode off: last commit on " + primary.name() + " "
                + E2e.millisSince(t0, lastOnPrimary) + " ms after the loss; /primary 503 everywhere");
        assertThat(lastOnPrimary).as("the lease, renewed at most loop_wait before the loss, ends ttl later")
                .isBefore(t0.plusSeconds(E2e.TTL));
        LockSupport.parkNanos(Duration.ofSeconds(3).toNanos());
        assertThat(writes.firstAcknowledged(n -> true, t0.plusSeconds(E2e.TTL))).as("no writes while etcd is down")
                .isEmpty();

        Instant restored = restoreQuorum();
        ClusterNode next = cluster.awaitConverged(E2e.CONVERGE);
        WriteHistory.Commit first = writes.awaitAcknowledged(n -> true, restored, E2e.FAILOVER);
        report("etcd quorum back: " + next.name() + " primary, first commit " + E2e.millisSince(restored,
                first.ackedAt()) + " ms after the quorum returned");
        finish(next);
    }

    @Test
    @Order(2)
    void withFailsafeThePrimaryKeepsAcceptingWritesWhileEveryMemberConfirmsIt() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        assertThat(primary.request("PATCH", "/config", "{\"failsafe_mode\": true}").status()).isEqualTo(200);
        awaitBody(primary, "/config", "\"failsafe_mode\":true");
        try {
            startWrites();
            Instant t0 = loseQuorum();

            // Well past the point where, without failsafe, the lease would have ended.
            Instant later = t0.plusSeconds(E2e.TTL * 2L);
            WriteHistory.Commit stillWriting = writes.awaitAcknowledged(n -> n.equals(primary.name()), later,
                    Duration.ofSeconds(E2e.TTL * 4L));
            report("etcd quorum lost, failsafe_mode on: " + primary.name() + " still committing "
                    + E2e.millisSince(t0, stillWriting.ackedAt()) + " ms after the loss");
            assertThat(primary.status("/primary")).isEqualTo(200);
            assertThat(cluster.nodes().stream().filter(n -> n != primary).mapToInt(n -> n.status("/replica")))
                    .as("the replicas keep streaming").containsOnly(200);

            restoreQuorum();
            assertThat(cluster.awaitConverged(E2e.CONVERGE)).as("the same primary").isEqualTo(primary);
            finish(primary);
        } finally {
            cluster.awaitConverged(E2e.CONVERGE).request("PATCH", "/config", "{\"failsafe_mode\": null}");
        }
    }

    @Test
    @Order(3)
    void hactlSwitchesOverThroughTheMutualTlsApis() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        ClusterNode candidate = cluster.nodes().stream().filter(n -> n != primary).findFirst().orElseThrow();
        HactlRun run = HactlRun.of(cluster.node(0).configFile().toString(), "switchover", "--force", "--candidate",
                candidate.name());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (run.code() != 0 && System.nanoTime() - deadline < 0) { // a replica that just caught up: 412 for a loop
            run = HactlRun.of(cluster.node(0).configFile().toString(), "switchover", "--force", "--candidate",
                    candidate.name());
        }
        report("hactl switchover over https: " + run.out().strip());
        assertThat(run.code()).as("hactl: %s%s", run.out(), run.err()).isZero();
        assertThat(cluster.awaitConverged(E2e.CONVERGE)).isEqualTo(candidate);
    }

    private ClusterNode startWrites() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        writes = E2e.writes(cluster);
        writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), Duration.ofSeconds(20));
        return primary;
    }

    /** Kills two of the three etcd members (by PID); returns when. */
    private Instant loseQuorum() {
        Instant t0 = Instant.now();
        cluster.etcd().kill(1);
        cluster.etcd().kill(2);
        return t0;
    }

    private Instant restoreQuorum() {
        cluster.etcd().restart(1);
        cluster.etcd().restart(2);
        cluster.etcd().awaitHealthy(Duration.ofSeconds(60));
        return Instant.now();
    }

    private void awaitNoPrimary(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (cluster.nodes().stream().anyMatch(n -> n.status("/primary") == 200)) {
            assertThat(System.nanoTime() - deadline).as("/primary 503 on every node within %s", timeout)
                    .isNegative();
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    private Instant lastCommit(ClusterNode node, Instant otherwise) {
        return writes.lastAcknowledgedAt(node.name()).orElse(otherwise);
    }

    private void finish(ClusterNode primary) {
        writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), Duration.ofSeconds(20));
        writes.stop();
        report(writes.summary());
        writes.assertAtMostOnePrimaryAtATime();
        assertThat(writes.awaitConverged(Duration.ofSeconds(30))).isEqualTo(primary.name());
        writes = null;
    }

    private static void awaitBody(ClusterNode node, String path, String contains) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!node.get(path).body().replace(" ", "").contains(contains)) {
            assertThat(System.nanoTime() - deadline).as("%s %s shows %s", node.name(), path, contains).isNegative();
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }
}
