package io.hapg.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.agent.logging.LogLevel;
import io.hapg.agent.logging.LogSection;
import io.hapg.core.config.ConfigException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Patroni's {@code log:} section as the loader binds it. */
public class LogBinderTest {
    /** A minimal valid node, for tests that add a {@code log:} section to it. */
    public static final String NODE = "scope: shop\nname: n0\netcd3:\n  hosts: [127.0.0.1:2379]\npostgresql:\n"
            + "  data_dir: /var/lib/postgresql/data\n  authentication:\n    superuser: {username: postgres}\n"
            + "    replication: {username: replicator}\n    rewind: {username: rewind_user}\n";

    @Test
    void withoutASectionTheDefaultsStay() {
        assertThat(ConfigLoader.parse(NODE).config().log()).isEqualTo(LogSection.DEFAULTS);
    }

    @Test
    void everyKeyIsBound() {
        LogSection log = ConfigLoader.parse(NODE + "log:\n  level: WARNING\n  traceback_level: DEBUG\n"
                + "  format: '%(asctime)s %(levelname)s: %(message)s'\n  dateformat: '%H:%M:%S'\n  dir: /var/log/hapg\n"
                + "  file_size: 1000\n  file_num: 2\n  loggers: {io.grpc: CRITICAL, io.hapg.etcd: DEBUG}\n"
                + "  deduplicate_heartbeat_logs: true\n").config().log();
        assertThat(log).isEqualTo(new LogSection(true, LogLevel.WARN, LogLevel.DEBUG,
                Optional.of("%(asctime)s %(levelname)s: %(message)s"), Optional.of("%H:%M:%S"),
                Optional.of(Path.of("/var/log/hapg")), 1000, 2, Map.of("io.grpc", LogLevel.ERROR,
                "io.hapg.etcd", LogLevel.DEBUG), true));
        assertThat(log.pattern(7)).isEqualTo("%d{\"HH':'mm':'ss\"} %level: %msg");
    }

    @Test
    void anUntranslatableFormatIsRefusedWithItsLine() {
        assertThatThrownBy(() -> ConfigLoader.parse(NODE + "log:\n  level: INFO\n  format: '%(funcName)s %(message)s'\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("log.format: %(funcName)s has no Logback equivalent")
                .hasMessageEndingWith("(line 13)");
        assertThatThrownBy(() -> ConfigLoader.parse(NODE + "log:\n  dateformat: '%f'\n"))
                .hasMessageStartingWith("log.dateformat: %f has no Java equivalent")
                .hasMessageEndingWith("(line 12)");
    }

    @Test
    void badLevelsAndSizesAreRefused() {
        assertThatThrownBy(() -> ConfigLoader.parse(NODE + "log:\n  level: LOUD\n"))
                .hasMessageStartingWith("log.level: expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got 'LOUD'");
        assertThatThrownBy(() -> ConfigLoader.parse(NODE + "log:\n  loggers: {io.grpc: LOUD}\n"))
                .hasMessageStartingWith("log.loggers.io.grpc: expected");
        assertThatThrownBy(() -> ConfigLoader.parse(NODE + "log:\n  file_num: 0\n"))
                .hasMessageStartingWith("log.file_num: expected at least 1, got 0");
    }

    @Test
    void whatHapgDoesNotWriteIsWarnedAbout() {
        LoadedConfig loaded = ConfigLoader.parse(NODE + "log:\n  type: json\n  format: [message]\n"
                + "  static_fields: {app: patroni}\n  max_queue_size: 10\n  mode: 0640\n  file_num: 50\n");
        assertThat(loaded.warningMessages()).anyMatch(w -> w.startsWith("'log.type' (line 12) ignored: JSON"))
                .anyMatch(w -> w.startsWith("'log.format' (line 13) ignored: a list"))
                .anyMatch(w -> w.startsWith("'log.static_fields' (line 14) ignored"))
                .anyMatch(w -> w.startsWith("'log.max_queue_size' (line 15) ignored"))
                .anyMatch(w -> w.startsWith("'log.mode' (line 16) ignored"))
                .anyMatch(w -> w.startsWith("'log.file_num' (line 17): hapg keeps at most 20"));
        assertThat(loaded.config().log().fileNum()).isEqualTo(20);
        assertThat(loaded.config().log().format()).isEmpty();
    }
}
