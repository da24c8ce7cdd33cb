/**
 * {@code java -jar hapg-demo.jar soak}: random faults from the fault suite under continuous
 * writes on a local three-node cluster, each followed by the invariant checks (at most one node
 * accepting commits at any moment, no acknowledged commit lost in synchronous mode, convergence).
 * Non-null by default.
 */
package io.hapg.examples.soak;
