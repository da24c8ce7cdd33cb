package io.hapg.examples.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A short soak, in process: {@code soak --faults 3 --seed 1} on a real three-node cluster passes
 * every fault's checks, prints a line per fault, the table and the verdict, and stops every
 * process it started.
 */
@Timeout(value = 360, unit = TimeUnit.SECONDS)
class SoakIT {
    @Test
    void threeFaultsPassAndTheTableIsPrinted() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(captured, true, StandardCharsets.UTF_8);

        int code = SoakMain.run(new String[] {"--faults", "3", "--seed", "1"}, both, both);

        String text = captured.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertThat(code).as(text).isZero();
        for (int i = 1; i <= 3; i++) {
            assertThat(text).as(text).containsPattern("(?m)^#" + i + " .* target .* gap .* PASS$");
        }
        assertThat(text).contains("fault ", " count ", " median gap ms ", " lost ", " split-brain ")
                .containsPattern("(?m)^all faults +3 +\\d+ +- +0 ")
                .contains("soak verdict: PASS - 3 faults", "seed 1; replay: java -jar ha-examples/target/hapg-demo.jar"
                        + " soak --faults 3 --sync off --seed 1")
                .contains("stopped all ");
    }
}
