package io.hapg.core.config;

import io.hapg.core.model.DynamicConfig;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code bootstrap}: what is used once, when this member creates a new cluster.
 *
 * @param dcs           {@code bootstrap.dcs}: the dynamic configuration written to the store
 *                      (and what applies while the store has none)
 * @param initdb        extra {@code initdb} options ({@code - encoding: UTF8}, {@code - data-checksums})
 * @param method        {@code method}: a custom bootstrap method instead of initdb
 * @param methodOptions the section named by {@code method} ({@code command}, ...), as read
 * @param postBootstrap {@code post_bootstrap} (alias {@code post_init}): script run after creation
 * @param pgHba         legacy {@code bootstrap.pg_hba} lines
 * @param users         legacy {@code bootstrap.users}: roles created after initdb
 */
public record BootstrapConfig(
        DynamicConfig dcs,
        List<CliOption> initdb,
        Optional<String> method,
        Map<String, Object> methodOptions,
        Optional<String> postBootstrap,
        List<String> pgHba,
        Map<String, User> users) {

    public static final BootstrapConfig DEFAULTS = new BootstrapConfig(DynamicConfig.DEFAULTS, List.of(),
            Optional.empty(), Map.of(), Optional.empty(), List.of(), Map.of());

    /**
     * A role of the legacy {@code bootstrap.users} section.
     *
     * @param password its password
     * @param options  {@code CREATE ROLE} options such as {@code createdb}
     */
    public record User(Secret password, List<String> options) {
        public User {
            Objects.requireNonNull(password, "password");
            options = List.copyOf(options);
        }
    }

    public BootstrapConfig {
        Objects.requireNonNull(dcs, "bootstrap.dcs");
        initdb = Checks.list(initdb, "bootstrap.initdb");
        Objects.requireNonNull(method, "bootstrap.method");
        methodOptions = Checks.map(methodOptions, "bootstrap.method");
        Objects.requireNonNull(postBootstrap, "bootstrap.post_bootstrap");
        pgHba = Checks.list(pgHba, "bootstrap.pg_hba");
        users = Checks.map(users, "bootstrap.users");
        if (method.isPresent() && method.get().isBlank()) {
            throw new ConfigException("bootstrap.method", "must not be blank");
        }
    }

    public BootstrapConfig withDcs(DynamicConfig v) {
        return new BootstrapConfig(v, initdb, method, methodOptions, postBootstrap, pgHba, users);
    }

    public BootstrapConfig withInitdb(List<CliOption> v) {
        return new BootstrapConfig(dcs, v, method, methodOptions, postBootstrap, pgHba, users);
    }

    /** A copy with a custom method and its settings. */
    public BootstrapConfig withMethod(String name, Map<String, Object> options) {
        return new BootstrapConfig(dcs, initdb, Optional.of(name), options, postBootstrap, pgHba, users);
    }

    public BootstrapConfig withPostBootstrap(String script) {
        return new BootstrapConfig(dcs, initdb, method, methodOptions, Optional.of(script), pgHba, users);
    }

    public BootstrapConfig withPgHba(List<String> v) {
        return new BootstrapConfig(dcs, initdb, method, methodOptions, postBootstrap, v, users);
    }

    public BootstrapConfig withUsers(Map<String, User> v) {
        return new BootstrapConfig(dcs, initdb, method, methodOptions, postBootstrap, pgHba, v);
    }
}
