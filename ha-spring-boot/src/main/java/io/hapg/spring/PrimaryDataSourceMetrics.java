package io.hapg.spring;

import io.hapg.core.spi.PrimaryEndpoint;
import io.hapg.hikari.PrimaryDataSource;
import io.hapg.hikari.SwitchEvent;
import io.hapg.hikari.SwitchListener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters of a {@link PrimaryDataSource}, tagged {@code cluster}:
 * <ul>
 *   <li>{@code hapg.pool.switches} (counter): switches to a new primary;</li>
 *   <li>{@code hapg.pool.switch.pause} (timer): from losing a primary to the first verified
 *       connection to the next, per switch;</li>
 *   <li>{@code hapg.pool.primary.available} (gauge): 1 while a primary is known;</li>
 *   <li>{@code hapg.pool.primary} (gauge, tag {@code member}): 1 for the current primary;</li>
 *   <li>{@code hapg.pool.locator.blind} (time gauge): how long the locator has been unable to read;</li>
 *   <li>{@code hapg.pool.threads.awaiting.primary} (gauge): borrowers held at the pool's gate.</li>
 * </ul>
 * HikariCP's own meters ({@code hikaricp.connections.*}) come from the delegate pool when the
 * application sets a metrics tracker on its {@code HikariConfig}.
 */
public final class PrimaryDataSourceMetrics implements MeterBinder {
    private final PrimaryDataSource dataSource;
    private final String cluster;

    public PrimaryDataSourceMetrics(PrimaryDataSource dataSource, String cluster) {
        this.dataSource = dataSource;
        this.cluster = cluster;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags tags = Tags.of("cluster", cluster);
        FunctionCounter.builder("hapg.pool.switches", dataSource, PrimaryDataSource::switchCount).tags(tags)
                .description("switches to a new primary").register(registry);
        Timer pause = Timer.builder("hapg.pool.switch.pause").tags(tags).publishPercentileHistogram()
                .description("from losing a primary to the first verified connection to the next").register(registry);
        Gauge.builder("hapg.pool.primary.available", dataSource, ds -> ds.isAvailable() ? 1 : 0).tags(tags)
                .description("1 while the pool knows a primary").register(registry);
        TimeGauge.builder("hapg.pool.locator.blind", dataSource, TimeUnit.MILLISECONDS,
                ds -> ds.locatorBlindFor().toMillis()).tags(tags)
                .description("how long the locator has been unable to read where the primary is").register(registry);
        Gauge.builder("hapg.pool.threads.awaiting.primary", dataSource, PrimaryDataSource::threadsAwaitingPrimary)
                .tags(tags).description("borrowers held until a primary is known").register(registry);
        MultiGauge primary = MultiGauge.builder("hapg.pool.primary").tags(tags)
                .description("1 for the member the pool writes to").register(registry);
        Runnable showPrimary = () -> primary.register(dataSource.currentPrimary()
                .map(p -> List.of(MultiGauge.Row.of(Tags.of("member", p.member()), 1)))
                .orElse(List.of()), true);
        showPrimary.run();
        // On the pool's listener thread: recording is cheap and never blocks it.
        dataSource.addListener(new SwitchListener() {
            @Override
            public void switched(SwitchEvent event) {
                pause.record(event.duration());
                showPrimary.run();
            }

            @Override
            public void primaryLost(Optional<PrimaryEndpoint> from, String reason, Instant at) {
                showPrimary.run();
            }
        }, Runnable::run);
    }
}
