/**
 * Spring Boot auto-configuration: with {@code hapg.scope} set, the application's {@code DataSource}
 * is a {@link io.hapg.hikari.PrimaryDataSource} that follows the primary, with an optional
 * {@link io.hapg.hikari.ReplicaDataSource}, a health indicator and Micrometer meters.
 */
package io.hapg.spring;
