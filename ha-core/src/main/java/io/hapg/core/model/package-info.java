/**
 * Immutable records shared across the SPI boundary: the cluster view read from the consensus
 * store, the local database state, LSNs, roles and their legal transitions. Non-null
 * everywhere; absence is an {@code Optional}.
 */
package io.hapg.core.model;
