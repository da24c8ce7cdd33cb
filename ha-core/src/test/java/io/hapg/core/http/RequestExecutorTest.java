package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The reaper ticks while a request is being read and sleeps once none is. */
class RequestExecutorTest {

    @Test
    void theReaperInterruptsASlowReadAndThenStopsTicking() throws InterruptedException {
        try (RequestExecutor executor = new RequestExecutor("t", 2, 4, Duration.ofMillis(200))) {
            assertThat(executor.reaperArmed()).as("armed before any request").isFalse();
            CountDownLatch interrupted = new CountDownLatch(1);
            executor.execute(() -> {
                try {
                    Thread.sleep(10_000); // a client that never finishes its request
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
            });
            assertThat(interrupted.await(5, TimeUnit.SECONDS)).as("the slow read was cut off").isTrue();
            assertThat(awaitDisarmed(executor, Duration.ofSeconds(5))).as("armed with no request in flight").isTrue();
        }
    }

    @Test
    void aRequestReadInTimeIsLeftAloneAndDisarmsTheReaper() throws InterruptedException {
        try (RequestExecutor executor = new RequestExecutor("t", 2, 4, Duration.ofMillis(200))) {
            CountDownLatch finished = new CountDownLatch(1);
            executor.execute(() -> {
                RequestExecutor.requestRead();
                LockSupport.parkNanos(Duration.ofMillis(600).toNanos()); // a slow endpoint, request read
                if (!Thread.currentThread().isInterrupted()) {
                    finished.countDown();
                }
            });
            assertThat(finished.await(5, TimeUnit.SECONDS)).as("ran to its end, not interrupted").isTrue();
            assertThat(awaitDisarmed(executor, Duration.ofSeconds(5))).isTrue();
        }
    }

    private static boolean awaitDisarmed(RequestExecutor executor, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!executor.reaperArmed()) {
                return true;
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        return false;
    }
}
