/**
 * {@code java -jar hapg-demo.jar bench}: failover, switchover, REST and idle-cost numbers on a
 * local three-node cluster of real agent processes, optionally side by side with Patroni on the
 * same etcd, PostgreSQL and timings; a markdown table, the raw samples in CSV, PNG plots.
 */
package io.hapg.examples.bench;
