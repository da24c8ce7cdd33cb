package io.hapg.agent.config;

import io.hapg.core.callbacks.CommandLine;
import io.hapg.core.config.ConfigException;
import io.hapg.core.config.HaConfig;
import io.hapg.core.model.DynamicConfig;
import io.hapg.etcd.EtcdConfig;
import io.hapg.postgres.BootstrapMethod;
import io.hapg.postgres.PostgresConfig;
import io.hapg.postgres.ReplicaMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the Patroni-shaped sections of a {@link NodeConfig} into the adapters' own typed configs:
 * {@code etcd3} into ha-etcd's {@link EtcdConfig}, {@code postgresql} (with
 * {@code bootstrap.initdb}/{@code pg_hba} and the {@code bootstrap.dcs} timings) into
 * ha-postgres's {@link PostgresConfig}. What the standalone agent and hactl do with their config
 * file; embedding code that builds those configs directly does not need it. Stateless.
 */
public final class AdapterConfigs {
    private static final Logger LOG = LoggerFactory.getLogger(AdapterConfigs.class);

    private AdapterConfigs() {
    }

    /**
     * A builder preset with the endpoints, TLS files and credentials of an {@code etcd3} section
     * (its {@code hosts}, {@code url} or {@code proxy}, {@code protocol}, {@code cacert},
     * {@code cert}, {@code key}, {@code username}, {@code password}); the caller still sets the
     * namespace, scope, member and timings before {@code build()}.
     */
    public static EtcdConfig.Builder etcd(EtcdSection section) {
        EtcdConfig.Builder builder = EtcdConfig.builder();
        section.endpoints().forEach(builder::endpoint);
        section.cacert().ifPresent(builder::caCert);
        section.cert().ifPresent(c -> builder.clientCert(c, section.key().orElse(null)));
        section.credentials().ifPresent(builder::credentials);
        return builder;
    }

    /**
     * A builder preset from {@code config}; callers may still change it before {@code build()}.
     *
     * @throws ConfigException naming {@code postgresql.data_dir} when it is missing
     */
    public static PostgresConfig.Builder postgres(NodeConfig config) {
        HaConfig ha = config.ha();
        PostgresqlSection pg = config.postgresql();
        PostgresConfig.Builder builder = PostgresConfig.builder()
                .memberName(ha.name())
                .dataDir(pg.dataDir().orElseThrow(() -> new ConfigException("postgresql.data_dir", "required")))
                .listenAddresses(String.join(",", pg.listenHosts()))
                .port(pg.listenPort())
                .superuser(pg.authentication().superuser())
                .replication(pg.authentication().replication())
                .parameters(parameters(pg))
                .pgHba(!pg.pgHba().isEmpty() ? pg.pgHba() : config.bootstrap().pgHba())
                .pgIdent(pg.pgIdent())
                .recoveryConf(pg.recoveryConf())
                .initdbOptions(config.bootstrap().initdb().stream().map(CliOption::toArgument)
                        .collect(Collectors.toList()))
                .basebackupOptions(basebackupOptions(pg))
                .rewindOptions(rewindOptions(pg))
                .postBootstrap(config.bootstrap().postBootstrap().map(BootstrapSection::postBootstrapCommand)
                        .orElse(List.of()))
                .queryTimeout(ha.bootstrapDcs().retryTimeout())
                .probeTimeout(probeTimeout(ha.bootstrapDcs().loopWait()))
                .startTimeout(pg.pgCtlTimeout())
                // A nostream member streams through no slot: the leader keeps none for it and would
                // drop one a clone created before pg_basebackup attached to it.
                .useSlots(ha.bootstrapDcs().useSlots() && !ha.tags().nostream())
                .usePgRewind(usePgRewind(config))
                .replicaMethods(replicaMethods(ha.scope(), pg))
                // a hung before_stop must not hold a switchover: at most retry_timeout, as a query
                .beforeStopTimeout(ha.bootstrapDcs().retryTimeout());
        config.bootstrap().method().ifPresent(m -> builder.bootstrapMethod(new BootstrapMethod(m.name(), m.command(),
                m.arguments(), ha.scope(), m.noParams(), m.keepExistingRecoveryConf(), m.recoveryConf())));
        pg.beforeStop().ifPresent(builder::beforeStop);
        pg.binDir().ifPresent(builder::binDir);
        pg.configDir().ifPresent(builder::configDir);
        pg.customConf().ifPresent(builder::customConf);
        builder.binNames(pg.binName());
        pg.connectAddress().ifPresent(a -> builder.connectAddress(a.host() + ":" + a.port()));
        pg.authentication().rewind().ifPresent(builder::rewind);
        pg.osUser().ifPresent(builder::osUser);
        return builder;
    }

