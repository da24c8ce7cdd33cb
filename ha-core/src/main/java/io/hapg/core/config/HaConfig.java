package io.hapg.core.config;

import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Tags;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The static, per-node configuration: Patroni's YAML minus what lives in the consensus store.
 * Built with {@link #builder()} by embedding code, or loaded from Patroni-style YAML with
 * {@link ConfigLoader}. Immutable and validated on construction: errors are
 * {@link ConfigException}s naming the dotted key ({@code bootstrap.dcs.loop_wait}).
 *
 * <p>Unlike Patroni, which silently shrinks {@code loop_wait}/{@code retry_timeout}, a
 * {@code bootstrap.dcs} breaking {@code loop_wait + 2 * retry_timeout <= ttl} is rejected.
 *
 * @param scope       cluster name (Patroni {@code scope})
 * @param namespace   key prefix in the store (Patroni {@code namespace}, default {@code /service/})
 * @param name        this member's name, unique in the cluster
 * @param restApi     {@code restapi}
 * @param etcd        {@code etcd3} (or {@code etcd}); absent when the embedding code supplies its
 *                    own consensus store
 * @param postgresql  {@code postgresql}
 * @param bootstrap   {@code bootstrap}, including {@code bootstrap.dcs}
 * @param tags        this member's tags
 * @param watchdog    {@code watchdog}: whether the out-of-process fence runs (its {@code mode})
 * @param ctl         {@code ctl}: credentials and TLS for calls to the members' REST APIs
 * @param log         {@code log}, as read (hapg logs through SLF4J; kept for the embedding code)
 */
public record HaConfig(
        String scope,
        String namespace,
        String name,
        RestApiConfig restApi,
        Optional<EtcdConfig> etcd,
        PostgresqlConfig postgresql,
        BootstrapConfig bootstrap,
        Tags tags,
        WatchdogConfig watchdog,
        CtlConfig ctl,
        Map<String, Object> log) {

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
        Objects.requireNonNull(etcd, "etcd3");
        Objects.requireNonNull(postgresql, "postgresql");
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(watchdog, "watchdog");
        Objects.requireNonNull(ctl, "ctl");
        log = Checks.map(log, "log");
        TagRules.check(tags);
        checkTimings(bootstrap.dcs());
    }

    /** {@code bootstrap.dcs}: the dynamic configuration seeded into the store. */
    public DynamicConfig bootstrapDcs() {
        return bootstrap.dcs();
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
        private EtcdConfig etcd;
        private PostgresqlConfig postgresql = PostgresqlConfig.DEFAULTS;
        private BootstrapConfig bootstrap = BootstrapConfig.DEFAULTS;
        private Tags tags = Tags.NONE;
        private WatchdogConfig watchdog = WatchdogConfig.DEFAULTS;
        private CtlConfig ctl = CtlConfig.NONE;
        private Map<String, Object> log = Map.of();

        private Builder() {
        }

        public Builder scope(String v) { scope = v; return this; }
        public Builder namespace(String v) { namespace = v; return this; }
        public Builder name(String v) { name = v; return this; }
        /** Sets {@code bootstrap.dcs}, keeping the rest of {@link #bootstrap(BootstrapConfig)}. */
        public Builder bootstrapDcs(DynamicConfig v) {
            bootstrap = bootstrap.withDcs(Objects.requireNonNull(v, "bootstrap.dcs"));
            return this;
        }
        public Builder tags(Tags v) { tags = v; return this; }
        public Builder restApi(RestApiConfig v) { restApi = v; return this; }
        /** The etcd endpoints; leave unset when the embedding code supplies its own consensus store. */
        public Builder etcd(EtcdConfig v) { etcd = v; return this; }
        public Builder postgresql(PostgresqlConfig v) { postgresql = v; return this; }
        /** Replaces the whole {@code bootstrap} section, {@code bootstrap.dcs} included. */
        public Builder bootstrap(BootstrapConfig v) { bootstrap = v; return this; }
        public Builder watchdog(WatchdogConfig v) { watchdog = v; return this; }
        /** How this node calls the other members' REST APIs; see {@link CtlConfig}. */
        public Builder ctl(CtlConfig v) { ctl = v; return this; }
        public Builder log(Map<String, Object> v) { log = v; return this; }

        /**
         * @throws ConfigException (an {@link IllegalArgumentException}) naming the key that is
         *                         missing or out of range, e.g. {@code name: required}
         */
        public HaConfig build() {
            return new HaConfig(scope, namespace, name, restApi, Optional.ofNullable(etcd), postgresql, bootstrap,
                    tags, watchdog, ctl, log);
        }
    }
}
