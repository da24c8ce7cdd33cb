package io.hapg.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.config.ConfigException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Patroni's {@code log.format} and {@code log.dateformat} as Logback patterns, and its level names. */
class PythonLogFormatTest {
    @Test
    void patronisDefaultFormatTranslatesWithPythonsDefaultTimestamp() {
        assertThat(PythonLogFormat.toPattern("%(asctime)s %(levelname)s: %(message)s", Optional.empty(), 42))
                .isEqualTo("%d{\"yyyy-MM-dd HH:mm:ss,SSS\"} %level: %msg");
    }

    @Test
    void everyTranslatedPlaceholderWithWidthAndPrecision() {
        assertThat(PythonLogFormat.toPattern("%(name)s [%(threadName)-10s] %(levelname)8s %(levelname).1s"
                + " pid=%(process)d %(msecs)03d %(relativeCreated)d 100%% %(message)s", Optional.empty(), 4242))
                .isEqualTo("%logger [%-10thread] %8level %.-1level pid=4242 %d{\"SSS\"} %relative 100\\% %msg");
    }

    @Test
    void logbackSpecialsInLiteralTextAreEscaped() {
        assertThat(PythonLogFormat.toPattern("(%(name)s) %(message)s", Optional.empty(), 1))
                .isEqualTo("\\(%logger\\) %msg");
    }

    @Test
    void dateformatIsAJavaPatternWithItsLiteralTextQuoted() {
        assertThat(PythonLogFormat.toPattern("%(asctime)s %(message)s", Optional.of("%Y-%m-%dT%H:%M:%S %z at %p"), 1))
                .isEqualTo("%d{\"yyyy'-'MM'-'dd'T'HH':'mm':'ss' 'xx' at 'a\"} %msg");
        assertThat(PythonLogFormat.datePattern("%d/%b/%y o'clock %%")).isEqualTo("dd'/'MMM'/'yy' o''clock %'");
    }

    @Test
    void anUntranslatablePlaceholderIsRefusedNamingKeyAndPlaceholder() {
        assertThatThrownBy(() -> PythonLogFormat.toPattern("%(asctime)s %(funcName)s %(message)s", Optional.empty(), 1))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("log.format: %(funcName)s has no Logback equivalent");
        assertThatThrownBy(() -> PythonLogFormat.toPattern("%s", Optional.empty(), 1))
                .hasMessageStartingWith("log.format: '%s' is not a %(name)s placeholder");
        assertThatThrownBy(() -> PythonLogFormat.toPattern("%(message)s{x}", Optional.empty(), 1))
                .hasMessageStartingWith("log.format: '{' right after a placeholder");
        assertThatThrownBy(() -> PythonLogFormat.datePattern("%H:%M:%S.%f"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("log.dateformat: %f has no Java equivalent");
    }

    @Test
    void patroniLevelNamesMapOntoLogbacks() {
        assertThat(LogLevel.ofPatroni("WARNING")).contains(LogLevel.WARN);
        assertThat(LogLevel.ofPatroni("critical")).contains(LogLevel.ERROR);
        assertThat(LogLevel.ofPatroni("DEBUG")).contains(LogLevel.DEBUG);
        assertThat(LogLevel.ofPatroni("NOTSET")).contains(LogLevel.ALL);
        assertThat(LogLevel.ofPatroni("TRACE")).isEmpty();
    }
}
