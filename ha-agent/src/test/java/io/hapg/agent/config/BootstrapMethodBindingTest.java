package io.hapg.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.config.ConfigException;
import io.hapg.postgres.BootstrapMethod;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Patroni's custom {@code bootstrap.method} from the YAML to the {@link BootstrapMethod} a node runs. */
class BootstrapMethodBindingTest {
    private static final String HEAD = "scope: batman\nname: n\npostgresql:\n  data_dir: /var/lib/pg\n";

    private static ConfigLoader.Validation validate(String bootstrap) {
        return ConfigLoader.validate(new StringReader(HEAD + "bootstrap:\n" + bootstrap), Map.of());
    }

    @Test
    void theMethodSectionBecomesTheCommandTheNodeRuns() {
        ConfigLoader.Validation v = validate("  method: pgbackrest\n  pgbackrest:\n"
                + "    command: /usr/bin/pgbackrest --stanza=main --delta restore\n"
                + "    keep_existing_recovery_conf: true\n"
                + "    recovery_conf:\n      recovery_target_action: promote\n"
                + "      restore_command: pgbackrest --stanza=main archive-get %f \"%p\"\n"
                + "    repo1-cipher-pass: s3cr3t\n    archive-check: false\n    scope: other\n");

        assertThat(v.errors()).isEmpty();
        assertThat(v.warnings()).extracting(ConfigWarning::keyPath).containsExactly("bootstrap.pgbackrest.scope");
        assertThat(v.warnings().toString()).contains("hapg passes --scope itself").doesNotContain("s3cr3t");
        BootstrapMethod m = AdapterConfigs.postgres(v.config().orElseThrow()).build().bootstrapMethod().orElseThrow();
        assertThat(m).isEqualTo(new BootstrapMethod("pgbackrest", List.of("/usr/bin/pgbackrest", "--stanza=main",
                "--delta", "restore"), List.of("--repo1-cipher-pass=s3cr3t", "--archive-check=False"), "batman",
                false, true, Map.of("recovery_target_action", "promote",
                "restore_command", "pgbackrest --stanza=main archive-get %f \"%p\"")));
    }

    @Test
    void initdbIsTheDefault() {
        assertThat(validate("  method: initdb\n").config().orElseThrow().bootstrap().method()).isEmpty();
        assertThat(AdapterConfigs.postgres(validate("  method: initdb\n").config().orElseThrow()).build()
                .bootstrapMethod()).isEmpty();
    }

    @Test
    void aMethodWithoutItsSectionOrCommandIsRefusedNotReplacedByInitdb() {
        assertThat(validate("  method: wal_g\n").errors()).extracting(ConfigException::keyPath)
                .containsExactly("bootstrap.method");
        assertThat(validate("  method: wal_g\n").errors().toString()).contains("names no section 'bootstrap.wal_g'");
        assertThat(validate("  method: wal_g\n  wal_g:\n    no_params: true\n").errors())
                .extracting(ConfigException::keyPath).containsExactly("bootstrap.wal_g.command");
        assertThat(validate("  method: wal_g\n  wal_g:\n    command: \"restore 'open\"\n").errors())
                .extracting(ConfigException::keyPath).containsExactly("bootstrap.wal_g.command");
    }

    @Test
    void anOptionMustBeASingleValue() {
        assertThat(validate("  method: copy\n  copy:\n    command: /bin/copy\n    targets: [a, b]\n").errors())
                .extracting(ConfigException::keyPath).containsExactly("bootstrap.copy.targets");
    }

    @Test
    void aStandbyRecoveryConfIsRefused() {
        ConfigLoader.Validation v = validate("  method: copy\n  copy:\n    command: /bin/copy\n"
                + "    recovery_conf:\n      standby_mode: 'on'\n");
        assertThat(v.errors()).extracting(ConfigException::keyPath).containsExactly("bootstrap.copy.recovery_conf");
        assertThat(v.errors().toString()).contains("bootstrap.copy.recovery_conf.standby_mode: a bootstrap must end"
                + " as a primary");
    }
}
