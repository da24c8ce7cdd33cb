package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.Member;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What one idle loop iteration costs etcd, counted by etcd itself ({@code grpc_server_started_total}
 * on its {@code /metrics}): the idle agent's CPU is mostly its RPCs (issue #14, "a lean agent").
 * A leader: the cluster read (which also confirms its term) and one keepalive; no write when neither
 * its status nor its member key changed. A replica: the read and one keepalive. Keepalives are
 * requests on one stream kept open (etcd counts the stream once, and a message per keepalive), and
 * that stream outlives the per-call deadline the other RPCs have.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RpcBudgetIT {
    private static final Pattern STARTED =
            Pattern.compile("(?m)^grpc_server_started_total\\{grpc_method=\"(\\w+)\",[^}]*} (\\d+)$");
    private static final Pattern RECEIVED =
            Pattern.compile("(?m)^grpc_server_msg_received_total\\{grpc_method=\"(\\w+)\",[^}]*} (\\d+)$");

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void anIdleIterationCostsOneReadAndOneKeepalive() throws Exception {
        String scope = EtcdTestSupport.freshScope("budget");
        try (LocalEtcd etcd = LocalEtcd.start(1);
             EtcdConsensus leader = new EtcdConsensus(EtcdTestSupport.config(etcd, scope, "n0")
                     .ttl(Duration.ofSeconds(10)).retryTimeout(Duration.ofSeconds(2)).build());
             EtcdConsensus replica = new EtcdConsensus(EtcdTestSupport.config(etcd, scope, "n1")
                     .ttl(Duration.ofSeconds(10)).build())) {
            logs.watch(etcd);
            Member n0 = member("n0");
            Member n1 = member("n1");
            ClusterStatus status = ClusterStatus.EMPTY;
            assertThat(leader.tryAcquireLeader()).isTrue();
            // A first iteration each writes what changed (the member keys).
            leaderIteration(leader, n0, status);
            replica.read();
            replica.publishMember(n1);

            Map<String, Long> before = started(etcd);
            Map<String, Long> sent = received(etcd);
            leaderIteration(leader, n0, status);
            assertThat(minus(started(etcd), before)).as("RPCs started by an idle leader's iteration")
                    .isEqualTo(Map.of("Range", 1L));
            assertThat(minus(received(etcd), sent)).as("requests of an idle leader's iteration")
                    .isEqualTo(Map.of("Range", 1L, "LeaseKeepAlive", 1L));

            // Without a read of its own just before, the renewal reads the key to confirm the term.
            // Past the 2 s call deadline: the keepalive stream has none.
            EtcdTestSupport.pause(Duration.ofMillis(2500));
            before = started(etcd);
            sent = received(etcd);
            assertThat(leader.renewLeader(status)).isTrue();
            assertThat(minus(started(etcd), before)).as("RPCs started by a renewal not preceded by a read")
                    .isEqualTo(Map.of("Range", 1L));
            assertThat(minus(received(etcd), sent)).as("requests of a renewal not preceded by a read")
                    .isEqualTo(Map.of("Range", 1L, "LeaseKeepAlive", 1L));

            replica.read(); // the replica's first keepalive since its lease was granted opens its stream
            replica.publishMember(n1);
            EtcdTestSupport.pause(Duration.ofMillis(1100)); // iterations are loop_wait (>= 1 s) apart
            before = started(etcd);
            sent = received(etcd);
            replica.read();
            replica.publishMember(n1);
            assertThat(minus(started(etcd), before)).as("RPCs started by an idle replica's iteration")
                    .isEqualTo(Map.of("Range", 1L));
            assertThat(minus(received(etcd), sent)).as("requests of an idle replica's iteration")
                    .isEqualTo(Map.of("Range", 1L, "LeaseKeepAlive", 1L));

            // The member key write keeps the lease alive when no renewal did it just before.
            EtcdTestSupport.pause(Duration.ofMillis(1100));
            before = started(etcd);
            sent = received(etcd);
            leader.publishMember(n0);
            assertThat(minus(started(etcd), before)).as("RPCs started by a member write a second after the renewal")
                    .isEmpty();
            assertThat(minus(received(etcd), sent)).as("requests of a member write a second after the renewal")
                    .isEqualTo(Map.of("LeaseKeepAlive", 1L));
            assertThat(started(etcd).get("LeaseKeepAlive")).as("keepalive streams opened in all: one per agent")
                    .isEqualTo(2L);
        }
    }

    private static void leaderIteration(EtcdConsensus leader, Member me, ClusterStatus status) {
        leader.read();
        assertThat(leader.renewLeader(status)).isTrue();
        leader.publishMember(me);
    }

    private static Member member(String name) {
        return Member.of(name, "postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni");
    }

    /** etcd's count of started RPCs (unary calls and streams) per gRPC method. */
    private static Map<String, Long> started(LocalEtcd etcd) throws IOException, InterruptedException {
        return count(etcd, STARTED);
    }

    /** etcd's count of requests received per gRPC method: one per unary call, one per message on a stream. */
    private static Map<String, Long> received(LocalEtcd etcd) throws IOException, InterruptedException {
        return count(etcd, RECEIVED);
    }

    private static Map<String, Long> count(LocalEtcd etcd, Pattern metric) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(etcd.clientEndpoint(0) + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("etcd /metrics").isEqualTo(200);
        Map<String, Long> counts = new TreeMap<>();
        Matcher m = metric.matcher(r.body());
        while (m.find()) {
            counts.merge(m.group(1), Long.parseLong(m.group(2)), Long::sum);
        }
        assertThat(counts).as(metric.pattern().substring(4, 30) + " in etcd's /metrics").containsKey("Range");
        return counts;
    }

    private static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((k, v) -> {
            long delta = v - before.getOrDefault(k, 0L);
            if (delta != 0) {
                d.put(k, delta);
            }
        });
        return d;
    }
}
