package io.hapg.agent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The completion script, loaded into a real bash and asked what it completes. */
class CompletionTest {
    @TempDir
    Path dir;

    @Test
    void bashCompletesCommandsOptionsAndValues() throws Exception {
        Path script = dir.resolve("hapg.bash");
        Files.writeString(script, printed("completion"));
        assertThat(complete(script, "hapg", "")).containsExactly("agent", "ctl", "version", "--help");
        assertThat(complete(script, "hapg ctl", "sw")).containsExactly("switchover");
        assertThat(complete(script, "hapg ctl -c n0.yml", "re")).containsExactly("resume", "restart", "reinit", "reload", "remove");
        assertThat(complete(script, "hactl switchover --cand", null)).containsExactly("--candidate");
        assertThat(complete(script, "hactl -c n0.yml list -f", "j")).containsExactly("json");
        assertThat(complete(script, "hactl restart --", null)).contains("--role", "--pending", "--force", "--help")
                .doesNotContain("--candidate");
        assertThat(complete(script, "hactl list -", null)).contains("-e", "--extended", "-t", "-W", "-w", "--watch")
                .doesNotContain("--W");
        assertThat(complete(script, "hactl flush --", null)).containsExactly("--role", "--force", "--help");
        assertThat(complete(script, "hactl restart", "n")).isEmpty(); // member names come from etcd: none offered
    }

    @Test
    void onlyBashIsOfferedAndNoConfigIsNeeded() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CtlMain.run(new String[] {"completion", "fish"}, new PrintStream(out), new PrintStream(err));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("only bash");
    }

    private static String printed(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CtlMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err));
        assertThat(code).as("exit code; stderr: %s", err).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * What bash offers for {@code line} followed by {@code current} (the word being typed; null: the
     * last word of {@code line} is being typed).
     */
    private static List<String> complete(Path script, String line, String current) throws IOException,
            InterruptedException {
        String words = current == null ? line : line + " " + (current.isEmpty() ? "''" : current);
        String fn = line.startsWith("hactl") ? "_hactl_complete" : "_hapg_complete";
        String bash = "source " + script + "; COMP_WORDS=(" + words + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
                + fn + "; printf '%s\\n' \"${COMPREPLY[@]}\"";
        Process p = new ProcessBuilder("bash", "-c", bash).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return output.lines().filter(l -> !l.isEmpty()).toList();
    }
}
