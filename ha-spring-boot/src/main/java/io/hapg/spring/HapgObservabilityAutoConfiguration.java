package io.hapg.spring;

import io.hapg.hikari.ClusterLocator;
import io.hapg.hikari.PrimaryDataSource;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The pool's health indicator and meters, each only when the application has the library that
 * reads it (Spring Boot's health module, Micrometer).
 */
@AutoConfiguration(after = HapgAutoConfiguration.class)
@ConditionalOnBean({PrimaryDataSource.class, ClusterLocator.class})
public class HapgObservabilityAutoConfiguration {

    /** {@code /actuator/health}'s {@code hapg} entry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "hapgHealthIndicator")
        HapgHealthIndicator hapgHealthIndicator(PrimaryDataSource dataSource, ClusterLocator locator) {
            return new HapgHealthIndicator(dataSource, locator);
        }
    }

    /** Bound to every MeterRegistry by Spring Boot's metrics auto-configuration. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean(name = "hapgPoolMetrics")
        PrimaryDataSourceMetrics hapgPoolMetrics(PrimaryDataSource dataSource, ClusterLocator locator) {
            return new PrimaryDataSourceMetrics(dataSource, locator.cluster());
        }
    }
}
