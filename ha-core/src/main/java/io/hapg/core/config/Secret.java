package io.hapg.core.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A password or other credential. {@link #toString()} never shows the value, so configuration
 * records can be logged; only the code that needs the value calls {@link #reveal()}.
 */
public final class Secret {
    private static final String MASK = "******";

    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    /** The secret value. Do not log it. */
    public String reveal() {
        return value;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    /** Constant-time comparison with a candidate, e.g. a password from an HTTP Basic header. */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(
                value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret && matches(((Secret) o).value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    /** Always {@code ******}, whatever the value. */
    @Override
    public String toString() {
        return MASK;
    }
}
