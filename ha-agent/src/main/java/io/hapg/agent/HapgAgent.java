package io.hapg.agent;

import io.hapg.agent.config.AdapterConfigs;
import io.hapg.agent.config.ConfigLoader;
import io.hapg.agent.config.NodeConfig;
import io.hapg.core.HaAgent;
import io.hapg.core.callbacks.LoggingListener;
import io.hapg.core.config.ConfigException;
import io.hapg.core.config.HaConfig;
import io.hapg.core.http.HttpApi;
import io.hapg.core.spi.RoleChangeListener;
import io.hapg.etcd.EtcdConsensus;
import io.hapg.postgres.PostgresNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one wiring from a Patroni-style configuration to a node: etcd ({@code etcd3}), the local
 * PostgreSQL ({@code postgresql}) and the REST API ({@code restapi}) in an {@link HaAgent}. The
 * standalone agent uses it, and so can an application that runs its node in its own JVM:
 *
 * <pre>{@code
 * try (HaAgent node = HapgAgent.fromYaml(Path.of("/etc/hapg/node1.yml"))) {
 *     node.start();
 *     ...                       // the node follows the cluster until close()
 * }
 * }</pre>
 *
 * Nothing runs until {@link HaAgent#start()}; {@link HaAgent#close()} stops the loop, the REST
 * API and, on the primary, PostgreSQL (handing the leader key to a replica), and closes the etcd
 * client.
 */
public final class HapgAgent {
    /** The system property choosing the REST API's server; see {@link #httpTransport(String)}. */
    static final String HTTP_TRANSPORT = "hapg.http.transport";

    private HapgAgent() {
    }

    /**
     * Reads a Patroni-style YAML file (unknown keys are logged as warnings) and builds its node.
     *
     * @throws NoSuchFileException when {@code file} is not a regular file
     * @throws IOException         when it cannot be read
     * @throws ConfigException     naming the key and line of a missing or bad value
     */
    public static HaAgent fromYaml(Path file) throws IOException {
        return fromYaml(file, Map.of());
    }

    /**
     * Like {@link #fromYaml(Path)}, with Patroni's {@code PATRONI_*} overrides taken from
     * {@code environment} (the standalone agent passes {@code System.getenv()}); a variable wins
     * over the file, as in Patroni.
     *
     * @throws NoSuchFileException when {@code file} is not a regular file
     * @throws IOException         when it cannot be read
     * @throws ConfigException     naming the key and line (or variable) of a missing or bad value
     */
    public static HaAgent fromYaml(Path file, Map<String, String> environment) throws IOException {
        return fromYaml(file, environment, new RoleChangeListener[0]);
    }

    /**
     * Like {@link #fromYaml(Path, Map)}, with the application's own listeners told of every role
     * and leader change, in order, beside the log line and the YAML's {@code callbacks} scripts.
     * They run on the agent's listener threads, never on the HA loop: a listener that throws is
     * logged, one that hangs is interrupted after its timeout, and no decision waits for either.
     *
     * @throws NoSuchFileException when {@code file} is not a regular file
     * @throws IOException         when it cannot be read
     * @throws ConfigException     naming the key and line (or variable) of a missing or bad value
     */
    public static HaAgent fromYaml(Path file, Map<String, String> environment, RoleChangeListener... listeners)
            throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString());
        }
        return fromConfig(ConfigLoader.load(file, environment).config(), listeners);
    }

    /**
     * What {@link #fromConfig} would refuse in {@code node}, without building anything (no etcd
     * client, no PostgreSQL directory touched): for {@code agent --validate-config}.
     *
     * @return the problems, each naming its key; empty when the node can be built
     */
    static List<String> check(NodeConfig node) {
        List<String> problems = new ArrayList<>();
        if (node.etcd().isEmpty()) {
            problems.add(new ConfigException("etcd3", "required: hapg keeps the cluster state in etcd").getMessage());
        } else {
            HaConfig config = node.ha();
            try {
                AdapterConfigs.etcd(node.etcd().get()).namespace(config.namespace()).scope(config.scope())
                        .member(config.name()).ttl(config.bootstrapDcs().ttl())
                        .retryTimeout(config.bootstrapDcs().retryTimeout()).build();
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        try {
            AdapterConfigs.postgres(node).build();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }

    /**
     * Builds the node of a configuration made with {@link NodeConfig#builder(HaConfig)}; it must
     * name etcd.
     *
     * @throws ConfigException when {@code etcd3} is missing or a PostgreSQL setting is unusable
     */
    public static HaAgent fromConfig(NodeConfig node) {
        return fromConfig(node, new RoleChangeListener[0]);
    }

    /**
     * Like {@link #fromConfig(NodeConfig)}, with the application's own listeners (see
     * {@link #fromYaml(Path, Map, RoleChangeListener...)}).
     *
     * @throws ConfigException when {@code etcd3} is missing or a PostgreSQL setting is unusable
     */
    public static HaAgent fromConfig(NodeConfig node, RoleChangeListener... listeners) {
        if (node.etcd().isEmpty()) {
            throw new ConfigException("etcd3", "required: hapg keeps the cluster state in etcd");
        }
        HaConfig config = node.ha();
        EtcdConsensus consensus = new EtcdConsensus(AdapterConfigs.etcd(node.etcd().get())
                .namespace(config.namespace())
                .scope(config.scope())
                .member(config.name())
                .ttl(config.bootstrapDcs().ttl())
                .retryTimeout(config.bootstrapDcs().retryTimeout())
                .build());
        PostgresNode database;
        try {
            database = PostgresNode.create(AdapterConfigs.postgres(node).build());
        } catch (RuntimeException e) {
            consensus.close();
            throw e;
        }
        HaAgent.Builder builder = HaAgent.builder(config, consensus, database)
                .restApi(HttpApi.builder(config).transport(httpTransport(System.getProperty(HTTP_TRANSPORT))))
                .listener(new LoggingListener());
        for (RoleChangeListener listener : listeners) {
            builder.listener(listener);
        }
        return builder.build();
    }

    /**
     * {@code -Dhapg.http.transport=auto|netty|jdk}: the REST API's server. Netty (the default, on
     * the agent's class path through jetcd) or the JDK's built-in one, for comparison or should
     * Netty misbehave.
     *
     * @throws IllegalArgumentException naming the property and its values for anything else
     */
    static HttpApi.Transport httpTransport(String value) {
        if (value == null || value.isBlank()) {
            return HttpApi.Transport.AUTO;
        }
        try {
            return HttpApi.Transport.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-D" + HTTP_TRANSPORT + "=" + value
                    + ": expected auto, netty or jdk", e);
        }
    }
}
