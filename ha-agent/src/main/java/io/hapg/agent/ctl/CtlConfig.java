package io.hapg.agent.ctl;

import io.hapg.agent.config.ConfigLoader;
import io.hapg.agent.config.EtcdSection;
import io.hapg.agent.config.NodeConfig;
import io.hapg.core.config.ConfigException;
import io.hapg.core.config.Credentials;
import io.hapg.core.config.HaConfig;
import io.hapg.core.http.ClientTls;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * What hactl takes from a Patroni-style YAML file: {@code scope}, {@code namespace} and the
 * {@code etcd3} section (to read the cluster), and how to call the REST APIs: the {@code ctl}
 * section with Patroni's fallbacks to {@code restapi} (credentials, trusted CAs, a client
 * certificate, {@code ctl.insecure}; see {@link io.hapg.core.config.CtlConfig}). An agent's own
 * config file works as is; a hactl-only file may omit {@code name} and {@code postgresql}.
 *
 * @param cluster the parsed configuration (scope, namespace, ctl, restapi, bootstrap timings)
 * @param etcd    its {@code etcd3} section
 */
record CtlConfig(HaConfig cluster, EtcdSection etcd) {

    /** HTTP Basic credentials for the unsafe API calls: {@code ctl.authentication}, else {@code restapi.authentication}. */
    Optional<Credentials> credentials() {
        return ClientTls.credentials(cluster);
    }

    /**
     * The TLS context for {@code https} API URLs; empty for the JDK's defaults.
     *
     * @throws CtlException (usage) naming the key whose file is unusable
     */
    Optional<SSLContext> tls() {
        try {
            return ClientTls.context(cluster);
        } catch (ConfigException e) {
            throw CtlException.usage(e.getMessage());
        }
    }

    /** The member name hactl reads etcd as when the file has none. */
    static final String READER_NAME = "hactl";

    /**
     * @throws CtlException (usage) when the file is missing or invalid, or has no etcd section
     */
    static CtlConfig load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw CtlException.usage("config " + file + ": no such file");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CtlException.usage("config " + file + ": cannot read: " + e.getMessage());
        }
        NodeConfig node = parse(file, text);
        if (node.etcd().isEmpty()) {
            throw CtlException.usage("config " + file + ": etcd3: required: hactl reads the cluster from etcd");
        }
        return new CtlConfig(node.ha(), node.etcd().get());
    }

    /**
     * The node's file as hactl needs it. Keys a node refuses (a {@code standby_cluster}, a
     * {@code pg_hosts}, a {@code custom_conf} that is not on this machine) do not stop hactl, which runs no node and reads only the cluster's
     * coordinates and credentials, as patronictl reads a Patroni file.
     */
    private static NodeConfig parse(Path file, String text) {
        ConfigLoader.Validation v = ConfigLoader.validate(new StringReader(text), Map.of());
        if (v.config().isEmpty() && v.errors().stream().anyMatch(e -> e.keyPath().equals("name"))) {
            // A file for hactl alone need not name a member.
            v = ConfigLoader.validate(new StringReader(text + "\nname: " + READER_NAME + "\n"), Map.of());
        }
        if (v.config().isPresent()) {
            return v.config().get();
        }
        throw CtlException.usage("config " + file + ": " + v.errors().get(0).getMessage());
    }
}
