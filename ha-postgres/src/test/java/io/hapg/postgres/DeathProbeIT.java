package io.hapg.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.config.PgUser;
import io.hapg.core.model.LeaderProbe.Outcome;
import io.hapg.testkit.LocalPostgres;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Fast failover's death probe against a real PostgreSQL: alive, frozen (SIGSTOP), killed. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeathProbeIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final DeathProbe probe = new DeathProbe(PgUser.of("postgres"), TIMEOUT);
    private LocalPostgres pg;

    @BeforeEach
    void start() {
        pg = LocalPostgres.builder().name("probed").createPrimary().start();
    }

    @AfterEach
    void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void aRunningPostgresAnswers() {
        assertThat(probe.probe(pg.host(), pg.port())).isEqualTo(Outcome.ANSWERED);
    }

    @Test
    void aFrozenPostmasterAcceptsTcpButDoesNotAnswerWithinTheTimeouts() {
        pg.freeze();
        try {
            long started = System.nanoTime();
            Outcome outcome = probe.probe(pg.host(), pg.port());
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertThat(outcome).isEqualTo(Outcome.NOT_ANSWERING);
            assertThat(tookMs).as("bounded by the timeouts (connect, login, read)").isBetween(900L, 3500L);
        } finally {
            pg.thaw();
        }
        assertThat(probe.probe(pg.host(), pg.port())).as("thawed").isEqualTo(Outcome.ANSWERED);
    }

    @Test
    void aKilledPostgresDoesNotAnswerAtOnce() {
        pg.kill();
        long started = System.nanoTime();
        Outcome outcome = probe.probe(pg.host(), pg.port());
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(outcome).isEqualTo(Outcome.NOT_ANSWERING);
        assertThat(tookMs).as("refused, no wait").isLessThan(1000L);
    }

    @Test
    void anAuthenticationErrorIsAnAnswer() {
        Outcome outcome = new DeathProbe(PgUser.of("no_such_role"), TIMEOUT).probe(pg.host(), pg.port());
        assertThat(outcome).isEqualTo(Outcome.ANSWERED);
    }
}
