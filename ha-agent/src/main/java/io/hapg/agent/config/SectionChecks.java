package io.hapg.agent.config;

import io.hapg.core.config.ConfigException;
import io.hapg.core.config.HostPort;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Validation helpers of the agent's section records; every failure names the dotted key path. */
final class SectionChecks {
    private SectionChecks() {
    }

    /** An unmodifiable copy; a null list or item is rejected naming {@code path}. */
    static <T> List<T> list(List<T> value, String path) {
        Objects.requireNonNull(value, path);
        value.forEach(item -> Objects.requireNonNull(item, path));
        return List.copyOf(value);
    }

    /** An unmodifiable copy keeping insertion order; null keys or values are rejected. */
    static <V> Map<String, V> map(Map<String, V> value, String path) {
        Map<String, V> copy = new LinkedHashMap<>(Objects.requireNonNull(value, path));
        if (copy.containsKey(null) || copy.containsValue(null)) {
            throw new ConfigException(path, "null keys and values are not allowed");
        }
        return Collections.unmodifiableMap(copy);
    }

    /** {@code host:port}, or {@code host} with {@code defaultPort} (0: the port is required). */
    static HostPort hostPort(String text, String path, int defaultPort) {
        try {
            return HostPort.parse(text, defaultPort);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path, e.getMessage());
        }
    }

    static Duration nonNegative(Duration value, String path) {
        Objects.requireNonNull(value, path);
        if (value.isNegative()) {
            String seconds = BigDecimal.valueOf(value.toMillis(), 3).stripTrailingZeros().toPlainString();
            throw new ConfigException(path, "must not be negative, got " + seconds + " s");
        }
        return value;
    }
}
