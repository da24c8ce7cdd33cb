package io.hapg.agent.config;

import io.hapg.agent.logging.LogSection;
import io.hapg.core.config.HaConfig;
import java.util.Objects;
import java.util.Optional;

/**
 * One node's whole static configuration, as a Patroni YAML gives it: what ha-core reads
 * ({@link HaConfig}) and the sections only the adapters read, kept in Patroni's shape until
 * {@link AdapterConfigs} maps them onto ha-etcd's and ha-postgres's own configs. Loaded by
 * {@link ConfigLoader}, or built with {@link #builder(HaConfig)} by embedding code. Immutable;
 * each part is validated when it is built.
 *
 * @param ha         scope, name, {@code restapi}, {@code bootstrap.dcs}, tags, ... and what ha-core
 *                   takes from {@code postgresql} ({@code callbacks}, {@code pre_promote}, the
 *                   {@code conn_url} made from {@code connect_address})
 * @param etcd       {@code etcd3} (or {@code etcd}); absent when the file names no etcd
 * @param postgresql {@code postgresql}
 * @param bootstrap  {@code bootstrap} but its {@code dcs}
 * @param log        {@code log}, which only the standalone agent applies (an application embedding
 *                   the node configures its own logging)
 */
public record NodeConfig(HaConfig ha, Optional<EtcdSection> etcd, PostgresqlSection postgresql,
                         BootstrapSection bootstrap, LogSection log) {
    public NodeConfig {
        Objects.requireNonNull(ha, "ha");
        Objects.requireNonNull(etcd, "etcd3");
        Objects.requireNonNull(postgresql, "postgresql");
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(log, "log");
    }

    /**
     * A builder around {@code ha}; the sections default to Patroni's defaults and no etcd. Note
     * that the member's published {@code conn_url} is {@link HaConfig#connUrl()}: set it there to
     * match {@link PostgresqlSection#connUrl()} (the YAML loader does).
     */
    public static Builder builder(HaConfig ha) {
        return new Builder(ha);
    }

    /** Builder; {@link #build()} checks that nothing is null. */
    public static final class Builder {
        private final HaConfig ha;
        private EtcdSection etcd;
        private PostgresqlSection postgresql = PostgresqlSection.DEFAULTS;
        private BootstrapSection bootstrap = BootstrapSection.DEFAULTS;
        private LogSection log = LogSection.DEFAULTS;

        private Builder(HaConfig ha) {
            this.ha = ha;
        }

        /** The {@code etcd3} section; leave unset when the node is given its consensus store in code. */
        public Builder etcd(EtcdSection v) { etcd = v; return this; }
        /** The {@code postgresql} section. */
        public Builder postgresql(PostgresqlSection v) { postgresql = v; return this; }
        /** The {@code bootstrap} section but its {@code dcs}. */
        public Builder bootstrap(BootstrapSection v) { bootstrap = v; return this; }
        /** The {@code log} section, for the standalone agent. */
        public Builder log(LogSection v) { log = v; return this; }

        /** @throws NullPointerException naming the part that is null */
        public NodeConfig build() {
            return new NodeConfig(ha, Optional.ofNullable(etcd), postgresql, bootstrap, log);
        }
    }
}
