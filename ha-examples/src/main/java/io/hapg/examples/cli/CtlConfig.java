package io.hapg.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.hapg.core.config.ConfigException;
import io.hapg.core.config.ConfigLoader;
import io.hapg.core.config.Credentials;
import io.hapg.core.config.HaConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What hactl takes from a Patroni-style YAML file: {@code scope}, {@code namespace} and the
 * {@code etcd3} section (to read the cluster), and the REST API credentials: {@code ctl.authentication}
 * if present (patronictl's section), else {@code restapi.authentication}. For HTTPS APIs,
 * {@code ctl.cacert} (else {@code restapi.cafile}) is trusted, and {@code ctl.insecure: true} skips
 * certificate checks. An agent's own config file works as is; a hactl-only file may omit
 * {@code name} and {@code postgresql}.
 *
 * @param cluster     the parsed configuration (scope, namespace, etcd3, bootstrap timings)
 * @param credentials HTTP Basic credentials for the unsafe API calls
 * @param cacert      a PEM bundle to trust for {@code https} API URLs
 * @param insecure    {@code ctl.insecure}: do not verify the API's certificate
 */
record CtlConfig(HaConfig cluster, Optional<Credentials> credentials, Optional<Path> cacert, boolean insecure) {

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
        HaConfig cluster = parse(file, text);
        if (cluster.etcd().isEmpty()) {
            throw CtlException.usage("config " + file + ": etcd3: required: hactl reads the cluster from etcd");
        }
        JsonNode ctl = ctlSection(file, text);
        Optional<Credentials> credentials = credentials(ctl.path("authentication"))
                .or(() -> cluster.restApi().authentication());
        Optional<Path> cacert = text(ctl.path("cacert")).map(Path::of).or(() -> cluster.restApi().cafile());
        return new CtlConfig(cluster, credentials, cacert, ctl.path("insecure").asBoolean(false));
    }

    private static HaConfig parse(Path file, String text) {
        try {
            return ConfigLoader.parse(text).config();
        } catch (ConfigException e) {
            if (e.keyPath().equals("name")) {
                try {
                    return ConfigLoader.parse(text + "\nname: " + READER_NAME + "\n").config();
                } catch (ConfigException again) {
                    throw CtlException.usage("config " + file + ": " + again.getMessage());
                }
            }
            throw CtlException.usage("config " + file + ": " + e.getMessage());
        }
    }

    private static JsonNode ctlSection(Path file, String text) {
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(text);
            return root == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : root.path("ctl");
        } catch (IOException e) {
            throw CtlException.usage("config " + file + ": " + e.getMessage());
        }
    }

    private static Optional<Credentials> credentials(JsonNode auth) {
        Optional<String> user = text(auth.path("username"));
        Optional<String> password = text(auth.path("password"));
        return user.isPresent() && password.isPresent()
                ? Optional.of(Credentials.of(user.get(), password.get())) : Optional.empty();
    }

    private static Optional<String> text(JsonNode node) {
        return node.isValueNode() && !node.isNull() ? Optional.of(node.asText()) : Optional.empty();
    }
}
