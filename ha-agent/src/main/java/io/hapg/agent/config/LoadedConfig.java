package io.hapg.agent.config;

import java.util.List;
import java.util.Objects;

/**
 * The result of {@link ConfigLoader}: the validated configuration and what was ignored or
 * reinterpreted on the way, ordered by line.
 *
 * @param config   the node's configuration: {@link NodeConfig#ha()} for ha-core, the sections for
 *                 the adapters
 * @param warnings what was ignored or reinterpreted, ordered by line
 */
public record LoadedConfig(NodeConfig config, List<ConfigWarning> warnings) {
    public LoadedConfig {
        Objects.requireNonNull(config, "config");
        warnings = List.copyOf(warnings);
    }

    /** The warning messages, e.g. {@code unknown key 'replication.max_retries' (line 42) ignored}. */
    public List<String> warningMessages() {
        return warnings.stream().map(ConfigWarning::message).toList();
    }
}
