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
import java.util.Map;
import java.util.Optional;
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
 *       YAML 1.1 booleans in {@code postgresql.parameters} become {@code on}/{@code off}.</li>
 *   <li>Patroni keys hapg does not implement as documented are refused ({@link KeyRules},
 *       {@link io.hapg.core.model.DynamicKeys}): a {@link ConfigException} naming the key, the line
 *       and the reason; or, where ignoring them is harmless, warned about.</li>
 *   <li>Patroni's {@code PATRONI_*} environment overrides apply when an environment is given
 *       ({@link EnvOverrides}; the environment wins over the file, as in Patroni). The standalone
 *       agent passes the process environment; the methods without one apply none.</li>
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
        return load(file, Map.of());
    }

    /**
     * Loads a UTF-8 YAML file with Patroni's {@code PATRONI_*} overrides from {@code environment}
     * (e.g. {@code System.getenv()}).
     *
     * @throws ConfigException when the file cannot be read or the configuration is invalid
     */
    public static LoadedConfig load(Path file, Map<String, String> environment) {
        return validate(file, environment).loaded(file.toString());
    }

    /**
     * Checks a YAML file as {@code patroni --validate-config} does, starting nothing: every refused
     * key and the first other error, and the warnings.
     */
    public static Validation validate(Path file, Map<String, String> environment) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return validate(reader, environment);
        } catch (IOException e) {
            return Validation.failed(new ConfigException("", "cannot read " + file + ": " + e, 0, e), List.of());
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
        return parse(yaml, Map.of());
    }

    /**
     * Loads YAML text with Patroni's {@code PATRONI_*} overrides from {@code environment}.
     *
     * @throws ConfigException when the configuration is malformed or invalid
     */
    public static LoadedConfig parse(String yaml, Map<String, String> environment) {
        return load(new StringReader(yaml), "configuration", environment);
    }

    private static LoadedConfig load(Reader reader, String source) {
        return load(reader, source, Map.of());
    }

    private static LoadedConfig load(Reader reader, String source, Map<String, String> environment) {
        return validate(reader, environment).loaded(source);
    }

    /**
     * Checks YAML from a reader (not closed), as {@link #validate(Path, Map)} does.
     */
    public static Validation validate(Reader reader, Map<String, String> environment) {
        List<ConfigWarning> warnings = new ArrayList<>();
        YamlTree.Document doc;
        EnvOverrides.Applied env;
        try {
            doc = YamlTree.parse(reader);
            env = EnvOverrides.apply(doc.root(), environment);
        } catch (ConfigException e) {
            return Validation.failed(e, warnings);
        }
        warnings.addAll(env.warnings());
        List<ConfigException> errors = new ArrayList<>();
        NodeConfig config = null;
        try {
            config = new YamlBinder(warnings, errors).bind(env.root());
        } catch (ConfigException e) {
            errors.add(e);
        }
        List<ConfigException> located = new ArrayList<>();
        for (ConfigException e : errors) {
            located.add(locate(e, doc, env.sources()));
        }
        warnings.sort(Comparator.comparingInt(ConfigWarning::line));
        located.sort(Comparator.comparingInt(e -> e.line().orElse(Integer.MAX_VALUE)));
        // Kept when only refusals were found: hactl, which runs no node, may still use it.
        return new Validation(Optional.ofNullable(config), warnings, located);
    }

    /**
     * The error with its line in the file, or, for a value an environment variable set, naming
     * that variable instead (its line in the file would point at a value that was replaced).
     */
    private static ConfigException locate(ConfigException e, YamlTree.Document doc, Map<String, String> sources) {
        String path = e.keyPath();
        for (String p = path; !p.isEmpty(); p = p.contains(".") ? p.substring(0, p.lastIndexOf('.')) : "") {
            String variable = sources.get(p);
            if (variable != null) {
                String detail = e.getMessage().startsWith(path + ": ")
                        ? e.getMessage().substring(path.length() + 2) : e.getMessage();
                return new ConfigException(path, detail + " (from " + variable + ")", 0, e.getCause());
            }
        }
        return e.atLine(doc.lineOf(path));
    }

    /**
     * What {@link #validate} found.
     *
     * @param config   the configuration, when it could be bound: no error, or only keys refused (a
     *                 node must not run with it then; {@code hactl}, which runs none, may)
     * @param warnings what would be ignored or reinterpreted, by line
     * @param errors   the refused keys and the first other error, each naming its key and line
     */
    public record Validation(Optional<NodeConfig> config, List<ConfigWarning> warnings,
                             List<ConfigException> errors) {
        public Validation {
            warnings = List.copyOf(warnings);
            errors = List.copyOf(errors);
        }

        static Validation failed(ConfigException e, List<ConfigWarning> warnings) {
            return new Validation(Optional.empty(), warnings, List.of(e));
        }

        /** Whether the configuration loads (warnings allowed). */
        public boolean valid() {
            return errors.isEmpty();
        }

        /**
         * The configuration, its warnings logged at WARN, each prefixed with {@code source}, as
         * {@link ConfigLoader#load(Path, Map)} returns it.
         *
         * @throws ConfigException the first error, the others attached as suppressed
         */
        public LoadedConfig loaded(String source) {
            throwFirstError();
            for (ConfigWarning w : warnings) {
                LOG.warn("{}: {}", source, w.message());
            }
            return new LoadedConfig(config.orElseThrow(), warnings);
        }

        /** @throws ConfigException the first error, the others attached as suppressed */
        void throwFirstError() {
            if (!errors.isEmpty()) {
                ConfigException first = errors.get(0);
                for (ConfigException other : errors.subList(1, errors.size())) {
                    first.addSuppressed(other);
                }
                throw first;
            }
        }
    }
}
