package io.hapg.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.model.LeaderProbe.Outcome;
import io.hapg.core.model.Member;
import io.hapg.testkit.LocalPostgres;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link PostgresNode#probeOther}: a voter's death probe of the leader's PostgreSQL, at the host
 * and port of the leader's {@code conn_url}, with the voter's own superuser. The prober's own
 * server is never started: the probe needs none.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProbeOtherIT {
    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private TestNodes nodes;
    private PostgresNode voter;
    private LocalPostgres leader;

    @BeforeEach
    void start() {
        nodes = logs.watch(new TestNodes());
        voter = nodes.node("voter");
        leader = LocalPostgres.builder().name("leader").createPrimary().start();
    }

    @AfterEach
    void stop() {
        if (leader != null) {
            leader.close();
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    private Member leaderMember() {
        return Member.of("leader", "postgres://" + leader.host() + ":" + leader.port() + "/postgres",
                "http://127.0.0.1:8008/patroni");
    }

    @Test
    void aRunningLeaderAnswers() {
        assertThat(voter.probeOther(leaderMember(), TIMEOUT)).isEqualTo(Outcome.ANSWERED);
    }

    @Test
    void aFrozenLeaderDoesNotAnswerWithinTheTimeoutsAndAnswersAgainOnceThawed() {
        leader.freeze();
        try {
            long started = System.nanoTime();
            Outcome outcome = voter.probeOther(leaderMember(), TIMEOUT);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertThat(outcome).isEqualTo(Outcome.NOT_ANSWERING);
            assertThat(tookMs).as("bounded: 500 ms counts as 1 s per wait in pgjdbc").isBetween(400L, 3500L);
        } finally {
            leader.thaw();
        }
        assertThat(voter.probeOther(leaderMember(), TIMEOUT)).as("thawed").isEqualTo(Outcome.ANSWERED);
    }

    @Test
    void aKilledLeaderDoesNotAnswerAtOnce() {
        Member member = leaderMember();
        leader.kill();
        long started = System.nanoTime();
        Outcome outcome = voter.probeOther(member, TIMEOUT);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(outcome).isEqualTo(Outcome.NOT_ANSWERING);
        assertThat(tookMs).as("refused, no wait").isLessThan(1000L);
    }

    @Test
    void badInputCountsAsAnsweredWithoutProbingAndNeverThrows() {
        leader.kill(); // anything that did probe would find NOT_ANSWERING
        String port = Integer.toString(leader.port());
        for (String url : new String[] {"", "garbage", "http://127.0.0.1:" + port + "/postgres",
                "postgres:///postgres", "postgres://127.0.0.1:99999/postgres", "postgres://127.0.0.1:0/postgres",
                "postgres://[::1/postgres", "postgres://127.0.0.1:" + port + " /postgres"}) {
            Member member = Member.of("leader", url, "http://127.0.0.1:8008/patroni");
            assertThat(voter.probeOther(member, TIMEOUT)).as("conn_url '%s'", url).isEqualTo(Outcome.ANSWERED);
        }
        Member reachable = Member.of("leader", "postgres://127.0.0.1:" + port + "/postgres", "");
        assertThat(voter.probeOther(reachable, Duration.ZERO)).as("zero timeout").isEqualTo(Outcome.ANSWERED);
        assertThat(voter.probeOther(reachable, Duration.ofMillis(-1))).as("negative timeout")
                .isEqualTo(Outcome.ANSWERED);
        assertThat(voter.probeOther(reachable, null)).as("no timeout").isEqualTo(Outcome.ANSWERED);
        assertThat(voter.probeOther(reachable, TIMEOUT)).as("the same URL, well-formed: probed")
                .isEqualTo(Outcome.NOT_ANSWERING);
    }
}
