package io.hapg.hikari;

import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.testkit.LocalPostgres;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A locator the test points at a server by hand ({@link #pointAt}), for pool-only tests on
 * standalone PostgreSQL instances: the answer goes through the same {@code LocatorCore} (thread,
 * listeners) as a real locator's.
 */
final class SettableLocator extends AbstractClusterLocator {
    private volatile Optional<String> systemIdentifier = Optional.empty();

    SettableLocator(String cluster) {
        super("settable-locator-" + cluster, cluster);
    }

    /** Names {@code pg} as the primary, as member {@code member}; the subscribers hear it on the locator thread. */
    void pointAt(String member, LocalPostgres pg) {
        PrimaryEndpoint endpoint = new PrimaryEndpoint(member, pg.host(), pg.port(),
                "postgres://" + pg.host() + ":" + pg.port() + "/postgres");
        core.submit(() -> core.publish(Optional.of(endpoint), Optional.empty(), List.of()));
    }

    /** Lists {@code pg} as the only replica, as member {@code member} (lag 0); the primary stays as it is. */
    void replicaAt(String member, LocalPostgres pg) {
        ReplicaEndpoint r = new ReplicaEndpoint(member, pg.host(), pg.port(), OptionalLong.of(0), false);
        core.submit(() -> core.publish(core.primary(), Optional.empty(), List.of(r)));
    }

    /** What {@link #systemIdentifier()} answers from now on (the {@code initialize} key). */
    void systemIdentifier(String id) {
        systemIdentifier = Optional.of(id);
    }

    @Override
    public Optional<String> systemIdentifier() {
        return systemIdentifier;
    }
}
