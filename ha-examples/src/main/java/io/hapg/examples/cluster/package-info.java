/**
 * What the demo, its storefront run and the soak share on a local cluster: the faults they inject
 * ({@link io.hapg.examples.cluster.Fault}) and the stop-by-PID of every process they started
 * ({@link io.hapg.examples.cluster.Stopper}).
 */
package io.hapg.examples.cluster;