    /**
     * {@code postgresql.basebackup} as {@code pg_basebackup} arguments.
     *
     * @throws ConfigException naming {@code postgresql.basebackup.<option>} for an option the clone
     *                         decides itself, as Patroni's {@code not_allowed_options}
     */
    static List<String> basebackupOptions(PostgresqlSection pg) {
        return toolOptions(pg.basebackup(), "postgresql.basebackup", PostgresConfig.BASEBACKUP_OWN_OPTIONS,
                "hapg's clone sets it (allowed: other pg_basebackup options, e.g. max-rate, checkpoint, label)");
    }

    /**
     * {@code postgresql.rewind} as {@code pg_rewind} arguments, appended after hapg's own.
     *
     * @throws ConfigException naming {@code postgresql.rewind.<option>} for an option the rewind
     *                         decides itself, as Patroni's {@code not_allowed_options} in
     *                         {@code rewind.py} ({@code target-pgdata}, {@code source-server},
     *                         {@code restore-target-wal}, {@code dry-run}, ...)
     */
    static List<String> rewindOptions(PostgresqlSection pg) {
        return toolOptions(pg.rewind(), "postgresql.rewind", PostgresConfig.REWIND_OWN_OPTIONS,
                "hapg's rewind sets it or it would change what the rewind does (allowed: other pg_rewind options,"
                        + " e.g. debug, progress, sync-method)");
    }

    private static List<String> toolOptions(List<CliOption> options, String key, Set<String> own, String why) {
        for (CliOption option : options) {
            if (own.contains(option.name())) {
                throw new ConfigException(key + "." + option.name(), "not allowed: " + why);
            }
        }
        return options.stream().map(CliOption::toArgument).collect(Collectors.toList());
    }

    /**
     * {@code create_replica_methods} and each method's section as Patroni calls them: {@code command}
     * (default: the method's name), {@code keep_data}, {@code no_params}; every other option becomes
     * {@code --key=value} (Python's {@code str()}: {@code True}/{@code False}), followed by
     * {@code --scope} and {@code --role=replica} unless {@code no_params}. {@code no_leader} (and
     * the legacy {@code no_master}) are accepted: hapg only clones from a running member.
     *
     * @throws ConfigException naming the method's section for an empty command or a quote left open
     */
    static List<ReplicaMethod> replicaMethods(String scope, PostgresqlSection pg) {
        List<ReplicaMethod> methods = new ArrayList<>();
        for (String name : pg.createReplicaMethods()) {
            if (name.equals("basebackup")) {
                methods.add(ReplicaMethod.BASEBACKUP);
                continue;
            }
            Map<String, Object> options = new LinkedHashMap<>(pg.replicaMethodOptions().getOrDefault(name, Map.of()));
            String key = "postgresql." + name;
            List<String> command;
            try {
                command = CommandLine.split(String.valueOf(options.getOrDefault("command", name)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key + ".command", e.getMessage());
            }
            options.remove("command");
            boolean keepData = truthy(options.get("keep_data"));
            boolean noParams = truthy(options.get("no_params"));
            if (noParams) {
                for (String flag : List.of("no_params", "no_master", "no_leader", "keep_data")) {
                    options.remove(flag);
                }
            } else {
                options.put("scope", scope);
                options.put("role", "replica");
            }
            List<String> arguments = new ArrayList<>();
            options.forEach((k, v) -> arguments.add("--" + k + "=" + python(v)));
            methods.add(new ReplicaMethod(name, command, arguments, keepData, noParams));
        }
        return methods;
    }

    private static boolean truthy(Object v) {
        return v instanceof Boolean ? (Boolean) v : v != null && List.of("true", "on", "yes", "1")
                .contains(v.toString().strip().toLowerCase(Locale.ROOT));
    }

    /** A value as Python's {@code str()} shows it, as Patroni formats the method's arguments. */
    private static String python(Object v) {
        return v instanceof Boolean ? ((Boolean) v ? "True" : "False") : String.valueOf(v);
    }

    /** The dynamic {@code postgresql.use_pg_rewind} wins over the local one, as in Patroni. */
    private static boolean usePgRewind(NodeConfig config) {
        Object dynamic = config.ha().bootstrapDcs().raw().get("postgresql");
        if (dynamic instanceof Map && ((Map<?, ?>) dynamic).containsKey("use_pg_rewind")) {
            return config.ha().bootstrapDcs().usePgRewind();
        }
        return config.postgresql().usePgRewind();
    }

    /** A probe must leave the loop time to act: at most half a loop, between 1 and 5 s. */
    private static Duration probeTimeout(Duration loopWait) {
        long millis = Math.max(1000, Math.min(5000, loopWait.toMillis() / 2));
        return Duration.ofMillis(millis);
    }

    /** Settings hapg manages itself (port, listen_addresses, ...) come from their own keys. */
    private static Map<String, String> parameters(PostgresqlSection pg) {
        Map<String, String> out = new LinkedHashMap<>(pg.parameters());
        List<String> dropped = out.keySet().stream().filter(DynamicConfig::isManagedParameter)
                .collect(Collectors.toList());
        for (String key : dropped) {
            out.remove(key);
            LOG.warn("postgresql.parameters.{} is managed by hapg and ignored (set it through its own key)", key);
        }
        return out;
    }
}
