package io.hapg.core.decision;

import io.hapg.core.model.DataRemoval;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Tags;
import java.util.Objects;

/**
 * This member as the decision rules see it: the few static settings they read, and nothing of
 * the REST, store or PostgreSQL sections (the rules make no calls).
 *
 * @param name         this member's name, unique in the cluster
 * @param scope        the cluster's name, for the reasons an operator reads
 * @param tags         this member's tags ({@code nofailover}, {@code failover_priority},
 *                     {@code replicatefrom}, ...)
 * @param bootstrapDcs the dynamic configuration that applies while the store has no {@code config}
 *                     key ({@code bootstrap.dcs})
 * @param dataRemoval  whether a node that cannot be rewound is re-cloned
 *                     ({@code postgresql.remove_data_directory_on_*})
 */
public record Self(String name, String scope, Tags tags, DynamicConfig bootstrapDcs, DataRemoval dataRemoval) {

    public Self {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(bootstrapDcs, "bootstrapDcs");
        Objects.requireNonNull(dataRemoval, "dataRemoval");
    }

    /** A member with Patroni's default: no data directory is ever emptied on its own. */
    public Self(String name, String scope, Tags tags, DynamicConfig bootstrapDcs) {
        this(name, scope, tags, bootstrapDcs, DataRemoval.NEVER);
    }
}
