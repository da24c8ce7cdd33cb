/**
 * {@code java -jar hapg-demo.jar demo}: a three-node hapg cluster on loopback (three etcd members,
 * three agents, each with its PostgreSQL) to fail over by hand. Non-null by default.
 */
package io.hapg.examples.demo;
