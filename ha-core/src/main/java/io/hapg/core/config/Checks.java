package io.hapg.core.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Validation helpers shared by the config records, here and in the modules that build their own
 * (ha-agent's YAML sections); every failure is a {@link ConfigException} naming the dotted key path.
 */
public final class Checks {
    private Checks() {
    }

    /** {@code value}, unless it is null or a blank string. */
    public static <T> T required(T value, String path) {
        if (value == null || value instanceof String && ((String) value).isBlank()) {
            throw new ConfigException(path, "required");
        }
        return value;
    }

    /** {@code value}, unless it is below {@code min}. */
    public static long atLeast(long value, long min, String path) {
        if (value < min) {
            throw new ConfigException(path, "must be at least " + min + ", got " + value);
        }
        return value;
    }

    /** {@code value}, unless it is outside {@code [min, max]}. */
    public static long between(long value, long min, long max, String path) {
        if (value < min || value > max) {
            throw new ConfigException(path, "must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** Parses {@code host:port}; see {@link HostPort#parse(String, int, boolean)}. */
    public static HostPort hostPort(String text, String path, int defaultPort, boolean emptyHost) {
        try {
            return HostPort.parse(text, defaultPort, emptyHost);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path, e.getMessage());
        }
    }

    /** An unmodifiable copy; a null list or item is rejected naming {@code path}. */
    public static <T> List<T> list(List<T> value, String path) {
        Objects.requireNonNull(value, path);
        for (T item : value) {
            Objects.requireNonNull(item, path);
        }
        return List.copyOf(value);
    }

    /** An unmodifiable copy keeping insertion order; null keys or values are rejected. */
    public static <V> Map<String, V> map(Map<String, V> value, String path) {
        Objects.requireNonNull(value, path);
        Map<String, V> copy = new LinkedHashMap<>();
        value.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new ConfigException(path, "null keys and values are not allowed");
            }
            copy.put(k, v);
        });
        return Collections.unmodifiableMap(copy);
    }

    /** {@code value}, unless it is negative. */
    public static Duration nonNegative(Duration value, String path) {
        Objects.requireNonNull(value, path);
        if (value.isNegative()) {
            throw new ConfigException(path, "must not be negative, got " + seconds(value) + " s");
        }
        return value;
    }

    /** Seconds as text: {@code 10} or {@code 1.5}. */
    public static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString();
    }
}
