/**
 * Application failover on HikariCP: {@link io.hapg.hikari.PrimaryDataSource}, one pool that follows
 * the primary in-process; {@link io.hapg.hikari.ReplicaDataSource} for reads on replicas; and the
 * two {@link io.hapg.core.spi.PrimaryLocator}s it is driven by,
 * {@link io.hapg.hikari.ConsensusPrimaryLocator} (watches the consensus store) and
 * {@link io.hapg.hikari.RestPrimaryLocator} (polls the members' {@code GET /primary}).
 * Non-null everywhere; absence is an {@code Optional}.
 */
package io.hapg.hikari;
