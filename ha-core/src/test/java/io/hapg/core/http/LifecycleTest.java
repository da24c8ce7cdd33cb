package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.config.HaConfig;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Start once, close idempotently, named threads that go away on close. */
@Timeout(60)
class LifecycleTest {

    private static Set<String> httpThreads(String member) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("ha-http-" + member + "-")).collect(Collectors.toSet());
    }

    @Test
    void startsOnceClosesTwiceAndNamesItsThreads() throws Exception {
        ApiHarness h = ApiHarness.start("lifecycle1");
        h.report(LocalStates.primary().leaseDeadline(h.leaseDeadline()).build(), Clusters.withHealthyLeader(), true);
        assertThat(h.get("/health").status()).isEqualTo(200);
        if (ApiHarness.TRANSPORT == HttpApi.Transport.JDK) {
            assertThat(httpThreads("lifecycle1")).contains("ha-http-lifecycle1-1", "ha-http-lifecycle1-reaper");
        } else {
            // Health checks are answered on the I/O thread; no worker starts for them.
            assertThat(httpThreads("lifecycle1")).containsExactly("ha-http-lifecycle1-io");
        }
        assertThatThrownBy(h.api::start).isInstanceOf(IllegalStateException.class);
        h.close();
        h.close();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!httpThreads("lifecycle1").isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(httpThreads("lifecycle1")).isEmpty();
    }

    /**
     * An idle Netty I/O thread sleeps until there is I/O: every wake-up of an idle agent costs CPU
     * (Netty 4.2 woke it each second). Counted as the thread's voluntary context switches.
     */
    @Test
    void anIdleNettyServerDoesNotWakeItsIoThread() throws Exception {
        HttpApi api = HttpApi.builder(HaConfig.builder().scope("demo").name("z").build())
                .transport(HttpApi.Transport.NETTY).bindAddress(new InetSocketAddress("127.0.0.1", 0)).build();
        try {
            api.start();
            Thread.sleep(300);
            Path io = ioTask("ha-http-z-io");
            long before = voluntarySwitches(io);
            Thread.sleep(3_500);
            assertThat(voluntarySwitches(io) - before).as("wake-ups of the idle I/O thread in 3.5 s")
                    .isLessThanOrEqualTo(1);
        } finally {
            api.close();
        }
    }

    private static Path ioTask(String name) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                if (name.equals(comm(task))) {
                    return task;
                }
            }
        }
        throw new AssertionError("no thread " + name);
    }

    /** A thread of another test may end between the listing and this read: it is then not the one sought. */
    private static String comm(Path task) throws IOException {
        try {
            return Files.readString(task.resolve("comm")).strip();
        } catch (NoSuchFileException ended) {
            return null;
        }
    }

    private static long voluntarySwitches(Path task) throws IOException {
        return Files.readAllLines(task.resolve("status")).stream().filter(l -> l.startsWith("voluntary_ctxt_switches:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).strip())).findFirst().orElseThrow();
    }

    @Test
    void aClosedApiCannotStartAndAnUnstartedOneHasNoAddress() {
        HttpApi api = HttpApi.builder(HaConfig.builder().scope("demo").name("lifecycle2").build())
                .bindAddress(new InetSocketAddress("127.0.0.1", 0)).build();
        assertThatThrownBy(api::address).isInstanceOf(IllegalStateException.class);
        api.close();
        assertThatThrownBy(api::start).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> HttpApi.builder(HaConfig.builder().scope("demo").name("x").build()).maxThreads(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxThreads");
    }
}
