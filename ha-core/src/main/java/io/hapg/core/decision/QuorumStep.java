package io.hapg.core.decision;

import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One step of quorum commit's ordered plan ({@link QuorumSteps}): the new state of one of the two
 * places that together keep acknowledged commits safe.
 *
 * @param kind   which place changes, or {@link Kind#RESTART}
 * @param leader the {@code leader} of the sync key after the step
 * @param num    {@link Kind#SYNC}: {@code n} of {@code ANY n (...)}; {@link Kind#QUORUM}: the key's {@code quorum}
 * @param names  {@link Kind#SYNC}: the names in {@code synchronous_standby_names}; {@link Kind#QUORUM}: the
 *               key's voters ({@code sync_standby}); sorted
 */
record QuorumStep(Kind kind, String leader, int num, SortedSet<String> names) {

    /** What a step changes. */
    enum Kind {
        /** Rewrite {@code synchronous_standby_names} to {@code ANY num (names)} (off when names is empty). */
        SYNC,
        /** Compare-and-set the sync key to {@code {"leader":leader,"quorum":num,"sync_standby":names}}. */
        QUORUM,
        /**
         * Nothing to write: a standby was just added to an empty setting and none has confirmed yet;
         * read the state again (next iteration) before publishing it.
         */
        RESTART
    }

    QuorumStep {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(leader, "leader");
        names = new TreeSet<>(names);
    }

    static QuorumStep of(Kind kind, String leader, int num, Set<String> names) {
        return new QuorumStep(kind, leader, num, new TreeSet<>(names));
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + leader + " " + num + " " + names;
    }
}
