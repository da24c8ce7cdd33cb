/**
 * The consensus SPI on etcd v3 with Patroni's etcd3 key layout: {@link io.hapg.etcd.EtcdConsensus}
 * and its {@link io.hapg.etcd.EtcdConfig}. Non-null everywhere; absence is an {@code Optional}.
 */
package io.hapg.etcd;
