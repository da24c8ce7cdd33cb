package io.hapg.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What WriteHistory counts as acknowledged (issue #12, item 10): a commit whose wait for a
 * synchronous standby the writer's query timeout cancelled returns success with a warning, but it
 * is on the primary alone; it is counted as local only, never as acknowledged.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WriteHistoryIT {
    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void commitsWhoseSynchronousWaitTheQueryTimeoutCancelledAreLocalOnly() {
        try (LocalPostgres pg = LocalPostgres.builder().name("wh1").createPrimary().start()) {
            logs.watch(pg);
            Map<String, String> urls = Map.of("wh1", pg.jdbcUrl());
            // The table is created before every commit waits: its own commit would wait too.
            WriteHistory waiting = WriteHistory.builder(urls).writers(1).queryTimeout(Duration.ofSeconds(1))
                    .interval(Duration.ZERO).start();
            try {
                pg.execute("ALTER SYSTEM SET synchronous_standby_names = 'nobody'");
                pg.execute("SELECT pg_reload_conf()");
                Await.until("two commits cut short", Duration.ofSeconds(30), () -> waiting.localOnly() >= 2);
                long acknowledgedBefore = waiting.acknowledged().size();
                Await.until("one more cut short", Duration.ofSeconds(30), () -> waiting.localOnly() >= 3);
                assertThat(waiting.acknowledged()).as("nothing acknowledged while every commit waits")
                        .hasSize((int) acknowledgedBefore);
                assertThat(waiting.summary()).contains("local only").contains("canceling wait for synchronous");
            } finally {
                waiting.close();
            }
        }
    }
}
