package io.hapg.core.config;

import java.util.Objects;

/**
 * A user name and password, e.g. {@code restapi.authentication} (HTTP Basic) or the etcd user.
 * {@link #toString()} masks the password.
 */
public record Credentials(String username, Secret password) {
    public Credentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    public static Credentials of(String username, String password) {
        return new Credentials(username, Secret.of(password));
    }
}
