package io.hapg.agent.config;

import io.hapg.agent.logging.LogSection;
import io.hapg.core.config.Callbacks;
import io.hapg.core.callbacks.CommandLine;
import io.hapg.core.config.ConfigException;
import io.hapg.core.config.Credentials;
import io.hapg.core.config.CtlConfig;
import io.hapg.core.config.HaConfig;
import io.hapg.core.config.RestApiConfig;
import io.hapg.core.config.Secret;
import io.hapg.core.config.WatchdogConfig;
import io.hapg.core.model.DataRemoval;
import io.hapg.core.model.Tags;
import io.hapg.postgres.BootstrapMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Maps a parsed Patroni YAML document onto a {@link NodeConfig}, section by section. */
final class YamlBinder {
    private final List<ConfigWarning> warnings;
    private final List<ConfigException> refusals;

    /**
     * @param warnings where warnings go
     * @param refusals where keys {@link KeyRules} or {@link io.hapg.core.model.DynamicKeys} refuse go;
     *                 the caller decides (the loader throws the first, validation lists them all)
     */
    YamlBinder(List<ConfigWarning> warnings, List<ConfigException> refusals) {
        this.warnings = warnings;
        this.refusals = refusals;
    }

    NodeConfig bind(YNode root) {
        Section top = new Section(root, warnings, refusals);
        HaConfig.Builder b = HaConfig.builder();
        top.string("scope").ifPresent(b::scope);
        top.string("namespace").ifPresent(b::namespace);
        top.string("name").ifPresent(b::name);
        top.section("restapi").ifPresent(s -> b.restApi(restApi(s)));
        Optional<EtcdSection> etcd = etcd(top);
        Callbacks topCallbacks = top.section("callbacks").map(s -> {
            top.warn(s.node(), "'callbacks' (line " + s.line() + ") belongs under 'postgresql';"
                    + " used as 'postgresql.callbacks'");
            return PostgresqlBinder.callbacks(s);
        }).orElse(Callbacks.NONE);
        b.callbacks(topCallbacks);
        PostgresqlSection postgresql = top.section("postgresql").map(s -> PostgresqlBinder.postgresql(s, b,
                topCallbacks)).orElse(PostgresqlSection.DEFAULTS);
        b.connUrl(postgresql.connUrl());
        b.dataRemoval(new DataRemoval(postgresql.removeDataDirectoryOnRewindFailure(),
                postgresql.removeDataDirectoryOnDivergedTimelines()));
        BootstrapSection bootstrap = top.section("bootstrap").map(s -> bootstrap(s, b))
                .orElse(BootstrapSection.DEFAULTS);
        dynamicPgHba(root, postgresql, bootstrap).ifPresent(n -> top.refuse(n, "not supported by hapg: a pg_hba"
                + " from the dynamic configuration is not applied; hapg writes pg_hba.conf from the node's own"
                + " postgresql.pg_hba (which wins over the dynamic one in Patroni too): set it there"));
        top.section("tags").ifPresent(s -> {
            Tags tags = Tags.of(s.toJavaMap(false));
            b.tags(tags);
            for (String contradiction : tags.contradictions()) {
                YNode n = s.node().entries.get(contradiction.startsWith("tags.nofailover") ? "failover_priority"
                        : "sync_priority");
                s.warn(n, "'" + n.path + "' (line " + n.line + "): " + contradiction);
            }
            if (tags.nostream() && !hasRestoreCommand(root, postgresql)) {
                // Patroni lets such a member sit (it replays only what lands in pg_wal): loaded, but said.
                YNode n = s.node().entries.get("nostream");
                s.warn(n, "'" + n.path + "' (line " + n.line + "): this member does not stream and no"
                        + " restore_command is set (postgresql.recovery_conf.restore_command, or the dynamic"
                        + " postgresql.recovery_conf or standby_cluster.restore_command): it replays only WAL copied"
                        + " into its pg_wal, as in Patroni");
            }
            s.finish();
        });
        top.section("watchdog").ifPresent(s -> b.watchdog(watchdog(s)));
        LogSection log = top.section("log").map(s -> {
            LogSection bound = LogBinder.bind(s);
            b.log(s.toJavaMap(false));
            return bound;
        }).orElse(LogSection.DEFAULTS);
        top.section("ctl").ifPresent(s -> b.ctl(ctl(s)));
        top.finish();
        return new NodeConfig(b.build(), etcd, postgresql, bootstrap, log);
    }

    /**
     * Whether a {@code restore_command} reaches this node from the file: its own
     * {@code postgresql.recovery_conf}, or the initial dynamic configuration's
     * {@code postgresql.recovery_conf} or {@code standby_cluster} (a running cluster's {@code config}
     * key may still set one: this is the start-up check only).
     */
    private static boolean hasRestoreCommand(YNode root, PostgresqlSection pg) {
        return pg.recoveryConf().containsKey("restore_command")
                || at(root, "bootstrap", "dcs", "postgresql", "recovery_conf", "restore_command").isPresent()
                || at(root, "bootstrap", "dcs", "standby_cluster", "restore_command").isPresent();
    }

