package io.hapg.core.model;

import java.util.Objects;

/**
 * The holder of the leader key.
 *
 * @param name     the member that holds it
 * @param revision the store's modification revision of the key, for compare-and-set
 */
public record Leader(String name, long revision) {
    public Leader {
        Objects.requireNonNull(name, "name");
    }
}
