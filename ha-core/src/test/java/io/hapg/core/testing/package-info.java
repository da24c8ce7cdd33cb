/**
 * Test fixtures for hapg, published in ha-core's test-jar: hand-written fakes of the SPIs
 * ({@link io.hapg.core.testing.InMemoryStore} / {@link io.hapg.core.testing.InMemoryConsensus} with
 * etcd's lease and revision semantics on a {@link io.hapg.core.testing.ManualClock}, and
 * {@link io.hapg.core.testing.FakeDatabaseNode} on a {@link io.hapg.core.testing.FakeDatabaseNetwork}),
 * snapshot factories for decision tests, and the abstract contract tests
 * ({@link io.hapg.core.testing.ConsensusContract}, {@link io.hapg.core.testing.DatabaseNodeContract})
 * every adapter extends. Non-null by default; absence is an {@code Optional}. No static mutable state.
 */
package io.hapg.core.testing;
