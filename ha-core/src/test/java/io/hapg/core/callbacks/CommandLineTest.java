package io.hapg.core.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    @Test
    void splitsOnBlanks() {
        assertThat(CommandLine.split("  /opt/cb.sh  --flag x ")).containsExactly("/opt/cb.sh", "--flag", "x");
    }

    @Test
    void keepsQuotedWordsTogether() {
        assertThat(CommandLine.split("sh -c 'echo \"$1\" >> /tmp/x' \"a b\""))
                .isEqualTo(List.of("sh", "-c", "echo \"$1\" >> /tmp/x", "a b"));
    }

    @Test
    void backslashEscapesOutsideQuotes() {
        assertThat(CommandLine.split("a\\ b c")).containsExactly("a b", "c");
    }

    @Test
    void unclosedQuoteNamesTheCommand() {
        assertThatThrownBy(() -> CommandLine.split("echo 'oops"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unclosed ' quote in command: echo 'oops");
    }

    @Test
    void emptyCommandIsRejected() {
        assertThatThrownBy(() -> CommandLine.split("   ")).hasMessage("empty command");
    }
}
