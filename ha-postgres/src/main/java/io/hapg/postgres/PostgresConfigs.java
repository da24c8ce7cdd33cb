package io.hapg.postgres;

import io.hapg.core.config.CliOption;
import io.hapg.core.config.ConfigException;
import io.hapg.core.config.HaConfig;
import io.hapg.core.config.PostgresqlConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the {@code postgresql} section of a Patroni-style YAML ({@link HaConfig}) into a
 * {@link PostgresConfig}: what the standalone agent does with its config file. Embedding code
 * that builds {@link PostgresConfig} directly does not need it.
 */
public final class PostgresConfigs {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresConfigs.class);

    private PostgresConfigs() {
    }

    /**
     * A builder preset from {@code config}; callers may still change it before {@code build()}.
     *
     * @throws ConfigException naming {@code postgresql.data_dir} when it is missing
     */
    public static PostgresConfig.Builder from(HaConfig config) {
        PostgresqlConfig pg = config.postgresql();
        PostgresConfig.Builder builder = PostgresConfig.builder()
                .memberName(config.name())
                .dataDir(pg.dataDir().orElseThrow(() -> new ConfigException("postgresql.data_dir", "required")))
                .listenAddresses(String.join(",", pg.listenHosts()))
                .port(pg.listenPort())
                .superuser(pg.authentication().superuser())
                .replication(pg.authentication().replication())
                .parameters(parameters(pg))
                .pgHba(!pg.pgHba().isEmpty() ? pg.pgHba() : config.bootstrap().pgHba())
                .initdbOptions(config.bootstrap().initdb().stream().map(CliOption::toArgument)
                        .collect(Collectors.toList()))
                .queryTimeout(config.bootstrapDcs().retryTimeout())
                .probeTimeout(probeTimeout(config.bootstrapDcs().loopWait()))
                .startTimeout(pg.pgCtlTimeout())
                .useSlots(config.bootstrapDcs().useSlots())
                .usePgRewind(usePgRewind(config))
                .removeDataDirectoryOnRewindFailure(pg.removeDataDirectoryOnRewindFailure());
        pg.binDir().ifPresent(builder::binDir);
        pg.connectAddress().ifPresent(a -> builder.connectAddress(a.host() + ":" + a.port()));
        pg.authentication().rewind().ifPresent(builder::rewind);
        pg.osUser().ifPresent(builder::osUser);
        return builder;
    }

    /** The dynamic {@code postgresql.use_pg_rewind} wins over the local one, as in Patroni. */
    private static boolean usePgRewind(HaConfig config) {
        Object dynamic = config.bootstrapDcs().raw().get("postgresql");
        if (dynamic instanceof Map && ((Map<?, ?>) dynamic).containsKey("use_pg_rewind")) {
            return config.bootstrapDcs().usePgRewind();
        }
        return config.postgresql().usePgRewind();
    }

    /** A probe must leave the loop time to act: at most half a loop, between 1 and 5 s. */
    private static Duration probeTimeout(Duration loopWait) {
        long millis = Math.max(1000, Math.min(5000, loopWait.toMillis() / 2));
        return Duration.ofMillis(millis);
    }

    /** Settings hapg manages itself (port, listen_addresses, ...) come from their own keys. */
    private static Map<String, String> parameters(PostgresqlConfig pg) {
        Map<String, String> out = new LinkedHashMap<>(pg.parameters());
        List<String> dropped = out.keySet().stream().filter(PostgresConfig.MANAGED_PARAMETERS::contains)
                .collect(Collectors.toList());
        for (String key : dropped) {
            out.remove(key);
            LOG.warn("postgresql.parameters.{} is managed by hapg and ignored (set it through its own key)", key);
        }
        return out;
    }
}
