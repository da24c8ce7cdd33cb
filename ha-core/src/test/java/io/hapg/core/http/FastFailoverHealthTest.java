package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.ClusterView;
import io.hapg.core.model.LocalState;
import io.hapg.core.spi.LeaderHeartbeat;
import io.hapg.core.spi.NodeStatus;
import io.hapg.core.testing.Clusters;
import io.hapg.core.testing.LocalStates;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fast failover's old side over real HTTP: with {@code fast_failover} in force (synchronous mode
 * on, ttl 30: T_early 2 s, so 1.5 s with the margin), a leader whose last accepted heartbeat write
 * grows older than that stops answering the lock holder's checks 200, judged at request time
 * (the heartbeat is live, the loop status is not republished in between).
 */
@Timeout(60)
class FastFailoverHealthTest {
    private static final List<String> LOCK_PATHS = List.of("/", "/primary", "/read-write", "/master", "/leader",
            "/read-only", "/readiness");
    private ApiHarness h;
    private final AtomicLong writtenAt = new AtomicLong(Long.MIN_VALUE);
    private final LeaderHeartbeat beat = () -> writtenAt.get() == Long.MIN_VALUE ? OptionalLong.empty()
            : OptionalLong.of(writtenAt.get());

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private void primary(ClusterView view) {
        h = ApiHarness.start("pg1");
        LocalState local = LocalStates.primary().leaseDeadline(h.leaseDeadline()).build();
        h.control.cluster = view;
        h.api.report(new NodeStatus(Clusters.SCOPE, "pg1", local, view, true, "test", h.clock.now(),
                h.clock.nanoTime(), Optional.of(h.clock.now()), false, beat));
    }

    private static ClusterView fastFailover() {
        return Clusters.healthy().synchronousMode().sync("pg1", "pg2").config("fast_failover", true).build();
    }

    @Test
    void aLeaderWhoseHeartbeatIsFreshAnswers200() {
        primary(fastFailover());
        writtenAt.set(h.clock.nanoTime());
        h.clock.advance(Duration.ofMillis(1400));
        for (String path : LOCK_PATHS) {
            assertThat(h.get(path).status()).as(path).isEqualTo(200);
        }
    }

    @Test
    void aLeaderWhoseHeartbeatWritesFailTurns503BeforeT_early() {
        primary(fastFailover());
        writtenAt.set(h.clock.nanoTime());
        h.clock.advance(Duration.ofMillis(1500));
        for (String path : LOCK_PATHS) {
            assertThat(h.get(path).status()).as(path).isEqualTo(503);
        }
        assertThat(h.get("/health").status()).as("about the node, not the lock").isEqualTo(200);
        assertThat(h.get("/liveness").status()).isEqualTo(200);

        writtenAt.set(h.clock.nanoTime()); // the store answers again
        assertThat(h.get("/primary").status()).isEqualTo(200);
    }

    @Test
    void aLeaderThatNeverWroteAHeartbeatAnswers503() {
        primary(fastFailover());
        assertThat(h.get("/primary").status()).isEqualTo(503);
        assertThat(h.get("/leader").status()).isEqualTo(503);
    }

    @Test
    void withoutFastFailoverTheHeartbeatDoesNotMatter() {
        primary(Clusters.healthy().synchronousMode().sync("pg1", "pg2").build());
        assertThat(h.get("/primary").status()).isEqualTo(200);
    }

    @Test
    void inQuorumModeTheKeyIsNotInForce() {
        primary(Clusters.healthy().quorumMode().syncQuorum("pg1", 1, "pg2", "pg3").config("fast_failover", true)
                .build());
        assertThat(h.get("/primary").status()).isEqualTo(200);
    }
}
