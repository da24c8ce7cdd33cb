package io.hapg.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalEtcdIT {
    private static final Duration HEALTHY = Duration.ofSeconds(30);

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void threeMembersKeepServingWhenOneIsKilledOrFrozen() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(3); Client all = client(etcd.clientEndpoints())) {
            logs.watch(etcd);
            assertThat(etcd.memberCount()).isEqualTo(3);
            assertThat(etcd.clientEndpoints()).hasSize(3).allMatch(e -> e.startsWith("http://127.0.0.1:"));
            put(all, "k", "v1");

            etcd.kill(2);
            assertThat(etcd.isRunning(2)).isFalse();
            etcd.awaitHealthy(HEALTHY);
            eventually(() -> put(all, "k", "v2"));
            assertThat(get(all, "k")).isEqualTo("v2");

            etcd.restart(2);
            etcd.awaitMembersHealthy(HEALTHY, 0, 1, 2);
            try (Client restarted = client(List.of(etcd.clientEndpoint(2)))) {
                assertThat(get(restarted, "k")).as("restarted member caught up").isEqualTo("v2");
            }

            etcd.freeze(0);
            assertThat(etcd.isRunning(0)).isTrue();
            assertThat(etcd.isHealthy(0)).isFalse();
            try (Client survivors = client(List.of(etcd.clientEndpoint(1), etcd.clientEndpoint(2)))) {
                // Member 0 may have been the leader: the others elect a new one within ~1 s.
                eventually(() -> put(survivors, "k", "v3"));
                assertThat(get(survivors, "k")).isEqualTo("v3");
            }
            etcd.thaw(0);
            etcd.awaitMembersHealthy(HEALTHY, 0, 1, 2);
            try (Client thawed = client(List.of(etcd.clientEndpoint(0)))) {
                assertThat(get(thawed, "k")).isEqualTo("v3");
            }
        }
    }

    @Test
    void singleMemberStopsRestartsWithItsDataAndCleansUp() throws Exception {
        LocalEtcd etcd = LocalEtcd.start(1);
        Path baseDir = etcd.baseDir();
        try (etcd) {
            logs.watch(etcd);
            try (Client client = client(etcd.clientEndpoints())) {
                put(client, "persisted", "yes");
            }
            etcd.stop(0);
            assertThat(etcd.isRunning(0)).isFalse();
            // etcd re-raises SIGTERM after a clean shutdown, so it exits with 128 + 15.
            assertThat(etcd.processes()).singleElement().satisfies(p -> assertThat(p.exitCode()).isIn(0, 143));

            etcd.restart(0);
            etcd.awaitHealthy(HEALTHY);
            try (Client client = client(etcd.clientEndpoints())) {
                assertThat(get(client, "persisted")).isEqualTo("yes");
            }
        }
        assertThat(etcd.processes()).allMatch(p -> !p.isAlive());
        assertThat(baseDir.resolve("m0.data")).as("data dir deleted").doesNotExist();
        assertThat(baseDir.resolve("m0.log")).as("log kept for ProcessLogs").exists();
        etcd.close();
        assertThatThrownBy(() -> etcd.kill(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rejectsMemberCountsOtherThanOneOrThree() {
        assertThatThrownBy(() -> LocalEtcd.start(2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("members")
                .hasMessageContaining("2");
    }

    static Client client(List<String> endpoints) {
        return Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
    }

    static Void put(Client client, String key, String value) throws Exception {
        client.getKVClient().put(bytes(key), bytes(value)).get(5, TimeUnit.SECONDS);
        return null;
    }

    static String get(Client client, String key) throws Exception {
        var kvs = client.getKVClient().get(bytes(key)).get(5, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.get(0).getValue().toString(UTF_8);
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, UTF_8);
    }

    /**
     * Awaits the condition "{@code action} succeeds": retries it every 100 ms for at most 20 s;
     * each attempt has its own timeout.
     */
    static <T> T eventually(Callable<T> action) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return action.call();
            } catch (Exception e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }
}
