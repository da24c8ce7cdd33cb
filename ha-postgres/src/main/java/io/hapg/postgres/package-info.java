/**
 * The {@link io.hapg.core.spi.DatabaseNode} SPI on PostgreSQL 13–17: {@link io.hapg.postgres.PostgresNode}
 * and its {@link io.hapg.postgres.PostgresConfig}. Non-null everywhere; absence is an
 * {@code Optional}. Everything under {@code io.hapg.postgres.internal} is implementation, not API.
 */
package io.hapg.postgres;
