package io.hapg.agent.config;

import io.hapg.core.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a {@link NodeConfig} from Patroni-style YAML ({@code patroni.yml}).
 *
 * <ul>
 *   <li>Unknown keys are ignored with a warning naming the key path and line
 *       ({@code unknown key 'replication.max_retries' (line 42) ignored}); Patroni settings hapg
 *       does not implement get an {@code unsupported key ...} warning. Warnings are returned in
 *       the {@link LoadedConfig} and logged at WARN.</li>
 *   <li>A wrong type, an out-of-range value, a missing required key or malformed YAML is a
 *       {@link ConfigException} naming the key path and, when known, the line. No message
 *       contains a secret.</li>
 *   <li>Patroni compatibility: a top-level {@code callbacks} is used as
 *       {@code postgresql.callbacks} (with a warning); {@code etcd} is read as {@code etcd3};
 *       YAML 1.1 booleans in {@code postgresql.parameters} become {@code on}/{@code off}.
 *       Environment overrides ({@code PATRONI_NAME}...) are not applied.</li>
 * </ul>
 *
 * <p>Thread-safe and stateless.
 */
public final class ConfigLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

    private ConfigLoader() {
    }

    /**
     * Loads a UTF-8 YAML file.
     *
     * @throws ConfigException when the file cannot be read or the configuration is invalid
     */
    public static LoadedConfig load(Path file) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return load(reader, file.toString());
        } catch (IOException e) {
            throw new ConfigException("", "cannot read " + file + ": " + e, 0, e);
        }
    }

    /**
     * Loads YAML from a reader (not closed).
     *
     * @throws ConfigException when the configuration is malformed or invalid
     */
    public static LoadedConfig load(Reader reader) {
        return load(reader, "configuration");
    }

    /**
     * Loads YAML text.
     *
     * @throws ConfigException when the configuration is malformed or invalid
     */
    public static LoadedConfig parse(String yaml) {
        return load(new StringReader(yaml), "configuration");
    }

    private static LoadedConfig load(Reader reader, String source) {
        YamlTree.Document doc = YamlTree.parse(reader);
        List<ConfigWarning> warnings = new ArrayList<>();
        NodeConfig config;
        try {
            config = new YamlBinder(warnings).bind(doc.root());
        } catch (ConfigException e) {
            throw e.atLine(doc.lineOf(e.keyPath()));
        }
        warnings.sort(Comparator.comparingInt(ConfigWarning::line));
        for (ConfigWarning w : warnings) {
            LOG.warn("{}: {}", source, w.message());
        }
        return new LoadedConfig(config, warnings);
    }
}
