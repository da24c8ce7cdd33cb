package io.hapg.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.config.ConfigException;
import io.hapg.postgres.PostgresConfig;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code postgresql.pg_ident} and {@code postgresql.recovery_conf} from the YAML to the
 * {@link PostgresConfig} a node runs: the lines and settings as Patroni writes them
 * ({@code replace_pg_ident}, {@code build_recovery_params}), bad shapes refused naming the key.
 */
class PostgresqlBinderIdentRecoveryTest {
    private static final String HEAD = "scope: batman\nname: n\npostgresql:\n  data_dir: /var/lib/pg\n";

    private static ConfigLoader.Validation validate(String postgresql) {
        return ConfigLoader.validate(new StringReader(HEAD + postgresql), Map.of());
    }

    private static PostgresConfig postgres(ConfigLoader.Validation v) {
        assertThat(v.errors()).isEmpty();
        return AdapterConfigs.postgres(v.config().orElseThrow()).build();
    }

    @Test
    void pgIdentLinesReachTheNodeInOrder() {
        PostgresConfig c = postgres(validate("  pg_ident:\n    - map1 sys1 pg1\n    - 'map1 \"/^(.*)@corp$\" \\1'\n"));
        assertThat(c.pgIdent()).containsExactly("map1 sys1 pg1", "map1 \"/^(.*)@corp$\" \\1");
        assertThat(postgres(validate("")).pgIdent()).as("absent: pg_ident.conf is left alone").isEmpty();
    }

    @Test
    void pgIdentThatIsNotAListOfLinesIsAnErrorNamingTheKey() {
        for (String bad : new String[] {"  pg_ident: map1 sys1 pg1\n", "  pg_ident:\n    map1: sys1\n"}) {
            ConfigLoader.Validation v = validate(bad);
            assertThat(v.errors()).as(bad).extracting(ConfigException::keyPath).containsExactly("postgresql.pg_ident");
            assertThat(v.errors().toString()).contains("expected a list of pg_ident.conf lines");
        }
        ConfigLoader.Validation v = validate("  pg_ident:\n    - [a, b]\n");
        assertThat(v.errors()).hasSize(1);
        assertThat(v.errors().get(0).keyPath()).startsWith("postgresql.pg_ident");
    }

    @Test
    void recoveryConfSettingsReachTheNodeAsPostgresqlText() {
        PostgresConfig c = postgres(validate("  recovery_conf:\n    restore_command: cp /arch/%f \"%p\"\n"
                + "    recovery_min_apply_delay: 5000\n    archive_cleanup_command: pg_archivecleanup /arch %r\n"
                + "    hot_standby_feedback: yes\n"));
        assertThat(c.recoveryConf()).containsExactly(Map.entry("restore_command", "cp /arch/%f \"%p\""),
                Map.entry("recovery_min_apply_delay", "5000"),
                Map.entry("archive_cleanup_command", "pg_archivecleanup /arch %r"),
                Map.entry("hot_standby_feedback", "on"));
    }

    @Test
    void whatPatroniIgnoresIsWarnedAndLeftOut() {
        ConfigLoader.Validation v = validate("  recovery_conf:\n    restore_command: cp\n"
                + "    primary_conninfo: host=evil password=s3cr3t\n    primary_slot_name: other\n"
                + "    standby_mode: 'off'\n    recovery_target_timeline: '3'\n    recovery_target_time: now\n");
        assertThat(postgres(v).recoveryConf()).containsOnlyKeys("restore_command");
        assertThat(v.warnings()).extracting(ConfigWarning::keyPath).containsExactly(
                "postgresql.recovery_conf.primary_conninfo", "postgresql.recovery_conf.primary_slot_name",
                "postgresql.recovery_conf.standby_mode", "postgresql.recovery_conf.recovery_target_timeline",
                "postgresql.recovery_conf.recovery_target_time");
        assertThat(v.warnings().toString()).contains("ignored, as Patroni ignores it").doesNotContain("s3cr3t");
    }

    @Test
    void badRecoveryConfIsAnErrorNamingTheKey() {
        assertThat(errorPaths("  recovery_conf: restore_command=cp\n")).containsExactly("postgresql.recovery_conf");
        assertThat(validate("  recovery_conf: [restore_command]\n").errors().toString())
                .contains("expected a mapping of recovery settings");
        String key = "postgresql.recovery_conf.restore_command";
        assertThat(errorPaths("  recovery_conf:\n    restore_command: [cp, mv]\n")).containsExactly(key);
        assertThat(errorPaths("  recovery_conf:\n    restore_command:\n")).containsExactly(key);
        assertThat(errorPaths("  recovery_conf:\n    port: 5433\n")).containsExactly("postgresql.recovery_conf.port");
    }

    @Test
    void theDynamicKeysLoadAndBadShapesNameTheKey() {
        ConfigLoader.Validation v = validate("bootstrap:\n  dcs:\n    postgresql:\n      pg_ident: [m s p]\n"
                + "      recovery_conf:\n        restore_command: cp\n");
        assertThat(v.errors()).isEmpty();
        assertThat(v.config().orElseThrow().ha().bootstrapDcs().postgresqlFiles().recoveryConf())
                .containsExactly(Map.entry("restore_command", "cp"));
        assertThat(errorPaths("bootstrap:\n  dcs:\n    postgresql:\n      pg_ident: m s p\n"))
                .containsExactly("bootstrap.dcs.postgresql.pg_ident");
    }

    private static List<String> errorPaths(String postgresql) {
        return validate(postgresql).errors().stream().map(ConfigException::keyPath).collect(Collectors.toList());
    }

    @Test
    void aTriggerFileIsRefused() {
        ConfigLoader.Validation v = validate("  recovery_conf:\n    trigger_file: /tmp/promote\n");
        assertThat(v.errors()).extracting(ConfigException::keyPath)
                .containsExactly("postgresql.recovery_conf.trigger_file");
        assertThat(v.errors().toString()).contains("not supported by hapg: a trigger file would promote");
    }
}
