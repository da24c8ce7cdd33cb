package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.core.model.FailoverRequest;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Member;
import io.hapg.core.spi.ClusterKey;
import io.hapg.core.testing.InMemoryConsensus;
import io.hapg.core.testing.InMemoryStore;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ConsensusPrimaryLocatorTest {
    private final InMemoryStore store = InMemoryStore.builder().scope("shop").ttl(Duration.ofSeconds(30)).build();
    private final InMemoryConsensus app = store.member("app");
    private final ConsensusPrimaryLocator locator = ConsensusPrimaryLocator.builder(app).cluster("shop")
            .recheckInterval(Duration.ofMinutes(1)).build();
    private final BlockingQueue<Optional<PrimaryEndpoint>> primaries = new LinkedBlockingQueue<>();
    private final BlockingQueue<Optional<PendingSwitchover>> switchovers = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> threads = new LinkedBlockingQueue<>();

    @AfterEach
    void close() {
        locator.close();
        store.close();
    }

    private InMemoryConsensus member(String name, String connUrl) {
        InMemoryConsensus c = store.member(name);
        c.publishMember(Member.of(name, connUrl, "http://127.0.0.1:8008/patroni").withState("replica", "running"));
        return c;
    }

    private void start() {
        locator.start();
        locator.subscribe(p -> {
            threads.add(Thread.currentThread().getName());
            primaries.add(p);
        });
        locator.subscribeSwitchovers(switchovers::add);
    }

    private Optional<PrimaryEndpoint> nextPrimary() throws InterruptedException {
        Optional<PrimaryEndpoint> p = primaries.poll(10, TimeUnit.SECONDS);
        assertThat(p).as("a notification").isNotNull();
        return p;
    }

    @Test
    void followsTheLeaderKeyAndItsConnUrl() throws Exception {
        InMemoryConsensus a = member("a", "postgres://127.0.0.1:5001/postgres");
        InMemoryConsensus b = member("b", "postgres://127.0.0.1:5002/postgres");
        a.tryAcquireLeader();
        start();
        Optional<PrimaryEndpoint> first = nextPrimary();
        if (first.isEmpty()) { // subscribed before the first read finished
            first = nextPrimary();
        }
        assertThat(first).contains(new PrimaryEndpoint("a", "127.0.0.1", 5001, "postgres://127.0.0.1:5001/postgres"));
        assertThat(threads.poll()).isEqualTo("hapg-locator-shop");
        assertThat(locator.replicas()).extracting(ReplicaEndpoint::member).containsExactly("b");

        a.releaseLeader();
        assertThat(nextPrimary()).isEmpty();
        b.tryAcquireLeader();
        assertThat(nextPrimary()).map(PrimaryEndpoint::member).contains("b");
        assertThat(locator.problem()).isEmpty();
    }

    @Test
    void exposesTheSystemIdentifierOfTheInitializeKey() throws Exception {
        InMemoryConsensus a = member("a", "postgres://127.0.0.1:5001/postgres");
        assertThat(a.compareAndSet(ClusterKey.INITIALIZE, 0, Optional.of("7300000000000000001"))).isTrue();
        a.tryAcquireLeader();
        start();
        if (nextPrimary().isEmpty()) { // subscribed before the first read finished
            nextPrimary();
        }
        assertThat(locator.systemIdentifier()).contains("7300000000000000001");
    }

    @Test
    void announcesAPlannedSwitchoverAwayFromTheCurrentLeader() throws Exception {
        InMemoryConsensus a = member("a", "postgres://127.0.0.1:5001/postgres");
        member("b", "postgres://127.0.0.1:5002/postgres");
        a.tryAcquireLeader();
        start();
        assertThat(switchovers.poll(10, TimeUnit.SECONDS)).isEmpty();
        app.compareAndSet(ClusterKey.FAILOVER, 0, Optional.of(new FailoverRequest(Optional.of("a"),
                Optional.of("b"), Optional.empty(), 0)));
        Optional<PendingSwitchover> announced = switchovers.poll(10, TimeUnit.SECONDS);
        assertThat(announced).isNotNull();
        assertThat(announced.map(PendingSwitchover::from)).contains("a");
        assertThat(announced.flatMap(PendingSwitchover::to)).contains("b");
        app.compareAndSet(ClusterKey.FAILOVER, -1, Optional.empty());
        assertThat(switchovers.poll(10, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void aFailoverKeyNamingAnotherLeaderIsNoAnnouncement() throws Exception {
        InMemoryConsensus a = member("a", "postgres://127.0.0.1:5001/postgres");
        a.tryAcquireLeader();
        app.compareAndSet(ClusterKey.FAILOVER, 0, Optional.of(new FailoverRequest(Optional.of("zz"),
                Optional.empty(), Optional.empty(), 0)));
        start();
        assertThat(switchovers.poll(10, TimeUnit.SECONDS)).isEmpty();
        locator.refresh();
        assertThat(switchovers.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aConnUrlThatDoesNotParseIsNoPrimaryAndAProblemNamingIt() throws Exception {
        InMemoryConsensus c = member("c", "garbage");
        c.tryAcquireLeader();
        start();
        assertThat(nextPrimary()).isEmpty();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (locator.problem().filter(p -> p.contains("conn_url")).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(locator.problem()).hasValueSatisfying(p -> assertThat(p)
                .contains("primary c published a conn_url").contains("'garbage' does not parse"));
    }

    @Test
    void anUnreachableStoreKeepsTheLastAnswerAndSaysWhy() throws Exception {
        InMemoryConsensus a = member("a", "postgres://127.0.0.1:5001/postgres");
        a.tryAcquireLeader();
        start();
        Optional<PrimaryEndpoint> first = nextPrimary();
        if (first.isEmpty()) {
            first = nextPrimary();
        }
        store.setUnavailable(true);
        locator.refresh();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (locator.problem().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(locator.problem()).hasValueSatisfying(p -> assertThat(p).contains("cannot read cluster shop"));
        assertThat(locator.current()).map(PrimaryEndpoint::member).contains("a");
    }

    /** Issue #17, item 2: blind past confirmAfter, the primary must confirm itself on its agent's GET /primary. */
    @Test
    void blindPastConfirmAfterKeepsAPrimaryThatConfirmsItselfAndDropsOneThatDoesNot() throws Exception {
        try (RestPrimaryLocatorTest.FakeMember api = new RestPrimaryLocatorTest.FakeMember("a", 5001);
             ConsensusPrimaryLocator blindable = ConsensusPrimaryLocator.builder(app).cluster("shop")
                     .recheckInterval(Duration.ofMillis(100)).confirmAfter(Duration.ofMillis(500))
                     .confirmTimeout(Duration.ofSeconds(1)).build()) {
            InMemoryConsensus a = store.member("a");
            a.publishMember(Member.of("a", "postgres://127.0.0.1:5001/postgres", api.url() + "/patroni")
                    .withState("primary", "running"));
            a.tryAcquireLeader();
            api.primary = true;
            startThenCutFromTheStore(blindable, "confirmed itself");

            api.primary = false; // its agent lost the lease: 503
            await(() -> blindable.current().isEmpty());
            assertThat(blindable.problem()).hasValueSatisfying(p -> assertThat(p).contains("blind for")
                    .contains("did not confirm itself on GET /primary").contains("answered 503"));
            api.primary = true;
            blindable.refresh();
            await(() -> blindable.current().isPresent()); // it confirms itself again

            api.reset = true; // an agent that does not answer at all
            await(() -> blindable.current().isEmpty());
            store.setUnavailable(false);
            api.reset = false;
            await(() -> blindable.current().isPresent() && blindable.blindFor().isZero());
            assertThat(blindable.problem()).isEmpty();
        }
    }

    @Test
    void inFailsafeModeABlindLocatorKeepsTheLastPrimaryWithoutAsking() throws Exception {
        try (ConsensusPrimaryLocator blindable = ConsensusPrimaryLocator.builder(app).cluster("shop")
                .recheckInterval(Duration.ofMillis(100)).confirmAfter(Duration.ofMillis(300)).build()) {
            InMemoryConsensus a = member("a", "postgres://127.0.0.1:5001/postgres");
            app.compareAndSet(ClusterKey.CONFIG, 0, Optional.of(DynamicConfig.fromMap(Map.of("failsafe_mode", true))));
            a.tryAcquireLeader();
            startThenCutFromTheStore(blindable, "failsafe_mode");
        }
    }

    /**
     * Starts {@code blindable}, waits for its primary, makes the store unreadable; once blind for 800 ms
     * and its problem says {@code why}, it still has a.
     */
    private void startThenCutFromTheStore(ConsensusPrimaryLocator blindable, String why) throws InterruptedException {
        blindable.start();
        await(() -> blindable.current().isPresent());
        store.setUnavailable(true);
        await(() -> blindable.blindFor().toMillis() > 800 && blindable.problem().filter(p -> p.contains(why))
                .isPresent());
        assertThat(blindable.current()).map(PrimaryEndpoint::member).contains("a");
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