    /** The non-null node at {@code keys} under {@code root}. */
    private static Optional<YNode> at(YNode root, String... keys) {
        YNode n = root;
        for (String key : keys) {
            n = n.kind == YNode.Kind.MAP ? n.entries.get(key) : null;
            if (n == null) {
                return Optional.empty();
            }
        }
        return n.kind == YNode.Kind.NULL ? Optional.empty() : Optional.of(n);
    }

    /** {@code bootstrap.dcs.postgresql.pg_hba} when no local {@code pg_hba} overrides it. */
    private static Optional<YNode> dynamicPgHba(YNode root, PostgresqlSection pg, BootstrapSection bootstrap) {
        if (!pg.pgHba().isEmpty() || !bootstrap.pgHba().isEmpty()) {
            return Optional.empty();
        }
        return at(root, "bootstrap", "dcs", "postgresql", "pg_hba")
                .filter(n -> !(n.kind == YNode.Kind.LIST && n.items.isEmpty()));
    }

    private static RestApiConfig restApi(Section s) {
        RestApiConfig.Builder r = RestApiConfig.builder();
        s.string("listen").ifPresent(r::listen);
        s.string("connect_address").ifPresent(r::connectAddress);
        s.section("authentication").ifPresent(a -> r.authentication(credentials(a)));
        s.file("certfile").ifPresent(r::certfile);
        s.file("keyfile").ifPresent(r::keyfile);
        s.secret("keyfile_password").ifPresent(r::keyfilePassword);
        s.file("cafile").ifPresent(r::cafile);
        s.string("ciphers").ifPresent(r::ciphers);
        s.take("verify_client").ifPresent(n -> r.verifyClient(verifyClient(n)));
        r.allowlist(s.strings("allowlist"));
        s.bool("allowlist_include_members").ifPresent(r::allowlistIncludeMembers);
        r.httpExtraHeaders(s.stringMap("http_extra_headers"));
        r.httpsExtraHeaders(s.stringMap("https_extra_headers"));
        s.integer("request_queue_size").ifPresent(v -> r.requestQueueSize(clampInt(v)));
        s.integer("thread_pool_size").ifPresent(v -> r.threadPoolSize(clampInt(v)));
        s.string("server_tokens").ifPresent(r::serverTokens);
        s.finish();
        return r.build();
    }

    private static RestApiConfig.VerifyClient verifyClient(YNode n) {
        String v = Section.text(n, "none, optional or required");
        switch (v) {
            case "none":
                return RestApiConfig.VerifyClient.NONE;
            case "optional":
                return RestApiConfig.VerifyClient.OPTIONAL;
            case "required":
                return RestApiConfig.VerifyClient.REQUIRED;
            default:
                throw Section.error(n, "expected none, optional or required, got '" + v + "'");
        }
    }

    private static CtlConfig ctl(Section s) {
        CtlConfig c = new CtlConfig(s.section("authentication").map(YamlBinder::credentials), s.file("cacert"),
                s.file("certfile"), s.file("keyfile"), s.secret("keyfile_password"),
                s.bool("insecure").orElse(false));
        s.finish();
        return c;
    }

    private static Credentials credentials(Section s) {
        Credentials c = new Credentials(s.requiredString("username"), s.secret("password").orElseThrow(
                () -> new ConfigException(s.path() + ".password", "required", s.line(), null)));
        s.finish();
        return c;
    }

    private Optional<EtcdSection> etcd(Section top) {
        if (top.has("etcd") && top.has("etcd3")) {
            YNode second = top.peek("etcd3").orElseThrow();
            throw Section.error(second, "give only one of 'etcd' and 'etcd3'");
        }
        String name = top.has("etcd") ? "etcd" : "etcd3";
        Optional<Section> section = top.section(name);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Section s = section.get();
        if (name.equals("etcd")) {
            s.warn(s.node(), "'etcd' (line " + s.line() + ") read as 'etcd3': hapg speaks only the etcd v3 API;"
                    + " keys Patroni wrote through the v2 API are not visible to it");
        }
        EtcdSection.Builder e = EtcdSection.builder(name);
        s.take("host").ifPresent(n -> {
            String text = Section.text(n, "host:port");
            int count = text.split(",").length;
            if (count > 1) {
                s.warn(n, "'" + n.path + "' (line " + n.line + ") lists " + count + " endpoints; read as '" + name
                        + ".hosts' (Patroni takes a single endpoint from 'host')");
            }
            e.hosts(text);
        });
        e.hosts(s.strings("hosts"));
        s.string("url").ifPresent(e::url);
        s.string("proxy").ifPresent(e::proxy);
        s.bool("use_proxies").ifPresent(e::useProxies);
        s.string("protocol").ifPresent(e::protocol);
        s.file("cacert").ifPresent(e::cacert);
        s.file("cert").ifPresent(e::cert);
        s.file("key").ifPresent(e::key);
        Optional<String> user = s.string("username");
        Optional<Secret> password = s.secret("password");
        if (user.isPresent() != password.isPresent()) {
            String missing = user.isPresent() ? "password" : "username";
            throw new ConfigException(name + "." + missing, "required with " + name + "."
                    + (user.isPresent() ? "username" : "password"), s.line(), null);
        }
        user.ifPresent(u -> e.credentials(new Credentials(u, password.orElseThrow())));
        s.finish();
        return Optional.of(e.build());
    }

