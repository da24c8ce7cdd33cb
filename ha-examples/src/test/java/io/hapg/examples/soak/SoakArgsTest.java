package io.hapg.examples.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The soak's command line: what it accepts, and bad flags answered with exit 2 naming the flag. */
class SoakArgsTest {
    @Test
    void parsesEveryFlag() {
        SoakArgs a = SoakArgs.parse(new String[] {"--minutes", "30", "--sync", "on", "--seed", "-7", "--faults", "50"},
                99);
        assertThat(a).isEqualTo(new SoakArgs(OptionalInt.of(30), OptionalInt.of(50), true, -7));
        assertThat(a.replay()).isEqualTo("java -jar ha-examples/target/hapg-demo.jar soak --minutes 30 --faults 50"
                + " --sync on --seed -7");
    }

    @Test
    void defaultsAreAsyncAndTheGivenSeed() {
        assertThat(SoakArgs.parse(new String[] {"--faults", "3"}, 42))
                .isEqualTo(new SoakArgs(OptionalInt.empty(), OptionalInt.of(3), false, 42));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--minutes x                  | --minutes needs a whole number of minutes from 1 to 525600, got 'x'",
        "--minutes 0                  | --minutes needs a whole number of minutes from 1 to 525600, got '0'",
        "--faults -1                  | --faults needs a whole number of faults from 1 to 2147483647, got '-1'",
        "--faults 3 --sync yes        | --sync needs on or off, got 'yes'",
        "--faults 3 --seed 1.5        | --seed needs a whole number, got '1.5'",
        "--faults 3 --seed            | --seed needs a value",
        "--faults 3 --fault 4         | unknown argument '--fault'",
        "--faults 3 --faults 4        | --faults given twice",
        "--sync on                    | give --minutes N or --faults K (or both)",
    })
    void badFlagsExitWithTwoAndNameTheFlag(String args, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SoakMain.run(args.trim().split(" +"), print(out), print(err));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("hapg soak: " + message + "\n")
                .contains(SoakArgs.USAGE);
        assertThat(out.toString(StandardCharsets.UTF_8)).as("nothing started").isEmpty();
    }

    @Test
    void helpPrintsTheUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(SoakMain.run(new String[] {"--help"}, print(out), print(new ByteArrayOutputStream()))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(SoakArgs.USAGE);
    }

    private static PrintStream print(ByteArrayOutputStream to) {
        return new PrintStream(to, true, StandardCharsets.UTF_8);
    }
}
