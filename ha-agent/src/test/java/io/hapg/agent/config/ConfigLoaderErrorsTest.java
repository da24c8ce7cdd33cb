package io.hapg.agent.config;

import io.hapg.core.config.ConfigException;
import io.hapg.core.model.DataRemoval;
import io.hapg.core.config.Credentials;
import io.hapg.core.config.CtlConfig;
import io.hapg.core.config.HostPort;
import io.hapg.core.config.Secret;
import io.hapg.core.config.WatchdogConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input: every error names the key path and line, exactly; no error shows a secret. */
class ConfigLoaderErrorsTest {
    private static final String HEAD = "scope: s\nname: n\n"; // lines 1-2

    private static ConfigException error(String yaml) {
        try {
            ConfigLoader.parse(yaml);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }

    private static void assertError(String yaml, String message) {
        assertThat(error(yaml)).hasMessage(message).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedYamlNamesTheLineAndDoesNotQuoteIt() {
        ConfigException e = error(HEAD + "restapi:\n  authentication:\n    username: u\n    password: hunter2: x\n");
        assertThat(e).hasMessage("malformed YAML: mapping values are not allowed here (line 6)");
        assertThat(e.line()).hasValue(6);
        assertThat(e.keyPath()).isEmpty();
        assertThat(e.getMessage()).doesNotContain("hunter2");
    }

    @Test
    void malformedYamlUnterminatedQuoteAndTab() {
        assertError(HEAD + "restapi:\n  authentication: 'unterminated\n    password: pw\n",
                "malformed YAML: while scanning a quoted scalar at line 4; found unexpected end of stream (line 6)");
        assertError(HEAD + "restapi:\n\tlisten: x\n", "malformed YAML: while scanning for the next token;"
                + " found character '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)"
                + " (line 4)");
        assertError(HEAD + "postgresql:\n  parameters:\n    password_encryption: [scram-sha-256\n  x: 1\n",
                "malformed YAML: while parsing a flow sequence at line 5; expected ',' or ']', but got : (line 6)");
    }

    @Test
    void topLevelMustBeOneMapping() {
        assertError("- a\n- b\n", "expected a mapping of settings at the top level, got a list (line 1)");
        assertError(HEAD + "---\nscope: t\n", "expected one YAML document, found another (line 4)");
    }

    @Test
    void duplicateKeyIsAnError() {
        assertError(HEAD + "postgresql:\n  data_dir: /a\n  data_dir: /b\n",
                "postgresql.data_dir: duplicate key (line 5)");
    }

    @Test
    void missingNameOrScope() {
        // Patroni has no default for name either (only the legacy postgresql.name); see the report.
        assertError("scope: s\nnamespace: /service/\n", "name: required");
        assertError("name: n\n", "scope: required");
        assertError("", "scope: required");
        assertError("scope: s\nname:\n", "name: required (line 2)");
    }

    @Test
    void wrongTypes() {
        assertError(HEAD + "restapi:\n  listen: [a, b]\n", "restapi.listen: expected a string, got a list (line 4)");
        assertError(HEAD + "restapi: on\n", "restapi: expected a mapping, got a boolean (line 3)");
        assertError(HEAD + "restapi:\n  request_queue_size: lots\n",
                "restapi.request_queue_size: expected a whole number, got 'lots' (line 4)");
        assertError(HEAD + "postgresql:\n  use_pg_rewind: sometimes\n",
                "postgresql.use_pg_rewind: expected true or false, got 'sometimes' (line 4)");
        assertError(HEAD + "postgresql:\n  parameters:\n    work_mem:\n",
                "postgresql.parameters.work_mem: expected a value (line 5)");
        assertError(HEAD + "postgresql:\n  parameters:\n    shared_preload_libraries: [a, b]\n",
                "postgresql.parameters.shared_preload_libraries: expected a single value, got a list (line 5)");
        assertError(HEAD + "bootstrap:\n  initdb:\n  - {encoding: UTF8, locale: C}\n",
                "bootstrap.initdb[0]: expected an option name or a one-key mapping, got a mapping (line 5)");
        assertError(HEAD + "tags:\n  nofailover: maybe\n",
                "tags.nofailover: expected true or false, got 'maybe' (line 4)");
        assertError(HEAD + "watchdog:\n  mode: sometimes\n",
                "watchdog.mode: expected off, automatic or required, got 'sometimes' (line 4)");
        assertError(HEAD + "restapi:\n  verify_client: always\n",
                "restapi.verify_client: expected none, optional or required, got 'always' (line 4)");
    }

    @Test
    void outOfRange() {
        assertError(HEAD + "restapi:\n  listen: 0.0.0.0:70000\n",
                "restapi.listen: port must be between 1 and 65535, got 70000 (line 4)");
        assertError(HEAD + "restapi:\n  request_queue_size: 5000\n",
                "restapi.request_queue_size: must be between 0 and 4096, got 5000 (line 4)");
        assertError(HEAD + "postgresql:\n  pg_ctl_timeout: -1\n",
                "postgresql.pg_ctl_timeout: must not be negative, got -1 s (line 4)");
        assertError(HEAD + "etcd3:\n  hosts: 10.0.0.1:2379,10.0.0.2:x\n",
                "etcd3.hosts: expected host:port, got '10.0.0.2:x' (bad port) (line 4)");
        assertError(HEAD + "tags:\n  failover_priority: -1\n",
                "tags.failover_priority: must be at least 0, got -1 (line 4)");
        assertError(HEAD + "bootstrap:\n  dcs:\n    ttl: 1\n", "bootstrap.dcs.ttl: must be at least 2, got 1 (line 5)");
        assertError(HEAD + "bootstrap:\n  dcs:\n    ttl: thirty\n",
                "bootstrap.dcs.ttl: expected a whole number, got 'thirty' (line 5)");
        assertError(HEAD + "bootstrap:\n  dcs:\n    postgresql:\n      use_pg_rewind: maybe\n",
                "bootstrap.dcs.postgresql.use_pg_rewind: expected true or false, got 'maybe' (line 6)");
        assertError(HEAD + "bootstrap:\n  dcs:\n    slots:\n      ok: {type: physical}\n      cdc:\n        type: logical\n"
                + "        database: app\n", "bootstrap.dcs.slots.cdc: a logical slot needs both database and plugin"
                + " (line 7)");
        assertError(HEAD + "bootstrap:\n  dcs:\n    slots:\n      s:\n        type: logcal\n",
                "bootstrap.dcs.slots.s.type: expected physical or logical, got 'logcal' (line 7)");
        assertError(HEAD + "bootstrap:\n  dcs:\n    ignore_slots:\n    - name: barman\n    - nmae: x\n",
                "bootstrap.dcs.ignore_slots[1]: unknown field nmae (name, type, database and plugin are) (line 7)");
    }

    @Test
    void brokenTimingConstraintIsRejectedNotShrunk() {
        assertError(HEAD + "bootstrap:\n  dcs:\n    ttl: 30\n    loop_wait: 10\n    retry_timeout: 15\n",
                "bootstrap.dcs: loop_wait + 2 * retry_timeout must not exceed ttl, got loop_wait=10,"
                        + " retry_timeout=15, ttl=30 (10 + 2 * 15 = 40 > 30) (line 4)");
        // The boundary is allowed.
        String boundary = HEAD + "bootstrap:\n  dcs:\n    ttl: 20\n    loop_wait: 10\n    retry_timeout: 5\n";
        assertThat(ConfigLoader.parse(boundary)
                .config().ha().bootstrapDcs().ttl().toSeconds()).isEqualTo(20);
    }

    @Test
    void crossFieldRules() {
        assertError(HEAD + "restapi:\n  verify_client: required\n",
                "restapi.verify_client: 'required' requires TLS (restapi.certfile) (line 4)");
        assertError(HEAD + "etcd3:\n  protocol: https\n",
                "etcd3: one of host, hosts, url or proxy is required (line 3)");
        assertError(HEAD + "etcd:\n  host: a\netcd3:\n  host: b\n",
                "etcd3: give only one of 'etcd' and 'etcd3' (line 5)");
        assertError(HEAD + "bootstrap:\n  dcs:\n    synchronous_mode: sometimes\n",
                "bootstrap.dcs.synchronous_mode: expected on, off or quorum, got 'sometimes' (line 5)");
    }

    @Test
    void passwordsNeverAppearInErrors() {
        ConfigException sibling = error(HEAD + "restapi:\n  authentication:\n    username: [admin]\n"
                + "    password: s3cr3t-pass\n");
        assertThat(sibling).hasMessage("restapi.authentication.username: expected a string, got a list (line 5)");

        ConfigException itself = error(HEAD + "restapi:\n  authentication:\n    username: admin\n"
                + "    password: [s3cr3t-pass]\n");
        assertThat(itself).hasMessage("restapi.authentication.password: expected a string, got a list (line 6)");

        ConfigException etcd = error(HEAD + "etcd3:\n  hosts: a\n  password: s3cr3t-pass\n");
        assertThat(etcd).hasMessage("etcd3.username: required with etcd3.password (line 3)");

        ConfigException pg = error(HEAD + "postgresql:\n  authentication:\n    superuser:\n"
                + "      username: postgres\n      password: s3cr3t-pass\n      sslmode: [x]\n");
        assertThat(pg).hasMessage(
                "postgresql.authentication.superuser.sslmode: expected a string, got a list (line 8)");

        for (ConfigException e : new ConfigException[] {sibling, itself, etcd, pg}) {
            assertThat(e.getMessage()).doesNotContain("s3cr3t");
        }
    }

    @Test
    void unknownAndHarmlessKeysAreWarningsNamingPathAndLine() {
        LoadedConfig loaded = ConfigLoader.parse(HEAD
                + "log:\n  mode: 0600\n"                              // 3-4
                + "ctl:\n  insecure: true\n"                           // 5
                + "foo: 1\n"                                           // 7
                + "bar:\n  baz:\n    ttl: 2\n"                         // 8-10
                + "postgresql:\n  pgpass: /tmp/pgpass\n  name: x\n"     // 11-13
                + "bootstrap:\n  dcs:\n    foo: 1\n"                   // 14-16
                + "restapi:\n  authentication:\n    username: u\n    password: p\n    realm: r\n"); // 17-21
        assertThat(loaded.warningMessages()).containsExactly(
                "'log.mode' (line 4) ignored: log files get the permissions the process's umask gives",
                "unknown key 'foo' (line 7) ignored",
                "unknown key 'bar.baz.ttl' (line 10) ignored; did you mean 'bootstrap.dcs.ttl'?",
                "'postgresql.pgpass' (line 12) ignored: hapg writes its own password file (mode 0600) in its run"
                        + " directory; this path is not written",
                "unknown key 'postgresql.name' (line 13) ignored",
                "unknown key 'bootstrap.dcs.foo' (line 16) is not a Patroni dynamic setting;"
                        + " stored in the cluster config but not used",
                "unknown key 'restapi.authentication.realm' (line 21) ignored");
        assertThat(loaded.warnings().get(2)).isEqualTo(new ConfigWarning("bar.baz.ttl", 10,
                "unknown key 'bar.baz.ttl' (line 10) ignored; did you mean 'bootstrap.dcs.ttl'?"));
        assertThat(loaded.config().ha().bootstrapDcs().raw()).containsEntry("foo", 1);
    }

    @Test
    void keysHapgDoesNotImplementAreRefusedNamingKeyLineAndReason() {
        assertThatThrownBy(() -> ConfigLoader.parse(HEAD + "consul:\n  host: x\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("consul: not supported by hapg: hapg supports only etcd (etcd3) (line 3)");
        assertThatThrownBy(() -> ConfigLoader.parse(HEAD + "postgresql:\n  pg_hosts:\n"
                + "    - host all all 0.0.0.0/0\n"))
                .hasMessage("postgresql.pg_hosts: not supported by hapg: hapg does not write pg_hosts.conf (line 4)");
        assertThatThrownBy(() -> ConfigLoader.parse(HEAD + "bootstrap:\n  dcs:\n    ttl: 30\n"
                + "    standby_cluster:\n      restore_command: cp /arch/%f %p\n"))
                .hasMessageStartingWith("bootstrap.dcs.standby_cluster.host: not supported by hapg without a host")
                .hasMessageEndingWith("(line 6)");
        // A standby cluster of a remote primary loads.
        assertThat(ConfigLoader.parse(HEAD + "bootstrap:\n  dcs:\n    standby_cluster:\n      host: 10.0.0.9\n"
                + "      port: 5433\n      primary_slot_name: b\n").warnings()).isEmpty();
        // The value that means what hapg does is accepted.
        assertThat(ConfigLoader.parse(HEAD + "postgresql:\n"
                + "  create_replica_methods: [basebackup]\nbootstrap:\n  method: initdb\n"
                + "tags:\n  nostream: false\n  sync_priority: 0\n").warnings()).isEmpty();
    }

    /**
     * Patroni's {@code config_dir} and {@code custom_conf} load into the node's PostgreSQL settings;
     * a path that cannot work is refused at load naming the key and line.
     */
    @Test
    void configDirAndCustomConfLoadAndBadPathsAreRefused(@TempDir Path dir) throws Exception {
        Path etc = java.nio.file.Files.createDirectories(dir.resolve("etc/main"));
        java.nio.file.Files.writeString(etc.resolve("custom.conf"), "work_mem = '7MB'\n");
        String pg = HEAD + "postgresql:\n  data_dir: " + dir.resolve("data") + "\n"; // lines 3-4
        NodeConfig node = ConfigLoader.parse(pg + "  config_dir: " + etc + "\n  custom_conf: custom.conf\n").config();
        assertThat(node.postgresql().configDir()).contains(etc);
        assertThat(node.postgresql().customConf()).as("relative to config_dir, as PostgreSQL's include")
                .contains(etc.resolve("custom.conf"));
        io.hapg.postgres.PostgresConfig built = AdapterConfigs.postgres(node).build();
        assertThat(built.effectiveConfigDir()).isEqualTo(etc);
        assertThat(built.customConf()).contains(etc.resolve("custom.conf"));
        assertThat(AdapterConfigs.postgres(ConfigLoader.parse(pg).config()).build().effectiveConfigDir())
                .as("default: the data directory").isEqualTo(dir.resolve("data"));

        assertError(pg + "  custom_conf: /etc/x.conf\n", "postgresql.custom_conf: /etc/x.conf does not exist (line 5)");
        assertError(pg + "  custom_conf: " + etc + "\n", "postgresql.custom_conf: " + etc
                + " is not a regular file (line 5)");
        assertError(pg + "  config_dir: etc/main\n", "postgresql.config_dir: must be an absolute path, got"
                + " 'etc/main' (line 5)");
        assertError(pg + "  config_dir: " + dir.resolve("data/conf") + "\n", "postgresql.config_dir: "
                + dir.resolve("data/conf") + " is inside postgresql.data_dir " + dir.resolve("data") + ": it must be"
                + " the data directory or outside it (a clone empties the data directory) (line 5)");
        assertError(pg + "  config_dir: " + etc.resolve("custom.conf") + "\n", "postgresql.config_dir: "
                + etc.resolve("custom.conf") + " is not a directory (line 5)");
    }

    /**
     * postgresql.bin_name loads (Patroni's custom binary names): with bin_dir set, each name must be an
     * executable file there (an absolute name stands for itself), checked at load and named by key.
     */
    @Test
    void binNamesLoadAndABadOneIsRefusedNamingTheKey(@TempDir Path bin) throws Exception {
        Path pgPostgres = bin.resolve("pg-postgres");
        java.nio.file.Files.createFile(pgPostgres);
        pgPostgres.toFile().setExecutable(true);
        java.nio.file.Files.createFile(bin.resolve("pg-initdb")); // not executable
        LoadedConfig ok = ConfigLoader.parse(HEAD + "postgresql:\n  listen: 127.0.0.1:5432\n  bin_dir: " + bin
                + "\n  bin_name:\n    postgres: pg-postgres\n    pg_rewind: " + pgPostgres + "\n");
        assertThat(ok.warnings()).isEmpty();
        assertThat(ok.config().postgresql().binName())
                .containsExactly(Map.entry("postgres", "pg-postgres"), Map.entry("pg_rewind", pgPostgres.toString()));
        assertThatThrownBy(() -> ConfigLoader.parse(HEAD + "postgresql:\n  listen: 127.0.0.1:5432\n  bin_dir: " + bin
                + "\n  bin_name:\n    initdb: pg-initdb\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("postgresql.bin_name.initdb: " + bin.resolve("pg-initdb")
                        + " is not an executable file");
        assertThatThrownBy(() -> ConfigLoader.parse(HEAD + "postgresql:\n  listen: 127.0.0.1:5432\n  bin_dir: " + bin
                + "\n  bin_name:\n    postgres: pg-nothere\n"))
                .hasMessageStartingWith("postgresql.bin_name.postgres: " + bin.resolve("pg-nothere")
                        + " is not an executable file");
        assertThatThrownBy(() -> ConfigLoader.parse(HEAD + "postgresql:\n  listen: 127.0.0.1:5432\n  bin_name:\n"
                + "    psql: my-psql\n"))
                .hasMessageStartingWith("postgresql.bin_name.psql: not a tool Patroni renames");
    }

    /**
     * nostream: true loads (the member recovers from the archive, as Patroni's); without a
     * restore_command anywhere in the file it loads with a warning naming the key, since Patroni lets
     * such a member sit replaying only what lands in pg_wal.
     */
    @Test
    void nostreamLoadsAndWarnsWhenNoRestoreCommandIsSet() {
        assertThat(ConfigLoader.parse(HEAD + "postgresql:\n  recovery_conf:\n    restore_command: cp /arch/%f %p\n"
                + "tags:\n  nostream: true\n").warnings()).isEmpty();
        assertThat(ConfigLoader.parse(HEAD + "bootstrap:\n  dcs:\n    postgresql:\n      recovery_conf:\n"
                + "        restore_command: cp /arch/%f %p\ntags:\n  nostream: true\n").warnings()).isEmpty();
        assertThat(ConfigLoader.parse(HEAD + "bootstrap:\n  dcs:\n    standby_cluster:\n      host: 10.0.0.9\n"
                + "      restore_command: cp /arch/%f %p\ntags:\n  nostream: true\n").warnings()).isEmpty();
        assertThat(ConfigLoader.parse(HEAD + "tags:\n  nostream: true\n").warnings())
                .containsExactly(new ConfigWarning("tags.nostream", 4, "'tags.nostream' (line 4): this member does not"
                        + " stream and no restore_command is set (postgresql.recovery_conf.restore_command, or the"
                        + " dynamic postgresql.recovery_conf or standby_cluster.restore_command): it replays only WAL"
                        + " copied into its pg_wal, as in Patroni"));
    }

    /** A boolean tag beside its priority loads, as in Patroni; a contradiction is warned and the boolean wins. */
    @Test
    void aBooleanTagBesideItsPriorityLoadsAndAContradictionIsWarned() {
        assertThat(ConfigLoader.parse(HEAD + "tags:\n  nofailover: true\n  failover_priority: 0\n").warnings())
                .isEmpty();
        LoadedConfig loaded = ConfigLoader.parse(HEAD + "tags:\n  nofailover: true\n  failover_priority: 2\n"
                + "  nosync: false\n  sync_priority: 0\n");
        assertThat(loaded.warnings()).containsExactly(
                new ConfigWarning("tags.failover_priority", 5, "'tags.failover_priority' (line 5): tags.nofailover"
                        + " (true) contradicts tags.failover_priority (2); as in Patroni, tags.nofailover wins"),
                new ConfigWarning("tags.sync_priority", 7, "'tags.sync_priority' (line 7): tags.nosync (false)"
                        + " contradicts tags.sync_priority (0); as in Patroni, tags.nosync wins"));
        assertThat(loaded.config().ha().tags().nofailover()).isTrue();
        assertThat(loaded.config().ha().tags().nosync()).isFalse();
    }

    @Test
    void everyRefusedKeyIsReportedNotOnlyTheFirst() {
        ConfigLoader.Validation v = ConfigLoader.validate(new StringReader(HEAD
                + "bootstrap:\n  dcs:\n    postgresql:\n      parameters_replica: {a: b}\n      pg_hosts: [x]\n"
                + "  users:\n    admin: {password: x}\n"), Map.of());
        assertThat(v.errors()).extracting(ConfigException::keyPath).containsExactlyInAnyOrder(
                "bootstrap.dcs.postgresql.parameters_replica", "bootstrap.dcs.postgresql.pg_hosts", "bootstrap.users");
        assertThat(v.errors()).allSatisfy(e -> assertThat(e.line()).isPresent());
    }

    @Test
    void ctlIsReadForCallsToTheMembersApis() {
        LoadedConfig loaded = ConfigLoader.parse(HEAD + "ctl:\n  insecure: true\n  cacert: /etc/ca.pem\n"
                + "  certfile: /etc/c.pem\n  keyfile: /etc/k.pem\n  keyfile_password: kp\n"
                + "  authentication:\n    username: ops\n    password: ops-pass\n  colour: blue\n");
        CtlConfig ctl = loaded.config().ha().ctl();
        assertThat(ctl.insecure()).isTrue();
        assertThat(ctl.cacert()).contains(java.nio.file.Path.of("/etc/ca.pem"));
        assertThat(ctl.certfile()).contains(java.nio.file.Path.of("/etc/c.pem"));
        assertThat(ctl.keyfile()).contains(java.nio.file.Path.of("/etc/k.pem"));
        assertThat(ctl.keyfilePassword().map(Secret::reveal)).contains("kp");
        assertThat(ctl.authentication().map(Credentials::username)).contains("ops");
        assertThat(loaded.warningMessages()).containsExactly("unknown key 'ctl.colour' (line 12) ignored");
        assertThat(ConfigLoader.parse(HEAD).config().ha().ctl()).isEqualTo(CtlConfig.NONE);
    }

    @Test
    void topLevelCallbacksFillWhatPostgresqlCallbacksLeaveOpen() {
        LoadedConfig loaded = ConfigLoader.parse(HEAD + "postgresql:\n  callbacks:\n    on_start: /a\n"
                + "callbacks:\n  on_start: /b\n  on_stop: /c\n");
        assertThat(loaded.config().ha().callbacks().onStart()).contains("/a");
        assertThat(loaded.config().ha().callbacks().onStop()).contains("/c");
        assertThat(loaded.warningMessages()).containsExactly(
                "'callbacks' (line 6) belongs under 'postgresql'; used as 'postgresql.callbacks'");
    }

    @Test
    void anchorsAliasesAndMergeKeysAreResolved() {
        LoadedConfig loaded = ConfigLoader.parse(HEAD + "x-common: &api\n  listen: 10.0.0.5:8008\n"
                + "restapi:\n  <<: *api\n  connect_address: 10.0.0.5:8008\n");
        assertThat(loaded.config().ha().restApi().listen()).isEqualTo(new HostPort("10.0.0.5", 8008));
        assertThat(loaded.config().ha().restApi().connectAddress()).contains(new HostPort("10.0.0.5", 8008));
        assertThat(loaded.warningMessages()).containsExactly("unknown key 'x-common.listen' (line 4) ignored");
        assertError(HEAD + "restapi: *nope\n", "restapi: unknown alias *nope (line 3)");
    }

    @Test
    void yaml11ScalarsAndEmptyValues() {
        NodeConfig c = ConfigLoader.parse(HEAD + "postgresql:\n  bin_dir:\n  parameters:\n"
                + "    fsync: no\n    jit: 'on'\n    search_path: ''\n    work_mem: 4MB\n").config();
        assertThat(c.postgresql().binDir()).isEmpty();
        assertThat(c.postgresql().parameters()).containsExactly(Map.entry("fsync", "off"), Map.entry("jit", "on"),
                Map.entry("search_path", ""), Map.entry("work_mem", "4MB"));
    }

    @Test
    void patroniSpellingsOfOptionalForms() {
        NodeConfig c = ConfigLoader.parse(HEAD
                + "etcd3:\n  host: 10.0.0.1\n  hosts: 10.0.0.2:2379, 10.0.0.3\n"
                + "watchdog:\n  mode: require\n"
                + "postgresql:\n  listen: 127.0.0.1,10.0.0.1:5433\n  basebackup:\n    max-rate: 100M\n").config();
        assertThat(c.etcd().orElseThrow().hosts()).containsExactly(new HostPort("10.0.0.1", 2379),
                new HostPort("10.0.0.2", 2379), new HostPort("10.0.0.3", 2379));
        assertThat(c.ha().watchdog().mode()).isEqualTo(WatchdogConfig.Mode.REQUIRED);
        assertThat(c.postgresql().listenHosts()).containsExactly("127.0.0.1", "10.0.0.1");
        assertThat(c.postgresql().listenPort()).isEqualTo(5433);
        assertThat(c.postgresql().basebackup()).containsExactly(CliOption.of("max-rate", "100M"));
    }

    @Test
    void bootstrapMethodOptionsAndRefusedUsersNeverShowTheirSecrets() {
        ConfigLoader.Validation v = ConfigLoader.validate(new StringReader(HEAD
                + "bootstrap:\n  method: wal_g\n  wal_g:\n    command: /bin/wal-g-bootstrap\n    password: s3cr3t\n"
                + "  users:\n    admin:\n      password: admin-pass\n      options: [createrole, createdb]\n"),
                Map.of());
        assertThat(v.errors()).extracting(ConfigException::keyPath).containsExactly("bootstrap.users");
        assertThat(v.errors() + " " + v.warnings()).doesNotContain("s3cr3t").doesNotContain("admin-pass");
    }

    @Test
    void unreadableFile(@TempDir Path dir) {
        Path missing = dir.resolve("missing.yml");
        assertThatThrownBy(() -> ConfigLoader.load(missing)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("cannot read " + missing + ": java.nio.file.NoSuchFileException");
    }

    /** Patroni's default for both keys is false: no data directory is ever emptied on its own. */
    @Test
    void removeDataDirectoryKeysReachTheDecisionEngineWithPatronisDefault() {
        assertThat(ConfigLoader.parse(HEAD).config().ha().dataRemoval()).isEqualTo(DataRemoval.NEVER);
        assertThat(ConfigLoader.parse(HEAD + "postgresql:\n  remove_data_directory_on_rewind_failure: true\n"
                + "  remove_data_directory_on_diverged_timelines: false\n").config().ha().dataRemoval())
                .isEqualTo(new DataRemoval(true, false));
        assertThat(ConfigLoader.parse(HEAD + "postgresql:\n  remove_data_directory_on_diverged_timelines: on\n")
                .config().ha().dataRemoval()).isEqualTo(new DataRemoval(false, true));
        assertThat(error(HEAD + "postgresql:\n  remove_data_directory_on_rewind_failure: sometimes\n"))
                .hasMessageContaining("postgresql.remove_data_directory_on_rewind_failure");
    }
}
