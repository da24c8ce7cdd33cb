package io.hapg.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bench's command line: defaults, every flag, and bad flags answered with exit 2 naming the flag. */
class BenchArgsTest {
    @Test
    void defaultsAreIssue14sTimings() {
        assertThat(BenchArgs.parse(new String[0]))
                .isEqualTo(new BenchArgs(3, 10, 2, 4, false, false, false, Path.of("bench-out")));
    }

    @Test
    void parsesEveryFlag() {
        BenchArgs a = BenchArgs.parse(new String[] {"--repetitions", "5", "--ttl", "30", "--loop-wait", "1",
            "--retry-timeout", "10", "--sync", "on", "--fast-failover", "on", "--against", "patroni", "--output", "/tmp/b"});
        assertThat(a).isEqualTo(new BenchArgs(5, 30, 1, 10, true, true, true, Path.of("/tmp/b")));
        assertThat(a.describe()).isEqualTo("ttl 30 s, loop_wait 1 s, retry_timeout 10 s, synchronous mode,"
                + " fast_failover on (hapg), 5 repetitions, side by side with Patroni");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--repetitions 0            | --repetitions needs a whole number from 1 to 100, got '0'",
        "--repetitions x            | --repetitions needs a whole number from 1 to 100, got 'x'",
        "--ttl -3                   | --ttl needs a whole number from 1 to 3600, got '-3'",
        "--loop-wait 1.5            | --loop-wait needs a whole number from 1 to 3600, got '1.5'",
        "--sync yes                 | --sync needs on or off, got 'yes'",
        "--fast-failover on         | --fast-failover on needs --sync on: fast failover works only in synchronous mode",
        "--against stolon           | --against needs patroni (the only other system), got 'stolon'",
        "--output                   | --output needs a value",
        "--repetition 3             | unknown argument '--repetition'",
        "--ttl 10 --ttl 20          | --ttl given twice",
        "--ttl 8                    | --ttl must be at least --loop-wait + 2 x --retry-timeout, got ttl 8,"
            + " loop_wait 2, retry_timeout 4",
    })
    void badFlagsExitWithTwoAndNameTheFlag(String args, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BenchMain.run(args.trim().split(" +"), print(out), print(err));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("hapg bench: " + message + "\n")
                .contains(BenchArgs.USAGE);
        assertThat(out.toString(StandardCharsets.UTF_8)).as("nothing started").isEmpty();
    }

    @Test
    void helpPrintsTheUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(BenchMain.run(new String[] {"--help"}, print(out), print(new ByteArrayOutputStream()))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(BenchArgs.USAGE);
    }

    private static PrintStream print(ByteArrayOutputStream to) {
        return new PrintStream(to, true, StandardCharsets.UTF_8);
    }
}
