package io.hapg.agent.e2e;

import io.hapg.testkit.Await;
import io.hapg.testkit.cluster.ClusterNode;
import io.hapg.testkit.cluster.LocalCluster;
import io.hapg.testkit.WriteHistory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Settings and small helpers shared by the end-to-end tests. */
final class E2e {
    /** Small timings: loop_wait + 2 * retry_timeout = 5 <= ttl. */
    static final int TTL = 8;
    static final int LOOP_WAIT = 1;
    static final int RETRY_TIMEOUT = 2;
    static final Duration BOOT = Duration.ofSeconds(150);
    static final Duration CONVERGE = Duration.ofSeconds(90);
    static final Duration FAILOVER = Duration.ofSeconds(TTL * 4L);

    private E2e() {
    }

    /**
     * The fault suite's cluster. Its scenarios kill nodes and expect them back as streaming
     * replicas on their own, also when a rewind is impossible or fails on a loaded machine: the
     * data directory is removed then (Patroni's opt-in; {@link #patroniDefaults} does not).
     */
    static LocalCluster.Builder cluster(String scope) {
        return patroniDefaults(scope).removeDataDirectoryWhenDiverged();
    }

    /** A 3-node cluster with the suite's timings and Patroni's defaults otherwise. */
    static LocalCluster.Builder patroniDefaults(String scope) {
        return LocalCluster.builder().scope(scope).nodes(3).ttl(TTL).loopWait(LOOP_WAIT).retryTimeout(RETRY_TIMEOUT);
    }

    static WriteHistory writes(LocalCluster cluster) {
        return WriteHistory.builder(cluster.jdbcUrls())
                .credentials(cluster.superuser().username(), cluster.superuser().password())
                // Applications set query timeouts; a cancelled synchronous wait is then local only.
                .writers(2).writerPerNode().interval(Duration.ofMillis(5)).queryTimeout(Duration.ofSeconds(5))
                .start();
    }

    /**
     * POSTs a switchover or failover, retrying for up to 10 s while the answer is 412: a replica
     * that just started publishes its running state within a loop, and until then is no candidate
     * (as with Patroni). Each refusal is reported.
     */
    static ClusterNode.Response postManual(ClusterNode node, String path, String body) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            ClusterNode.Response r = node.request("POST", path, body);
            if (r.status() != 412 || System.nanoTime() - deadline > 0) {
                return r;
            }
            report("POST " + path + " on " + node.name() + " refused for now: " + r.status() + " " + r.body());
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        }
    }

    static long millisSince(Instant t0, Instant t1) {
        return Duration.between(t0, t1).toMillis();
    }

    /** Prints a result line and appends it to {@code <build dir>/e2e-report.txt}. */
    static void report(String line) {
        System.out.println("[e2e] " + line);
        try {
            Path buildDir = Path.of(E2e.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
            Files.writeString(buildDir.resolve("e2e-report.txt"), java.time.LocalTime.now() + " " + line + "\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
            System.out.println("[e2e] (report file not written: " + e + ")");
        }
    }

    static String timings() {
        return "ttl=" + TTL + "s loop_wait=" + LOOP_WAIT + "s retry_timeout=" + RETRY_TIMEOUT + "s";
    }

    static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** The part of the node's agent log written after {@code offset} bytes. */
    static String logSince(ClusterNode node, long offset) {
        Path log = agentLog(node);
        try {
            byte[] all = Files.readAllBytes(log);
            return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long logSize(ClusterNode node) {
        try {
            return Files.size(agentLog(node));
        } catch (IOException e) {
            return 0;
        }
    }

    static Path agentLog(ClusterNode node) {
        return node.agentLog();
    }

    /** Waits until a replica answers 200 on /sync: a streaming synchronous standby in the sync key. */
    static ClusterNode syncStandby(LocalCluster cluster) {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (true) {
            for (ClusterNode n : cluster.nodes()) {
                if (n.status("/sync") == 200) {
                    return n;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no synchronous standby (/sync 200) within " + CONVERGE);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    /** Starts the writes and waits for a first commit on {@code primary}. */
    static WriteHistory startWrites(LocalCluster cluster, ClusterNode primary) {
        WriteHistory writes = writes(cluster);
        writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), Duration.ofSeconds(20));
        return writes;
    }

    /**
     * Waits for a commit on {@code primary}, stops the writes and checks the invariants: never two
     * writable primaries, and {@code primary} the only writable node at the end.
     */
    static void finishWrites(WriteHistory writes, ClusterNode primary) {
        writes.awaitAcknowledged(n -> n.equals(primary.name()), Instant.now(), Duration.ofSeconds(20));
        writes.stop();
        report(writes.summary());
        writes.assertAtMostOnePrimaryAtATime();
        org.assertj.core.api.Assertions.assertThat(writes.awaitConverged(Duration.ofSeconds(30)))
                .isEqualTo(primary.name());
    }

    /** Polls {@code condition} every 100 ms; fails naming {@code what} after {@code timeout}. */
    static void awaitTrue(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            org.assertj.core.api.Assertions.assertThat(System.nanoTime() - deadline)
                    .as("%s within %s", what, timeout).isNegative();
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    /**
     * {@link #awaitTrue}, failing with {@code diagnosis} of {@code node} (its replication state and
     * the tails of its agent and PostgreSQL logs) so a red CI run says why.
     */
    static void awaitTrue(String what, Duration timeout, ClusterNode node,
                          java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + " within " + timeout + "; " + diagnosis(node));
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    /** What a failed wait on {@code node} should print: replication state, then log tails. */
    static String diagnosis(ClusterNode node) {
        String state;
        try {
            state = String.join(" | ", node.query("SELECT concat_ws(' ', 'recovery=' || pg_is_in_recovery(),"
                    + " 'receive=' || pg_last_wal_receive_lsn(), 'replay=' || pg_last_wal_replay_lsn(),"
                    + " (SELECT 'walreceiver=' || status || ' from port ' || sender_port || ' tli ' || received_tli"
                    + " FROM pg_stat_wal_receiver))"));
        } catch (RuntimeException e) {
            state = "unreachable: " + e.getMessage();
        }
        return node.name() + ": " + state + "\n----- agent log tail -----\n" + tail(node.agentLog(), 40)
                + "\n----- postgres log tail -----\n" + tail(node.postgresLog(), 20);
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(" + file + " unreadable: " + e + ")";
        }
    }

    /** Waits until {@code replica} replayed everything {@code primary} has written so far. */
    static void awaitReplayed(ClusterNode replica, ClusterNode primary) {
        String lsn = primary.query("SELECT pg_current_wal_lsn()").get(0);
        Await.until(replica.name() + " replayed up to " + lsn, Duration.ofSeconds(30), () -> {
            try {
                return replica.query("SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn").get(0).equals("t");
            } catch (IllegalStateException e) {
                return false;
            }
        });
    }
}
