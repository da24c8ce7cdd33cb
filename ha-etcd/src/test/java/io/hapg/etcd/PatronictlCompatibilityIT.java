package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.HistoryEntry;
import io.hapg.core.model.Lsn;
import io.hapg.core.model.Member;
import io.hapg.core.model.Tags;
import io.hapg.core.spi.ClusterKey;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Patroni client reads what hapg wrote: {@code patronictl list} (Patroni 3.0.2, Debian
 * package {@code patroni}) shows hapg's members, leader, timelines and lag, and {@code history}
 * and {@code show-config} show its history and config keys.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PatronictlCompatibilityIT {
    private static final Path PATRONICTL = Path.of(System.getProperty("hapg.patronictl", "/usr/bin/patronictl"));
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @TempDir
    Path dir;

    @Test
    void patronictlListsTheMembersLeaderAndTimelineHapgWrote() throws Exception {
        assertThat(Files.isExecutable(PATRONICTL)).as("patronictl at %s (apt-get install patroni)", PATRONICTL)
                .isTrue();
        try (LocalEtcd etcd = LocalEtcd.start(1)) {
            logs.watch(etcd);
            String scope = EtcdTestSupport.freshScope("pgcluster");
            EtcdConfig.Builder base = EtcdTestSupport.config(etcd, scope, "n0").namespace("/service/")
                    .ttl(Duration.ofSeconds(30));
            try (EtcdConsensus n0 = new EtcdConsensus(base.member("n0").build());
                 EtcdConsensus n1 = new EtcdConsensus(base.member("n1").build())) {
                writeCluster(n0, n1);

                JsonNode list = patronictl(etcd, scope, "list", "-f", "json");
                Map<String, JsonNode> byMember = new HashMap<>();
                list.forEach(row -> byMember.put(row.get("Member").asText(), row));
                System.out.println("patronictl list -f json: " + list);
                assertThat(byMember).containsOnlyKeys("n0", "n1");
                assertThat(byMember.get("n0").get("Cluster").asText()).isEqualTo(scope);
                assertThat(byMember.get("n0").get("Role").asText()).isEqualTo("Leader");
                assertThat(byMember.get("n0").get("State").asText()).isEqualTo("running");
                assertThat(byMember.get("n0").get("TL").asInt()).isEqualTo(3);
                assertThat(byMember.get("n0").get("Host").asText()).isEqualTo("127.0.0.1:5432");
                assertThat(byMember.get("n1").get("Role").asText()).isEqualTo("Sync Standby");
                assertThat(byMember.get("n1").get("State").asText()).isEqualTo("streaming");
                assertThat(byMember.get("n1").get("TL").asInt()).isEqualTo(3);
                assertThat(byMember.get("n1").get("Host").asText()).isEqualTo("127.0.0.2:5433");
                assertThat(byMember.get("n1").get("Lag in MB").asInt()).as("16 MiB behind the status optime")
                        .isEqualTo(16);
                assertThat(byMember.get("n1").get("Tags").toString()).contains("nofailover");
                assertThat(byMember.get("n1").get("Scheduled restart").asText())
                        .isEqualTo("2026-12-03T16:00:00+00:00 if version < 170000");

                JsonNode history = patronictl(etcd, scope, "history", "-f", "json");
                System.out.println("patronictl history -f json: " + history);
                assertThat(history).hasSize(2);
                assertThat(history.get(1).get("TL").asInt()).isEqualTo(2);
                assertThat(history.get(1).get("LSN").asLong()).isEqualTo(Lsn.parse("0/5000000").value());
                assertThat(history.get(1).get("New Leader").asText()).isEqualTo("n0");

                String config = run(etcd, scope, "show-config");
                System.out.println("patronictl show-config:\n" + config);
                assertThat(config).contains("ttl: 30").contains("loop_wait: 10").contains("synchronous_mode: true");
            }
        }
    }

    private static void writeCluster(EtcdConsensus n0, EtcdConsensus n1) {
        assertThat(n0.compareAndSet(ClusterKey.INITIALIZE, 0, Optional.of("7300000000000000001"))).isTrue();
        DynamicConfig config = DynamicConfig.fromMap(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10,
                "maximum_lag_on_failover", 1048576, "synchronous_mode", true,
                "postgresql", Map.of("use_pg_rewind", true, "parameters", Map.of("max_connections", 100))));
        assertThat(n0.compareAndSet(ClusterKey.CONFIG, 0, Optional.of(config))).isTrue();
        Lsn primaryLsn = Lsn.parse("0/6000000");
        Lsn replicaLsn = Lsn.of(primaryLsn.value() - 16 * 1024 * 1024);
        n0.publishMember(new Member("n0", "postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni",
                "primary", "running", Optional.of(primaryLsn), Optional.empty(), Optional.empty(), 3,
                Optional.empty(), Tags.NONE, "0.1.0"));
        n1.publishMember(new Member("n1", "postgres://127.0.0.2:5433/postgres", "http://127.0.0.2:8008/patroni",
                "replica", "streaming", Optional.of(replicaLsn), Optional.of(replicaLsn), Optional.of(replicaLsn), 3,
                Optional.of("streaming"), Tags.of(Map.of("nofailover", true)), "0.1.0", false,
                Optional.of(new Member.ScheduledRestart(java.time.Instant.parse("2026-12-03T16:00:00Z"), Optional.empty(),
                        Optional.of("170000")))));
        assertThat(n0.tryAcquireLeader()).isTrue();
        assertThat(n0.renewLeader(new ClusterStatus(Optional.of(primaryLsn), Map.of()))).isTrue();
        assertThat(n0.compareAndSet(ClusterKey.SYNC, 0, Optional.of(new io.hapg.core.model.SyncState(
                Optional.of("n0"), List.of("n1"), 0)))).isTrue();
        assertThat(n0.compareAndSet(ClusterKey.HISTORY, -1, Optional.of(List.of(
                new HistoryEntry(1, Lsn.parse("0/3000060"), "no recovery target specified",
                        Optional.of("2024-01-01T00:00:00+00:00"), Optional.of("n1")),
                new HistoryEntry(2, Lsn.parse("0/5000000"), "no recovery target specified",
                        Optional.of("2024-02-01T00:00:00+00:00"), Optional.of("n0")))))).isTrue();
    }

    private JsonNode patronictl(LocalEtcd etcd, String scope, String... args) throws Exception {
        return JSON.readTree(run(etcd, scope, args));
    }

    /** Runs patronictl with a config naming the scope, the default namespace and the etcd3 host. */
    private String run(LocalEtcd etcd, String scope, String... args) throws IOException, InterruptedException {
        URI endpoint = URI.create(etcd.clientEndpoint(0));
        Path config = dir.resolve("patronictl.yml");
        Files.writeString(config, "scope: " + scope + "\nnamespace: /service/\netcd3:\n  hosts: "
                + endpoint.getHost() + ":" + endpoint.getPort() + "\n", StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(PATRONICTL.toString(), "-c", config.toString()));
        command.addAll(List.of(args));
        Path out = dir.resolve("patronictl.out");
        Path err = dir.resolve("patronictl.err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("patronictl timed out: " + command);
        }
        String stdout = Files.readString(out);
        assertThat(p.exitValue()).as("patronictl %s exit code; stderr: %s", args, Files.readString(err)).isZero();
        return stdout;
    }
}
