package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.config.HaConfig;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.stream.Collectors;
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
