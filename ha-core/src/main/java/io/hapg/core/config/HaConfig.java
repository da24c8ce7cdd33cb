package io.hapg.core.config;

import io.hapg.core.model.DataRemoval;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Tags;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The static, per-node configuration ha-core reads: Patroni's YAML minus what lives in the
 * consensus store and minus the sections only the adapters read ({@code etcd3},
 * {@code postgresql}, {@code bootstrap.initdb}...; ha-agent maps those onto the adapters' own
 * configs). Built with {@link #builder()} by embedding code, or by ha-agent's Patroni YAML loader.
 * Immutable and validated on construction: errors are {@link ConfigException}s naming the dotted
 * key ({@code bootstrap.dcs.loop_wait}).
 *
 * <p>Unlike Patroni, which silently shrinks {@code loop_wait}/{@code retry_timeout}, a
 * {@code bootstrap.dcs} breaking {@code loop_wait + 2 * retry_timeout <= ttl} is rejected.
 *
 * @param scope       cluster name (Patroni {@code scope})
 * @param namespace   key prefix in the store (Patroni {@code namespace}, default {@code /service/})
 * @param name        this member's name, unique in the cluster
 * @param restApi      {@code restapi}
 * @param bootstrapDcs {@code bootstrap.dcs}: the dynamic configuration seeded into the store (and
 *                     what applies while the store has none)
 * @param tags         this member's tags
 * @param watchdog     {@code watchdog}: whether the out-of-process fence runs (its {@code mode})
 * @param ctl          {@code ctl}: credentials and TLS for calls to the members' REST APIs
 * @param log          {@code log}, as read (hapg logs through SLF4J; kept for the embedding code)
 * @param callbacks    {@code postgresql.callbacks}: the scripts run on role changes
 * @param prePromote   {@code postgresql.pre_promote}: the synchronous fencing script; a non-zero
 *                     exit vetoes the promotion
 * @param connUrl      the {@code conn_url} published in this member's key
 *                     ({@code postgres://<postgresql.connect_address>/postgres}); absent, an empty
 *                     one
 * @param dataRemoval  {@code postgresql.remove_data_directory_on_rewind_failure} and
 *                     {@code ..._on_diverged_timelines}: whether a node that cannot be rewound is
 *                     re-cloned (default: neither, as Patroni)
 */
public record HaConfig(
        String scope,
        String namespace,
        String name,
        RestApiConfig restApi,
        DynamicConfig bootstrapDcs,
        Tags tags,
        WatchdogConfig watchdog,
        CtlConfig ctl,
        Map<String, Object> log,
        Callbacks callbacks,
        Optional<String> prePromote,
        Optional<String> connUrl,
        DataRemoval dataRemoval) {

    /** Patroni reserves this member name. */
    static final String RESERVED_NAME = "__patroni_strict_sync_replica_placeholder__";

    public HaConfig {
        Checks.required(scope, "scope");
        Checks.required(name, "name");
        Checks.required(namespace, "namespace");
        if (name.equals(RESERVED_NAME)) {
            throw new ConfigException("name", "'" + RESERVED_NAME + "' is reserved");
        }
        Objects.requireNonNull(restApi, "restapi");
        Objects.requireNonNull(bootstrapDcs, "bootstrap.dcs");
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(watchdog, "watchdog");
        Objects.requireNonNull(ctl, "ctl");
        log = Checks.map(log, "log");
        Objects.requireNonNull(callbacks, "postgresql.callbacks");
        Objects.requireNonNull(prePromote, "postgresql.pre_promote");
        Objects.requireNonNull(connUrl, "connUrl");
        Objects.requireNonNull(dataRemoval, "postgresql.remove_data_directory_on_*");
        TagRules.check(tags);
        checkTimings(bootstrapDcs);
    }

    /**
     * Patroni's rule {@code loop_wait + 2 * retry_timeout <= ttl}: a primary that cannot reach the
     * store must give up the lease (after its retries) before the lease can expire under it.
     */
    static void checkTimings(DynamicConfig dcs) {
        Duration ttl = dcs.ttl();
        Duration loopWait = dcs.loopWait();
        Duration retryTimeout = dcs.retryTimeout();
        Duration needed = loopWait.plus(retryTimeout.multipliedBy(2));
        if (needed.compareTo(ttl) > 0) {
            throw new ConfigException("bootstrap.dcs", "loop_wait + 2 * retry_timeout must not exceed ttl, got"
                    + " loop_wait=" + Checks.seconds(loopWait) + ", retry_timeout=" + Checks.seconds(retryTimeout)
                    + ", ttl=" + Checks.seconds(ttl) + " (" + Checks.seconds(loopWait) + " + 2 * "
                    + Checks.seconds(retryTimeout) + " = " + Checks.seconds(needed) + " > " + Checks.seconds(ttl)
                    + ")");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; every section defaults to Patroni's defaults. {@link #build()} validates. */
    public static final class Builder {
        private String scope;
        private String namespace = "/service/";
        private String name;
        private RestApiConfig restApi = RestApiConfig.DEFAULTS;
        private DynamicConfig bootstrapDcs = DynamicConfig.DEFAULTS;
        private Tags tags = Tags.NONE;
        private WatchdogConfig watchdog = WatchdogConfig.DEFAULTS;
        private CtlConfig ctl = CtlConfig.NONE;
        private Map<String, Object> log = Map.of();
        private Callbacks callbacks = Callbacks.NONE;
        private String prePromote;
        private String connUrl;
        private DataRemoval dataRemoval = DataRemoval.NEVER;

        private Builder() {
        }

        public Builder scope(String v) { scope = v; return this; }
        public Builder namespace(String v) { namespace = v; return this; }
        public Builder name(String v) { name = v; return this; }
        /** {@code bootstrap.dcs}; default {@link DynamicConfig#DEFAULTS}. */
        public Builder bootstrapDcs(DynamicConfig v) { bootstrapDcs = v; return this; }
        public Builder tags(Tags v) { tags = v; return this; }
        public Builder restApi(RestApiConfig v) { restApi = v; return this; }
        public Builder watchdog(WatchdogConfig v) { watchdog = v; return this; }
        /** How this node calls the other members' REST APIs; see {@link CtlConfig}. */
        public Builder ctl(CtlConfig v) { ctl = v; return this; }
        public Builder log(Map<String, Object> v) { log = v; return this; }
        /** {@code postgresql.callbacks}; default none. */
        public Builder callbacks(Callbacks v) { callbacks = v; return this; }
        /** {@code postgresql.pre_promote}; default none (every promotion is allowed). */
        public Builder prePromote(String v) { prePromote = v; return this; }
        /** The {@code conn_url} to publish, e.g. {@code postgres://10.0.0.1:5432/postgres}; default none. */
        public Builder connUrl(String v) { connUrl = v; return this; }
        /**
         * {@code postgresql.remove_data_directory_on_rewind_failure} / {@code ..._on_diverged_timelines};
         * default {@link DataRemoval#NEVER} (Patroni's).
         */
        public Builder dataRemoval(DataRemoval v) { dataRemoval = v; return this; }

        /**
         * @throws ConfigException (an {@link IllegalArgumentException}) naming the key that is
         *                         missing or out of range, e.g. {@code name: required}
         */
        public HaConfig build() {
            return new HaConfig(scope, namespace, name, restApi, bootstrapDcs, tags, watchdog, ctl, log, callbacks,
                    Optional.ofNullable(prePromote), Optional.ofNullable(connUrl), dataRemoval);
        }
    }
}