    /** {@code bootstrap}: its {@code dcs} goes to {@code ha}, the rest is returned. */
    private BootstrapSection bootstrap(Section s, HaConfig.Builder ha) {
        BootstrapSection b = BootstrapSection.DEFAULTS;
        Optional<YNode> dcs = s.take("dcs");
        if (dcs.isPresent()) {
            ha.bootstrapDcs(DcsReader.read(s.child(dcs.get()), dcs.get()));
        }
        Optional<YNode> initdb = s.take("initdb");
        if (initdb.isPresent()) {
            b = b.withInitdb(PostgresqlBinder.cliOptions(initdb.get()));
        }
        Optional<YNode> method = s.take("method");
        if (method.isPresent()) {
            String name = Section.text(method.get(), "a method name");
            if (!name.equals("initdb")) {
                b = b.withMethod(customMethod(s, name, method.get()));
            }
        }
        Optional<String> post = s.string("post_bootstrap").or(() -> s.string("post_init"));
        s.take("post_init");
        if (post.isPresent()) {
            b = b.withPostBootstrap(post.get());
        }
        b = b.withPgHba(s.strings("pg_hba"));
        Map<String, BootstrapSection.User> users = new LinkedHashMap<>();
        s.section("users").ifPresent(us -> us.entries().forEach((name, n) -> {
            Section u = s.child(n);
            if (n.kind != YNode.Kind.MAP) {
                throw Section.error(n, "expected a mapping, got " + n.describeKind());
            }
            users.put(name, new BootstrapSection.User(u.secret("password").orElseThrow(
                    () -> new ConfigException(n.path + ".password", "required", n.line, null)), u.strings("options")));
            u.finish();
        }));
        s.finish();
        return b.withUsers(users);
    }

    /** The keys of a custom bootstrap method's section that are not passed to its command. */
    private static final List<String> METHOD_KEYS = List.of("command", "no_params", "keep_existing_recovery_conf",
            "recovery_conf");

    /**
     * The section {@code bootstrap.<name>} of a custom {@code bootstrap.method}, as Patroni reads it:
     * every key but its own four becomes a {@code --key=value} argument of the command (Patroni 3.1+;
     * 3.0.2 passed none), except {@code scope} and {@code datadir}, which Patroni sets itself.
     * Patroni runs initdb instead when the section or its command is missing; hapg refuses that,
     * since initdb would make an empty cluster instead of restoring the backup.
     */
    private static BootstrapSection.CustomMethod customMethod(Section bootstrap, String name, YNode at) {
        if (name.isBlank() || name.contains(".")) {
            throw Section.error(at, "expected a method name, got '" + name + "'");
        }
        Section m = bootstrap.section(name).orElseThrow(() -> Section.error(at, "names no section 'bootstrap."
                + name + "' with the method's command (hapg would run initdb instead of restoring your backup)"));
        List<String> arguments = new ArrayList<>();
        m.entries().forEach((key, n) -> {
            if (METHOD_KEYS.contains(key) || n.kind == YNode.Kind.NULL) {
                return;
            }
            if (key.equals("scope") || key.equals("datadir")) {
                m.warn(n, "'" + n.path + "' " + Section.where(n) + " ignored: hapg passes --" + key
                        + " itself, as Patroni does");
                return;
            }
            String value = n.value instanceof Boolean ? ((Boolean) n.value ? "True" : "False")
                    : Section.text(n, "a single value (passed as --" + key + "=<value>)");
            arguments.add("--" + key + "=" + value);
        });
        String text = m.requiredString("command");
        List<String> command;
        try {
            command = CommandLine.split(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(YNode.child(m.path(), "command"), e.getMessage(), m.line(), null);
        }
        BootstrapSection.CustomMethod method = new BootstrapSection.CustomMethod(name, command, arguments,
                m.bool("no_params").orElse(false), m.bool("keep_existing_recovery_conf").orElse(false),
                m.stringMap("recovery_conf"));
        try {
            new BootstrapMethod(name, command, arguments, "-", false, false, method.recoveryConf());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(YNode.child(m.path(), "recovery_conf"), e.getMessage(), m.line(), null);
        }
        return method;
    }

    private static WatchdogConfig watchdog(Section s) {
        WatchdogConfig d = WatchdogConfig.DEFAULTS;
        WatchdogConfig.Mode mode = s.take("mode").map(n -> {
            try {
                return WatchdogConfig.Mode.parse(Section.text(n, "off, automatic or required"));
            } catch (ConfigException e) {
                throw e.atLine(n.line);
            }
        }).orElse(d.mode());
        WatchdogConfig w = new WatchdogConfig(mode, s.file("device").orElse(d.device()),
                s.integer("safety_margin").map(YamlBinder::clampInt).orElse(d.safetyMargin()));
        s.finish();
        return w;
    }

    private static int clampInt(long v) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }

}
