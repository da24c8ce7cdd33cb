package io.hapg.agent.config;

import io.hapg.core.config.Callbacks;
import io.hapg.core.config.HaConfig;
import io.hapg.core.config.PgUser;
import io.hapg.core.config.Secret;
import io.hapg.core.model.DynamicConfig;
import io.hapg.postgres.PostgresConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps the {@code postgresql} section (and Patroni's option lists) onto {@link PostgresqlSection},
 * and the keys ha-core reads from it ({@code callbacks}, {@code pre_promote}) onto
 * {@link HaConfig}.
 */
final class PostgresqlBinder {
    private PostgresqlBinder() {
    }

    static Callbacks callbacks(Section s) {
        Callbacks c = new Callbacks(s.string("on_start"), s.string("on_stop"), s.string("on_restart"),
                s.string("on_reload"), s.string("on_role_change"));
        s.finish();
        return c;
    }

    static PostgresqlSection postgresql(Section s, HaConfig.Builder ha, Callbacks topCallbacks) {
        PostgresqlSection.Builder p = PostgresqlSection.builder();
        s.string("listen").ifPresent(p::listen);
        s.string("connect_address").ifPresent(p::connectAddress);
        s.string("proxy_address").ifPresent(p::proxyAddress);
        Optional<Path> dataDir = s.file("data_dir");
        dataDir.ifPresent(p::dataDir);
        Optional<Path> configDir = s.take("config_dir").flatMap(n -> configDir(s, n, dataDir));
        configDir.ifPresent(p::configDir);
        s.take("custom_conf").flatMap(n -> customConf(s, n, configDir.or(() -> dataDir))).ifPresent(p::customConf);
        s.file("bin_dir").ifPresent(p::binDir);
        p.binName(s.stringMap("bin_name"));
        s.file("pgpass").ifPresent(p::pgpass);
        s.string("os_user").ifPresent(p::osUser);
        s.section("parameters").ifPresent(ps -> p.parameters(parameters(ps)));
        p.pgHba(s.strings("pg_hba"));
        s.take("pg_ident").ifPresent(n -> p.pgIdent(pgIdent(n)));
        s.take("recovery_conf").ifPresent(n -> p.recoveryConf(recoveryConf(s, n)));
        s.section("authentication").ifPresent(a -> p.authentication(pgAuthentication(a)));
        Callbacks own = s.section("callbacks").map(PostgresqlBinder::callbacks).orElse(Callbacks.NONE);
        ha.callbacks(own.orElse(topCallbacks));
        s.string("pre_promote").ifPresent(ha::prePromote);
        s.string("before_stop").ifPresent(p::beforeStop);
        s.bool("use_pg_rewind").ifPresent(p::usePgRewind);
        s.bool("use_unix_socket").ifPresent(p::useUnixSocket);
        s.bool("use_unix_socket_repl").ifPresent(p::useUnixSocketRepl);
        s.bool("remove_data_directory_on_rewind_failure").ifPresent(p::removeDataDirectoryOnRewindFailure);
        s.bool("remove_data_directory_on_diverged_timelines").ifPresent(p::removeDataDirectoryOnDivergedTimelines);
        if (s.has("create_replica_methods")) {
            List<String> methods = s.strings("create_replica_methods");
            p.createReplicaMethods(methods);
            Map<String, Map<String, Object>> options = new LinkedHashMap<>();
            for (String method : methods) {
                if (!method.equals("basebackup")) {
                    s.section(method).ifPresent(m -> options.put(method, m.toJavaMap(true)));
                }
            }
            p.replicaMethodOptions(options);
        }
        s.take("basebackup").ifPresent(n -> p.basebackup(cliOptions(n)));
        s.take("rewind").ifPresent(n -> p.rewind(cliOptions(n)));
        s.integer("pg_ctl_timeout").ifPresent(v -> p.pgCtlTimeout(Duration.ofSeconds(v)));
        s.finish();
        return p.build();
    }

    /**
     * {@code config_dir}: an absolute path, the data directory itself or outside it (a clone
     * empties the data directory, and the files in it would go with it); created at start if
     * missing. Blank = the data directory, as Patroni. What depends on this machine is recorded,
     * not thrown, so that hactl, which runs no node, still reads the file.
     */
    private static Optional<Path> configDir(Section s, YNode n, Optional<Path> dataDir) {
        String text = Section.text(n, "a directory").strip();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Path dir = Path.of(text).normalize();
        if (!dir.isAbsolute()) {
            throw Section.error(n, "must be an absolute path, got '" + text + "'");
        }
        Optional<Path> data = dataDir.map(Path::normalize);
        if (data.isPresent() && dir.startsWith(data.get()) && !dir.equals(data.get())) {
            throw Section.error(n, dir + " is inside postgresql.data_dir " + dataDir.get() + ": it must be the data"
                    + " directory or outside it (a clone empties the data directory)");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            s.refuse(n, dir + " is not a directory");
        }
        return Optional.of(dir);
    }

    /**
     * {@code custom_conf}: a file that must exist (Patroni: on every node, readable by PostgreSQL);
     * a relative path is taken from the configuration directory, as PostgreSQL reads the
     * {@code include} that names it. Whether it exists is recorded, not thrown, as in
     * {@link #configDir}.
     */
    private static Optional<Path> customConf(Section s, YNode n, Optional<Path> configDir) {
        String text = Section.text(n, "a file").strip();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Path file = Path.of(text);
        if (!file.isAbsolute()) {
            if (configDir.isEmpty() || !configDir.get().isAbsolute()) {
                throw Section.error(n, "must be an absolute path, or postgresql.config_dir (or data_dir) must be set"
                        + " to read '" + text + "' from");
            }
            file = configDir.get().resolve(file);
        }
        file = file.normalize();
        if (!Files.exists(file)) {
            s.refuse(n, file + " does not exist");
        } else if (!Files.isRegularFile(file)) {
            s.refuse(n, file + " is not a regular file");
        }
        return Optional.of(file);
    }

    /**
     * GUC values as PostgreSQL text: YAML 1.1 booleans ({@code on}, {@code yes}) become on/off.
     * As Patroni does, a {@link DynamicConfig#CLUSTER_ONLY_PARAMETERS cluster-only} setting here is
     * ignored, with a warning: a node running its own {@code max_connections} below the primary's
     * stops replaying (in a cluster with Patroni nodes, which ignore it, at the first switchover).
     */
    private static Map<String, String> parameters(Section s) {
        Map<String, String> out = new LinkedHashMap<>();
        s.entries().forEach((k, n) -> {
            if (n.kind == YNode.Kind.NULL) {
                throw Section.error(n, "expected a value");
            }
            if (DynamicConfig.isClusterOnlyParameter(k)) {
                s.warn(n, "'" + n.path + "' " + Section.where(n) + " ignored, as Patroni ignores it: every member"
                        + " runs the cluster's value (bootstrap.dcs.postgresql.parameters, or hactl edit-config),"
                        + " PostgreSQL's default without one");
                return;
            }
            String text = Section.text(n, "a single value");
            out.put(k, n.value instanceof Boolean ? ((Boolean) n.value ? "on" : "off") : text);
        });
        return out;
    }

    /**
     * {@code pg_ident}: a list of {@code pg_ident.conf} lines, as Patroni's {@code replace_pg_ident}
     * writes them. A single line given as text is refused rather than taken as a list: Patroni
     * would write it one character per line.
     */
    static List<String> pgIdent(YNode n) {
        if (n.kind != YNode.Kind.LIST) {
            throw Section.error(n, "expected a list of pg_ident.conf lines, got " + n.describeKind());
        }
        List<String> lines = new ArrayList<>();
        for (YNode item : n.items) {
            String line = Section.text(item, "a pg_ident.conf line (text)");
            if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
                throw Section.error(item, "a pg_ident.conf line must not contain a line break");
            }
            lines.add(line);
        }
        return lines;
    }

    /**
     * {@code recovery_conf}: setting name to a single value, as PostgreSQL text (booleans on/off).
     * What Patroni's {@code build_recovery_params} drops or overrides ({@code primary_conninfo},
     * {@code primary_slot_name}, {@code standby_mode}, {@code recovery_target*}) is warned about and
     * left out, as Patroni ignores it; a trigger file is refused (it would promote outside the
     * leader key), and so is a setting hapg manages ({@code port}...).
     */
    static Map<String, String> recoveryConf(Section s, YNode n) {
        if (n.kind != YNode.Kind.MAP) {
            throw Section.error(n, "expected a mapping of recovery settings, got " + n.describeKind());
        }
        Map<String, String> out = new LinkedHashMap<>();
        n.entries.forEach((name, v) -> {
            if (v.kind == YNode.Kind.NULL) {
                throw Section.error(v, "expected a value");
            }
            String text = Section.text(v, "a single value (text, number or boolean)");
            if (!name.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
                throw Section.error(v, "invalid setting name (letters, digits, _ and . only)");
            }
            if (text.chars().anyMatch(Character::isISOControl)) {
                throw Section.error(v, "the value must not contain line breaks or other control characters");
            }
            if (PostgresConfig.isOwnRecoverySetting(name)) {
                s.warn(v, "'" + v.path + "' " + Section.where(v) + " ignored, as Patroni ignores it: hapg writes"
                        + " the replica's upstream, slot, standby mode and recovery_target_timeline (latest) itself,"
                        + " and a replica has no recovery target");
            } else if (PostgresConfig.RECOVERY_TRIGGER_SETTINGS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                s.refuse(v, "not supported by hapg: a trigger file would promote the replica outside the leader key"
                        + " (use hactl failover or switchover)");
            } else if (DynamicConfig.isManagedParameter(name)) {
                throw Section.error(v, "managed by hapg; not a recovery setting");
            } else {
                out.put(name, v.value instanceof Boolean ? ((Boolean) v.value ? "on" : "off") : text);
            }
        });
        return out;
    }

    private static PgAuthentication pgAuthentication(Section s) {
        PgAuthentication d = PgAuthentication.DEFAULTS;
        PgAuthentication a = new PgAuthentication(
                s.section("superuser").map(PostgresqlBinder::pgUser).orElse(d.superuser()),
                s.section("replication").map(PostgresqlBinder::pgUser).orElse(d.replication()),
                s.section("rewind").map(PostgresqlBinder::pgUser));
        s.finish();
        return a;
    }

    private static PgUser pgUser(Section s) {
        String username = s.requiredString("username");
        Optional<Secret> password = s.secret("password");
        Optional<Secret> sslPassword = s.secret("sslpassword");
        Map<String, String> options = new LinkedHashMap<>();
        for (String option : s.node().entries.keySet()) {
            if (PgUser.OPTION_NAMES.contains(option)) {
                s.string(option).ifPresent(v -> options.put(option, v));
            }
        }
        s.finish();
        return new PgUser(username, password, options, sslPassword);
    }

    /** Patroni's option lists: {@code - flag} or {@code - name: value}; a plain mapping is accepted too. */
    static List<CliOption> cliOptions(YNode n) {
        List<CliOption> out = new ArrayList<>();
        if (n.kind == YNode.Kind.MAP) {
            n.entries.forEach((k, v) -> out.add(CliOption.of(k, Section.text(v, "an option value"))));
            return out;
        }
        if (n.kind != YNode.Kind.LIST) {
            throw Section.error(n, "expected a list of options, got " + n.describeKind());
        }
        for (YNode item : n.items) {
            if (item.kind == YNode.Kind.SCALAR) {
                out.add(CliOption.flag(item.text));
            } else if (item.kind == YNode.Kind.MAP && item.entries.size() == 1) {
                Map.Entry<String, YNode> e = item.entries.entrySet().iterator().next();
                out.add(CliOption.of(e.getKey(), Section.text(e.getValue(), "an option value")));
            } else {
                throw Section.error(item, "expected an option name or a one-key mapping, got " + item.describeKind());
            }
        }
        return out;
    }
}
