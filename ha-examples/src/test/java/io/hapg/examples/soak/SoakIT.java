package io.hapg.examples.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The short soak CI runs (issue #12: at least 10 faults), in process: {@code soak --faults 10
 * --sync on --seed 7} on a real three-node cluster passes every fault's checks (no two primaries,
 * no acknowledged commit lost, convergence), prints a line per fault, the table and the verdict,
 * and stops every process it started. About 5 minutes here; a loaded machine takes longer.
 */
@Timeout(value = 1200, unit = TimeUnit.SECONDS)
class SoakIT {
    @Test
    void tenFaultsInSynchronousModePassAndTheTableIsPrinted() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(captured, true, StandardCharsets.UTF_8);

        int code = SoakMain.run(new String[] {"--faults", "10", "--sync", "on", "--seed", "7"}, both, both);

        String text = captured.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertThat(code).as(text).isZero();
        for (int i = 1; i <= 10; i++) {
            assertThat(text).as(text).containsPattern("(?m)^#" + i + " .* target .* gap .* PASS$");
        }
        assertThat(text).contains("fault ", " count ", " median gap ms ", " lost ", " split-brain ")
                .containsPattern("(?m)^all faults +10 +\\d+ +0 +0 ")
                .contains("soak verdict: PASS - 10 faults", "no acknowledged commit lost", "seed 7; replay: java -jar"
                        + " ha-examples/target/hapg-demo.jar soak --faults 10 --sync on --seed 7")
                .contains("stopped all ");
    }
}
