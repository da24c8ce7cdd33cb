package io.hapg.etcd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ErrCompacted path: a watch (re)started from a revision etcd has compacted away is cancelled
 * by etcd; the prefix watch re-reads and re-watches from the current revision, and wakes the caller.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrefixWatchCompactionIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void watchFromACompactedRevisionReReadsAndCatchesUp() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1);
             Client client = Client.builder().endpoints(etcd.clientEndpoints().toArray(String[]::new)).build()) {
            logs.watch(etcd);
            KeyLayout layout = new KeyLayout("/service/", "compaction");
            put(client, layout.key("members/a"), "1");
            RangeSnapshot stale = read(client, layout);
            for (int i = 2; i <= 10; i++) {
                put(client, layout.key("members/a"), String.valueOf(i));
            }
            long head = read(client, layout).revision();
            client.getKVClient().compact(head).get(5, TimeUnit.SECONDS);

            AtomicInteger reads = new AtomicInteger();
            Supplier<RangeSnapshot> reader = () -> reads.getAndIncrement() == 0 ? stale : read(client, layout);
            AtomicInteger wakeUps = new AtomicInteger();
            AtomicReference<String> thread = new AtomicReference<>();
            ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                    r -> new Thread(r, "test-watch"));
            try (PrefixWatch watch = new PrefixWatch(client.getWatchClient(), layout, reader, executor, () -> {
                wakeUps.incrementAndGet();
                thread.set(Thread.currentThread().getName());
            }, "compaction/test")) {
                watch.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!value(watch, "members/a").equals("10") || watch.establishedCount() < 2) {
                    assertThat(System.nanoTime() - deadline).as("caught up after ErrCompacted").isNegative();
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
                assertThat(reads.get()).as("the stale read plus a fresh one").isGreaterThanOrEqualTo(2);
                assertThat(wakeUps.get()).isGreaterThanOrEqualTo(2);
                assertThat(thread.get()).isEqualTo("test-watch");
                put(client, layout.key("members/a"), "11");
                long liveDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!value(watch, "members/a").equals("11")) {
                    assertThat(System.nanoTime() - liveDeadline).as("live events after recovery").isNegative();
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
            } finally {
                executor.shutdownNow();
            }
        }
    }

    private static String value(PrefixWatch watch, String key) {
        return watch.current().flatMap(s -> s.kvs().stream().filter(kv -> kv.key().equals(key)).findFirst())
                .map(RawKv::value).orElse("");
    }

    private static void put(Client client, String key, String value) throws Exception {
        client.getKVClient().put(bytes(key), bytes(value)).get(5, TimeUnit.SECONDS);
    }

    private static RangeSnapshot read(Client client, KeyLayout layout) {
        try {
            GetResponse r = client.getKVClient().get(layout.prefixBytes(), GetOption.builder().isPrefix(true).build())
                    .get(5, TimeUnit.SECONDS);
            List<RawKv> kvs = new ArrayList<>();
            r.getKvs().forEach(kv -> RawKv.of(layout, kv).ifPresent(kvs::add));
            return new RangeSnapshot(r.getHeader().getRevision(), kvs);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
