package io.hapg.agent.config;

import java.util.Objects;
import java.util.Optional;

/**
 * One command-line option of {@code initdb}, {@code pg_basebackup} or {@code pg_rewind}, as
 * Patroni lists them: a bare switch ({@code - data-checksums}) or a one-key mapping
 * ({@code - encoding: UTF8}).
 */
public record CliOption(String name, Optional<String> value) {
    public CliOption {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isBlank()) {
            throw new IllegalArgumentException("option name must not be blank");
        }
    }

    /** A bare switch, {@code --name}. */
    public static CliOption flag(String name) {
        return new CliOption(name, Optional.empty());
    }

    /** An option with a value, {@code --name=value}. */
    public static CliOption of(String name, String value) {
        return new CliOption(name, Optional.of(value));
    }

    /** {@code --name} or {@code --name=value}. */
    public String toArgument() {
        return "--" + name + value.map(v -> "=" + v).orElse("");
    }
}
