package io.hapg.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.hapg.testkit.Await;
import io.hapg.testkit.LocalEtcd;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Shared helpers of the ha-etcd integration tests. */
final class EtcdTestSupport {
    private static final AtomicInteger SCOPES = new AtomicInteger();

    private EtcdTestSupport() {
    }

    /** A cluster name no other test in this JVM uses, so every test starts from an empty cluster. */
    static String freshScope(String prefix) {
        return prefix + "-" + SCOPES.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
    }

    static EtcdConfig.Builder config(LocalEtcd etcd, String scope, String member) {
        return EtcdConfig.builder().endpoints(etcd.clientEndpoints()).scope(scope).member(member)
                .ttl(Duration.ofSeconds(2)).retryTimeout(Duration.ofSeconds(2));
    }

    static Client admin(List<String> endpoints) {
        return Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    static void put(Client client, String key, String value) throws Exception {
        client.getKVClient().put(bytes(key), bytes(value)).get(5, TimeUnit.SECONDS);
    }

    /** Lets real time pass (etcd's leases run on its own clock). */
    static void pause(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        for (long left = duration.toNanos(); left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /** Polls {@code condition} every 10 ms until it holds; fails after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        Await.until(what, timeout, condition);
    }

    /** Runs {@code action} and returns how long it took, in milliseconds. */
    static long millis(Runnable action) {
        long start = System.nanoTime();
        action.run();
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
