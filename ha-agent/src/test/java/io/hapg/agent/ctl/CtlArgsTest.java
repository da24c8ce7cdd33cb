package io.hapg.agent.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CtlArgsTest {

    @Test
    void configBeforeOrAfterTheCommandAndBothOptionSpellings() {
        CtlArgs a = CtlArgs.parse("-c", "n0.yml", "switchover", "--candidate", "n1", "--scheduled=2026-05-01T03:00Z");
        assertThat(a.config()).contains("n0.yml");
        assertThat(a.command()).contains(Command.SWITCHOVER);
        assertThat(a.value("candidate")).contains("n1");
        assertThat(a.value("scheduled")).contains("2026-05-01T03:00Z");
        assertThat(a.flag("force")).isFalse();

        CtlArgs b = CtlArgs.parse("list", "--config=n1.yml", "-f", "json");
        assertThat(b.config()).contains("n1.yml");
        assertThat(b.value("format")).contains("json");
    }

    @Test
    void repeatedSettingsFlagsAndMemberArguments() {
        CtlArgs a = CtlArgs.parse("edit-config", "-s", "ttl=20", "--set", "loop_wait=2", "-p", "work_mem=8MB", "-q");
        assertThat(a.values("set")).containsExactly("ttl=20", "loop_wait=2");
        assertThat(a.values("pg")).containsExactly("work_mem=8MB");
        assertThat(a.flag("quiet")).isTrue();

        CtlArgs r = CtlArgs.parse("restart", "n1", "n2", "--pending", "--role", "replica");
        assertThat(r.arguments()).containsExactly("n1", "n2");
        assertThat(r.flag("pending")).isTrue();
        assertThat(r.value("role")).contains("replica");

        assertThat(CtlArgs.parse("reinit", "--", "-odd-name").arguments()).containsExactly("-odd-name");
    }

    @Test
    void helpNeedsNoCommandAndNoConfig() {
        CtlArgs a = CtlArgs.parse("--help");
        assertThat(a.help()).isTrue();
        assertThat(a.command()).isEmpty();
        assertThat(CtlArgs.parse("switchover", "-h").command()).contains(Command.SWITCHOVER);
        assertThat(Usage.of(Command.EDIT_CONFIG)).contains("-s, --set VALUE").contains("KEY=VALUE");
        assertThat(Usage.all()).contains("show-config").contains("exit codes: 0 done, 1 refused or failed, 2 bad usage");
    }

    @Test
    void unknownCommandNamesTheCommands() {
        assertUsage(() -> CtlArgs.parse("-c", "x.yml", "lsit"),
                "unknown command 'lsit' (did you mean 'list'?); the commands are list, switchover, failover, pause,"
                        + " resume, history, show-config, edit-config, restart, reinit, reload, flush, topology, dsn, query, version,"
                        + " remove, completion");
        assertUsage(() -> CtlArgs.parse("swichover"), "unknown command 'swichover' (did you mean 'switchover'?)");
        assertUsage(() -> CtlArgs.parse("promote"), "unknown command 'promote'; the commands are");
        assertUsage(() -> CtlArgs.parse("-c", "x.yml"), "no command given; the commands are list,");
    }

    @Test
    void unknownOptionMissingValueAndMisuseAreUsageErrors() {
        assertUsage(() -> CtlArgs.parse("failover", "--leader", "n0"),
                "failover: unknown option '--leader'; see: hactl failover --help");
        assertUsage(() -> CtlArgs.parse("switchover", "--candiate", "n1"),
                "switchover: unknown option '--candiate' (did you mean '--candidate'?); see: hactl switchover --help");
        assertUsage(() -> CtlArgs.parse("switchover", "--candidate"), "switchover: option --candidate needs a value");
        assertUsage(() -> CtlArgs.parse("switchover", "--candidate", "--force"),
                "switchover: option --candidate needs a value");
        assertUsage(() -> CtlArgs.parse("pause", "--wait=yes"), "pause: option --wait takes no value");
        assertUsage(() -> CtlArgs.parse("switchover", "--candidate", "a", "--candidate", "b"),
                "switchover: option --candidate given twice");
        assertUsage(() -> CtlArgs.parse("-x", "list"), "unknown option '-x' before the command");
        assertUsage(() -> CtlArgs.parse("list", "-c"), "option -c needs a value");
    }

    @Test
    void argumentCountsAreChecked() {
        assertUsage(() -> CtlArgs.parse("reinit"), "reinit: missing argument; usage: reinit [options] [CLUSTER]"
                + " MEMBER...");
        assertUsage(() -> CtlArgs.parse("list", "batman", "robin"),
                "list takes at most one argument, the cluster, got 'batman robin'; usage: list [options] [CLUSTER]");
        assertThat(CtlArgs.parse("list", "batman").arguments()).containsExactly("batman");
    }

    @Test
    void optionLookupKnowsShortAndLongNames() {
        assertThat(Command.EDIT_CONFIG.option("-s").map(Command.Option::longName)).contains("set");
        assertThat(Command.EDIT_CONFIG.option("--pg").map(Command.Option::longName)).contains("pg");
        assertThat(Command.LIST.option("--candidate")).isEqualTo(Optional.empty());
        assertThat(Command.byWord("SHOW-CONFIG")).contains(Command.SHOW_CONFIG);
        assertThat(List.of(Command.values())).hasSize(18);
    }

    @Test
    void afterQueryDashCIsItsCommandNotTheConfig() {
        CtlArgs a = CtlArgs.parse("-c", "x.yml", "query", "-c", "SELECT 1", "-U", "postgres");
        assertThat(a.config()).contains("x.yml");
        assertThat(a.value("command")).contains("SELECT 1");
        assertThat(a.value("username")).contains("postgres");
        assertThat(CtlArgs.parse("list", "-c", "y.yml").config()).contains("y.yml");
        assertThat(CtlArgs.parse("query", "--config", "z.yml", "-c", "SELECT 2").config()).contains("z.yml");
    }

    static void assertUsage(Runnable call, String messageStart) {
        assertThatThrownBy(call::run).isInstanceOf(CtlException.class)
                .hasMessageStartingWith(messageStart)
                .satisfies(e -> assertThat(((CtlException) e).exitCode()).isEqualTo(2));
    }
}
