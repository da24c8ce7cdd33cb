package io.hapg.postgres;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Patroni's custom {@code bootstrap.method}: instead of initdb, a new cluster is made by a command
 * that restores a backup into the empty data directory (pgBackRest, WAL-G, a copy). It runs as
 * PostgreSQL's OS user as {@code command [--scope=<scope> --datadir=<data dir>] [arguments]} (the
 * two unless {@code noParams}; then the section's other options as {@code --key=value}, as Patroni
 * 3.1+ passes them), bounded by
 * {@link PostgresConfig#cloneTimeout()}, and must exit 0 and leave a PostgreSQL data directory.
 * Then hapg writes its configuration and starts the server, in recovery when {@code recoveryConf}
 * is set (those settings and {@code recovery.signal}) or when {@code keepExistingRecoveryConf}
 * keeps the signal files the backup brought; it waits until recovery ends (the settings must
 * promote, e.g. {@code recovery_target_action: promote}), within the clone timeout. Otherwise the
 * backup's signal files are removed and it starts as a primary at once.
 *
 * @param name                     the method's name (the {@code bootstrap} section that holds it)
 * @param command                  the program and its own arguments, already split
 * @param arguments                the section's other options, as {@code --key=value}, passed after
 *                                 {@code --scope}/{@code --datadir} (also with {@code noParams})
 * @param scope                    the cluster name passed as {@code --scope}
 * @param noParams                 {@code no_params}: neither {@code --scope} nor {@code --datadir}
 * @param keepExistingRecoveryConf {@code keep_existing_recovery_conf}: keep the backup's
 *                                 {@code recovery.signal}/{@code standby.signal}
 * @param recoveryConf             {@code recovery_conf}: recovery settings for the first start
 *                                 ({@code restore_command}, {@code recovery_target_*}); empty = none
 */
public record BootstrapMethod(String name, List<String> command, List<String> arguments, String scope,
                              boolean noParams,
                              boolean keepExistingRecoveryConf, Map<String, String> recoveryConf) {

    /**
     * @throws IllegalArgumentException naming the method when the command is empty, a recovery
     *                                  setting is not a valid name or has a line break, or it sets
     *                                  {@code standby_mode} (a bootstrap must end as a primary)
     */
    public BootstrapMethod {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scope, "scope");
        command = List.copyOf(command);
        arguments = List.copyOf(arguments);
        if (command.isEmpty() || command.get(0).isBlank()) {
            throw new IllegalArgumentException("bootstrap method " + name + " has no command");
        }
        Map<String, String> copy = new LinkedHashMap<>();
        recoveryConf.forEach((k, v) -> {
            String key = "bootstrap." + name + ".recovery_conf." + k;
            if (k.toLowerCase(Locale.ROOT).equals("standby_mode")) {
                throw new IllegalArgumentException(key + ": a bootstrap must end as a primary; a standby"
                        + " would wait for its recovery to end forever");
            }
            if (!k.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException(key + ": not a setting name (letters, digits and _ only)");
            }
            if (v == null || v.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException(key + ": expected a value without line breaks, got "
                        + (v == null ? "nothing" : "a line break"));
            }
            copy.put(k, v);
        });
        recoveryConf = Collections.unmodifiableMap(copy);
    }
}
