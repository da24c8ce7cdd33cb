package io.hapg.agent.config;

import java.util.Objects;

/**
 * Something in a YAML configuration that was ignored or reinterpreted, e.g.
 * {@code unknown key 'replication.max_retries' (line 42) ignored}.
 *
 * @param keyPath dotted path of the key concerned
 * @param line    1-based YAML line of the key, 0 when unknown
 * @param message the full human-readable warning (already names the key and line)
 */
public record ConfigWarning(String keyPath, int line, String message) {
    public ConfigWarning {
        Objects.requireNonNull(keyPath, "keyPath");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return message;
    }
}
