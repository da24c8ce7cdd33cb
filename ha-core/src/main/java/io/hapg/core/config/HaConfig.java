package io.hapg.core.config;

import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Tags;
import java.util.Objects;

/**
 * The static, per-node configuration: Patroni's YAML minus what lives in the consensus store.
 * Built with {@link #builder()} by embedding code, or loaded from YAML. Immutable and validated
 * on {@link Builder#build()}.
 *
 * @param scope        cluster name (Patroni {@code scope})
 * @param namespace    key prefix in the store (Patroni {@code namespace}, default {@code /service/})
 * @param name         this member's name, unique in the cluster
 * @param bootstrapDcs the dynamic configuration written to the store when the cluster is created
 *                     ({@code bootstrap.dcs}); also what applies while the store has none
 * @param tags         this member's tags
 */
public record HaConfig(String scope, String namespace, String name, DynamicConfig bootstrapDcs, Tags tags) {

    public HaConfig {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bootstrapDcs, "bootstrapDcs");
        Objects.requireNonNull(tags, "tags");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; {@link #build()} validates. */
    public static final class Builder {
        private String scope;
        private String namespace = "/service/";
        private String name;
        private DynamicConfig bootstrapDcs = DynamicConfig.DEFAULTS;
        private Tags tags = Tags.NONE;

        private Builder() {
        }

        public Builder scope(String v) { scope = v; return this; }
        public Builder namespace(String v) { namespace = v; return this; }
        public Builder name(String v) { name = v; return this; }
        public Builder bootstrapDcs(DynamicConfig v) { bootstrapDcs = v; return this; }
        public Builder tags(Tags v) { tags = v; return this; }

        /**
         * @throws IllegalArgumentException naming the field that is missing or out of range
         */
        public HaConfig build() {
            if (scope == null || scope.isBlank()) {
                throw new IllegalArgumentException("scope: required");
            }
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name: required");
            }
            return new HaConfig(scope, namespace, name, bootstrapDcs, tags);
        }
    }
}
