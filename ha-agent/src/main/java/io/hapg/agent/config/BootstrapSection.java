package io.hapg.agent.config;

import io.hapg.core.callbacks.CommandLine;
import io.hapg.core.config.Checks;
import io.hapg.core.config.ConfigException;
import io.hapg.core.config.Secret;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code bootstrap} but its {@code dcs}: what is used once, when this member creates a new
 * cluster. {@code bootstrap.dcs} is {@link io.hapg.core.config.HaConfig#bootstrapDcs()}.
 *
 * @param initdb        extra {@code initdb} options ({@code - encoding: UTF8}, {@code - data-checksums})
 * @param method        {@code method} and the section it names: a custom bootstrap method instead
 *                      of initdb; empty for initdb
 * @param postBootstrap {@code post_bootstrap} (alias {@code post_init}): script run after creation
 * @param pgHba         legacy {@code bootstrap.pg_hba} lines
 * @param users         legacy {@code bootstrap.users}: roles created after initdb
 */
public record BootstrapSection(
        List<CliOption> initdb,
        Optional<CustomMethod> method,
        Optional<String> postBootstrap,
        List<String> pgHba,
        Map<String, User> users) {

    /** No {@code bootstrap} settings: plain initdb. */
    public static final BootstrapSection DEFAULTS = new BootstrapSection(List.of(), Optional.empty(),
            Optional.empty(), List.of(), Map.of());

    /**
     * Patroni's custom bootstrap method: {@code bootstrap.method: NAME} and the {@code NAME}
     * section.
     *
     * @param name                     the method's name
     * @param command                  {@code command}, split into words as Patroni splits it
     * @param arguments                the section's other options as {@code --key=value}
     * @param noParams                 {@code no_params}: no {@code --scope}/{@code --datadir} arguments
     * @param keepExistingRecoveryConf {@code keep_existing_recovery_conf}
     * @param recoveryConf             {@code recovery_conf}: recovery settings for the first start
     */
    public record CustomMethod(String name, List<String> command, List<String> arguments, boolean noParams,
                               boolean keepExistingRecoveryConf, Map<String, String> recoveryConf) {
        public CustomMethod {
            Objects.requireNonNull(name, "name");
            command = List.copyOf(command);
            arguments = List.copyOf(arguments);
            recoveryConf = Checks.map(recoveryConf, "bootstrap." + name + ".recovery_conf");
            if (name.isBlank()) {
                throw new ConfigException("bootstrap.method", "must not be blank");
            }
            if (command.isEmpty()) {
                throw new ConfigException("bootstrap." + name + ".command", "must not be empty");
            }
        }
    }

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

    public BootstrapSection {
        initdb = Checks.list(initdb, "bootstrap.initdb");
        Objects.requireNonNull(method, "bootstrap.method");
        Objects.requireNonNull(postBootstrap, "bootstrap.post_bootstrap");
        pgHba = Checks.list(pgHba, "bootstrap.pg_hba");
        users = Checks.map(users, "bootstrap.users");
        postBootstrap.ifPresent(BootstrapSection::postBootstrapCommand);
    }

    /**
     * The {@code post_bootstrap} command split into words as Patroni splits it ({@code shlex}).
     *
     * @throws ConfigException naming {@code bootstrap.post_bootstrap} when it is empty or a quote is not closed
     */
    public static List<String> postBootstrapCommand(String script) {
        try {
            return CommandLine.split(script);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("bootstrap.post_bootstrap", e.getMessage());
        }
    }

    /** A copy with these {@code initdb} options. */
    public BootstrapSection withInitdb(List<CliOption> v) {
        return new BootstrapSection(v, method, postBootstrap, pgHba, users);
    }

    /** A copy with a custom bootstrap method. */
    public BootstrapSection withMethod(CustomMethod m) {
        return new BootstrapSection(initdb, Optional.of(m), postBootstrap, pgHba, users);
    }

    /** A copy with this {@code post_bootstrap} script. */
    public BootstrapSection withPostBootstrap(String script) {
        return new BootstrapSection(initdb, method, Optional.of(script), pgHba, users);
    }

    /** A copy with these legacy {@code pg_hba} lines. */
    public BootstrapSection withPgHba(List<String> v) {
        return new BootstrapSection(initdb, method, postBootstrap, v, users);
    }

    /** A copy with these legacy {@code users}. */
    public BootstrapSection withUsers(Map<String, User> v) {
        return new BootstrapSection(initdb, method, postBootstrap, pgHba, v);
    }
}
