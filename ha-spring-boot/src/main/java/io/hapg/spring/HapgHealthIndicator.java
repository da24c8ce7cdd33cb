package io.hapg.spring;

import io.hapg.hikari.ClusterLocator;
import io.hapg.hikari.PrimaryDataSource;
import java.time.Duration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code /actuator/health}'s {@code hapg} entry: UP while the pool knows a primary, DOWN while it
 * does not (a failover in progress, or the locator cannot tell). Details: the cluster, the primary,
 * how many switches, the last one (from, to, pause) and how long the locator has been blind. Never
 * opens a connection: it reads the pool's state, so a health check costs nothing during a failover.
 */
public final class HapgHealthIndicator implements HealthIndicator {
    private final PrimaryDataSource dataSource;
    private final ClusterLocator locator;

    public HapgHealthIndicator(PrimaryDataSource dataSource, ClusterLocator locator) {
        this.dataSource = dataSource;
        this.locator = locator;
    }

    @Override
    public Health health() {
        Health.Builder health = dataSource.isAvailable() ? Health.up() : Health.down();
        health.withDetail("cluster", locator.cluster());
        dataSource.currentPrimary().ifPresentOrElse(
                p -> health.withDetail("primary", p.member() + " (" + p.host() + ":" + p.port() + ")"),
                () -> health.withDetail("primary", "none"));
        health.withDetail("switches", dataSource.switchCount());
        dataSource.lastSwitch().ifPresent(s -> health.withDetail("lastSwitch", s.from().map(f -> f.member())
                .orElse("none") + " -> " + s.to().member() + " at " + s.retargetedAt() + ", pause "
                + s.duration().toMillis() + " ms"));
        Duration blind = dataSource.locatorBlindFor();
        if (!blind.isZero()) {
            health.withDetail("locatorBlindFor", blind.toMillis() + " ms");
        }
        locator.problem().ifPresent(p -> health.withDetail("problem", p));
        return health.build();
    }
}
