package io.hapg.agent.e2e;

import static io.hapg.agent.e2e.E2e.report;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.hapg.testkit.ProcessLogs;
import io.hapg.testkit.WriteHistory;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Garbage written straight into etcd, under continuous writes, into every key of Patroni's layout
 * under {@code /service/<scope>/}: non-JSON bytes, JSON of the wrong shape, huge values and empty
 * values. Every agent keeps running and answering, logs a warning naming the key, the cluster
 * stays writable on the same primary, and the keys the agents own ({@code members/*},
 * {@code status}, {@code initialize}) are rewritten by them. The {@code leader} key is the special
 * case: a value that names no member cannot be the primary's, so the primary steps down and nobody
 * promotes (as Patroni: the key, with no lease, stands until an operator deletes it); then a single
 * new primary is elected.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GarbageKeysIT {
    private static final String SCOPE = "e2e-garbage";
    private static final String PREFIX = "/service/" + SCOPE + "/";
    /** Large, but the whole prefix stays under gRPC's 4 MiB default message size. */
    private static final int HUGE = 256 * 1024;

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    private LocalCluster cluster;
    private Client etcd;
    private WriteHistory writes;

    @BeforeAll
    void startCluster() {
        cluster = E2e.cluster(SCOPE).start();
        logs.watch(cluster);
        cluster.awaitConverged(E2e.BOOT);
        etcd = Client.builder().endpoints(cluster.etcd().clientEndpoints().toArray(String[]::new)).build();
    }

    @AfterAll
    void stopCluster() {
        if (writes != null) {
            writes.close();
        }
        if (etcd != null) {
            etcd.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The garbage, by kind. */
    private static Map<String, byte[]> garbage() {
        Map<String, byte[]> kinds = new LinkedHashMap<>();
        kinds.put("non-JSON bytes", new byte[] {(byte) 0xff, (byte) 0xfe, 0, '{', '"', (byte) 0xc3, 0x28, '\n', 'x'});
        kinds.put("JSON of the wrong shape", ("{\"optime\": \"soon\", \"ttl\": \"long\", \"loop_wait\": [], "
                + "\"leader\": 42, \"sync_standby\": {}, \"state\": 7, \"role\": null, \"conn_url\": [1], "
                + "\"xlog_location\": \"0/0\", \"members\": \"all\", \"timeline\": \"two\"}")
                .getBytes(StandardCharsets.UTF_8));
        kinds.put("a huge value (" + HUGE / 1024 + " KiB)", ("[\"" + "x".repeat(HUGE) + "\"]")
                .getBytes(StandardCharsets.UTF_8));
        kinds.put("an empty value", new byte[0]);
        return kinds;
    }

    /**
     * Each kind of garbage in every key but {@code leader} at once: the same primary keeps
     * committing, every agent keeps running and rewrites what it owns; what only an operator
     * writes ({@code config}, {@code failover}, ...) is restored at the end, as one would.
     */
    @Test
    @Order(1)
    void garbageInEveryOtherKeyKeepsTheClusterWritable() throws Exception {
        ClusterNode primary = startWrites();
        List<String> keys = new ArrayList<>(List.of("config", "sync", "failover", "history", "status", "initialize",
                "optime/leader"));
        cluster.nodes().forEach(n -> keys.add("members/" + n.name()));
        Map<String, Optional<byte[]>> before = new LinkedHashMap<>();
        for (String key : keys) {
            before.put(key, read(key).map(kv -> kv.getValue().getBytes()));
        }
        Map<ClusterNode, Long> offsets = new LinkedHashMap<>();
        cluster.nodes().forEach(n -> offsets.put(n, E2e.logSize(n)));
        for (Map.Entry<String, byte[]> kind : garbage().entrySet()) {
            Instant t0 = Instant.now();
            long revision = 0;
            for (String key : keys) {
                revision = put(key, kind.getValue());
            }
            long written = revision;
            // Every agent rewrites its own member key each loop; the primary its status and initialize.
            E2e.awaitTrue("members/*, status and initialize rewritten after " + kind.getKey(), E2e.CONVERGE, () ->
                    cluster.nodes().stream().allMatch(n -> rewritten("members/" + n.name(), written, "{\""))
                            && rewritten("status", written, "{")
                            && read("initialize").map(kv -> kv.getValue().toString(StandardCharsets.UTF_8))
                                    .filter(v -> v.matches("[0-9]{10,}")).isPresent());
            Instant healed = Instant.now();
            WriteHistory.Commit last = writes.awaitAcknowledged(n -> n.equals(primary.name()), healed,
                    Duration.ofSeconds(20));
            for (ClusterNode n : cluster.nodes()) {
                assertThat(n.isAgentRunning()).as("%s's agent runs after %s", n.name(), kind.getKey()).isTrue();
                assertThat(n.status("/patroni")).as("%s's REST API after %s", n.name(), kind.getKey()).isEqualTo(200);
            }
            assertThat(cluster.primary()).as("the primary after %s", kind.getKey()).contains(primary);
            report("garbage (" + kind.getKey() + ") in " + keys.size() + " keys: members/*, status, initialize "
                    + "rewritten after " + E2e.millisSince(t0, healed) + " ms; " + primary.name()
                    + " still primary, committing (" + E2e.millisSince(t0, last.ackedAt()) + " ms after)");
        }
        StringBuilder all = new StringBuilder();
        for (ClusterNode n : cluster.nodes()) {
            String log = E2e.logSince(n, offsets.get(n));
            all.append(log);
            // Keys nobody rewrites are read by every agent; its own keys an agent may rewrite before reading them.
            for (String key : List.of("config", "sync", "failover", "history")) {
                assertThat(log).as("%s's log warns about %s", n.name(), key).contains("ignoring key " + key);
            }
            assertThat(log).as("%s's log warns about initialize", n.name()).contains("key initialize at revision");
        }
        for (String key : List.of("status", "members/")) {
            assertThat(all.toString()).as("a warning about %s", key).contains("ignoring key " + key);
        }
        // What an operator owns is restored by the operator (hapg keeps the last good config meanwhile).
        for (String key : List.of("config", "sync", "failover", "history", "optime/leader")) {
            Optional<byte[]> value = before.get(key);
            if (value.isPresent()) {
                put(key, value.get());
            } else {
                etcd.getKVClient().delete(bytes(PREFIX + key)).get(20, TimeUnit.SECONDS);
            }
        }
        finish();
    }

    /**
     * A leader key that names no member (garbage, then empty): the primary can no longer show it
     * holds the lock, so it stops accepting writes, and no replica promotes while the key stands
     * (it has no lease: it never expires). Once an operator deletes it, exactly one node promotes.
     */
    @Test
    @Order(2)
    void garbageInTheLeaderKeyStopsThePrimaryAndPromotesNobodyUntilDeleted() throws Exception {
        ClusterNode primary = startWrites();
        List<ClusterNode> alive = cluster.nodes();
        for (Map.Entry<String, byte[]> kind : garbage().entrySet()) {
            if (kind.getKey().startsWith("a huge")) {
                continue;
            }
            Instant t0 = Instant.now();
            put("leader", kind.getValue());
            // ttl + loop_wait: long enough for a replica to have promoted if it were going to; then the
            // old primary must have stopped committing (it demotes: the key is not its own).
            LockSupport.parkNanos(Duration.ofSeconds(E2e.TTL + 2L * E2e.LOOP_WAIT).toNanos());
            E2e.awaitTrue(primary.name() + " stops committing", E2e.FAILOVER, () -> writes.lastAcknowledgedAt(
                    primary.name()).map(at -> at.isBefore(Instant.now().minusSeconds(2))).orElse(true));
            Instant lastOnPrimary = writes.lastAcknowledgedAt(primary.name()).orElse(t0);
            assertThat(writes.firstAcknowledged(n -> !n.equals(primary.name()), t0))
                    .as("no other node accepted a write with %s in the leader key", kind.getKey()).isEmpty();
            assertThat(cluster.nodes().stream().filter(n -> n.status("/primary") == 200).toList())
                    .as("no primary with %s in the leader key", kind.getKey()).isEmpty();
            for (ClusterNode n : alive) {
                assertThat(n.isAgentRunning()).as("%s's agent runs", n.name()).isTrue();
                assertThat(n.status("/patroni")).as("%s's REST API", n.name()).isEqualTo(200);
            }
            report("garbage (" + kind.getKey() + ") in the leader key: " + primary.name()
                    + " stopped committing " + E2e.millisSince(t0, lastOnPrimary) + " ms after, no node promoted in "
                    + E2e.millisSince(t0, Instant.now()) + " ms");
        }
        Instant deleted = Instant.now();
        etcd.getKVClient().delete(bytes(PREFIX + "leader")).get(20, TimeUnit.SECONDS);
        ClusterNode next = cluster.awaitPrimary(n -> true, E2e.CONVERGE);
        WriteHistory.Commit first = writes.awaitAcknowledged(n -> true, deleted, E2e.CONVERGE);
        report("leader key deleted by the operator -> " + next.name() + " primary, first commit on " + first.node()
                + " after " + E2e.millisSince(deleted, first.ackedAt()) + " ms");
        finish();
    }

    private ClusterNode startWrites() {
        ClusterNode primary = cluster.awaitConverged(E2e.CONVERGE);
        writes = E2e.startWrites(cluster, primary);
        return primary;
    }

    private void finish() {
        E2e.finishWrites(writes, cluster.awaitConverged(E2e.CONVERGE));
        writes = null;
    }

    /** Whether {@code key} was written after {@code revision} and starts with {@code prefix}. */
    private boolean rewritten(String key, long revision, String prefix) {
        return read(key).filter(kv -> kv.getModRevision() > revision)
                .map(kv -> kv.getValue().toString(StandardCharsets.UTF_8).startsWith(prefix)).orElse(false);
    }

    private Optional<KeyValue> read(String key) {
        try {
            return etcd.getKVClient().get(bytes(PREFIX + key)).get(20, TimeUnit.SECONDS).getKvs().stream().findFirst();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + PREFIX + key, e);
        }
    }

    private long put(String key, byte[] value) throws Exception {
        return etcd.getKVClient().put(bytes(PREFIX + key), ByteSequence.from(value)).get(20, TimeUnit.SECONDS)
                .getHeader().getRevision();
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
