package io.hapg.agent.config;

import io.hapg.core.config.HaConfig;
import java.util.List;
import java.util.Objects;

/**
 * The result of {@link ConfigLoader}: the validated configuration and what was ignored or
 * reinterpreted on the way, ordered by line.
 */
public record LoadedConfig(HaConfig config, List<ConfigWarning> warnings) {
    public LoadedConfig {
        Objects.requireNonNull(config, "config");
        warnings = List.copyOf(warnings);
    }

    /** The warning messages, e.g. {@code unknown key 'replication.max_retries' (line 42) ignored}. */
    public List<String> warningMessages() {
        return warnings.stream().map(ConfigWarning::message).toList();
    }
}
