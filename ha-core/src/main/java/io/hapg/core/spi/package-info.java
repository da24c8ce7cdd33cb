/**
 * The service-provider interfaces an adapter implements: {@link io.hapg.core.spi.Consensus}
 * (the consensus store), {@link io.hapg.core.spi.DatabaseNode} (database control),
 * {@link io.hapg.core.spi.HealthReporter} (health reporting), {@link io.hapg.core.spi.RoleChangeListener}
 * (application notification), and the client-side {@link io.hapg.core.spi.PrimaryLocator}.
 */
package io.hapg.core.spi;
