package io.hapg.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The demo's flags: a wrong one stops it before any process starts, with exit 2 and the usage. */
class DemoArgsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--sync maybe   | --sync takes on or off",
        "--sync         | --sync takes on or off",
        "--storefront   | unknown argument '--storefront'",
        "--fast-failover yes | --fast-failover takes on or off",
        "--sync off --fast-failover on | --fast-failover on needs --sync on",
    })
    void aWrongFlagIsNamedAndNothingStarts(String args, String message) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int code = DemoMain.run(args.trim().split(" +"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(message).contains(DemoMain.USAGE);
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("starting");
    }
}
