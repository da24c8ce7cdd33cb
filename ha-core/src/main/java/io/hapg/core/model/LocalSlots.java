package io.hapg.core.model;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node knows of its own permanent replication slots, for the decision engine: which were
 * there at the last slot upkeep, and which logical ones it copied from a primary. A copy restarts
 * PostgreSQL, so the engine asks for at most one per slot and leader (Patroni retries every loop).
 *
 * @param present    the permanent slots of the last plan present at the last upkeep, with their
 *                   positions; empty when unknown (no upkeep yet, or PostgreSQL restarted since):
 *                   nothing is copied on a guess
 * @param copies     logical slot name to its last copy (or attempt): from which leader, when the
 *                   leader published which position for it
 */
public record LocalSlots(Optional<Map<String, Lsn>> present, Map<String, Copy> copies) {
    /**
     * One copy of a logical slot.
     *
     * @param leader    the leader it was read from
     * @param published the position the leader published for the slot when the copy was decided
     */
    public record Copy(String leader, Lsn published) {
        public Copy {
            Objects.requireNonNull(leader, "leader");
            Objects.requireNonNull(published, "published");
        }
    }

    /** A node that has not looked at its slots yet and copied none. */
    public static final LocalSlots UNKNOWN = new LocalSlots(Optional.empty(), Map.of());

    public LocalSlots {
        present = Objects.requireNonNull(present, "present").map(Map::copyOf);
        copies = Map.copyOf(copies);
    }

    /** This, with {@code positions} found at an upkeep just made. */
    public LocalSlots withPresent(Map<String, Lsn> positions) {
        return new LocalSlots(Optional.of(positions), copies);
    }

    /**
     * This after copying (or trying to copy) {@code slots} from {@code leader}, which published
     * {@code published} for them: what is present is unknown again.
     */
    public LocalSlots withCopied(Collection<String> slots, String leader, Map<String, Lsn> published) {
        Map<String, Copy> copied = new LinkedHashMap<>(copies);
        slots.forEach(name -> copied.put(name, new Copy(leader, published.getOrDefault(name, Lsn.ZERO))));
        return new LocalSlots(Optional.empty(), copied);
    }
}
