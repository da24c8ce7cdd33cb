package io.hapg.agent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The expected lines are Python 3's {@code difflib.unified_diff} of the same inputs, as patronictl prints them. */
class UnifiedDiffTest {

    @Test
    void twoHunksWhenTheChangesAreMoreThanSixLinesApart() {
        assertThat(UnifiedDiff.of(lines("a b c d e f g h i j k l m n"), lines("a b c D e f g h i j k l m2 n")))
                .containsExactly("--- ", "+++ ", "@@ -1,7 +1,7 @@", " a", " b", " c", "-d", "+D", " e", " f", " g",
                        "@@ -10,5 +10,5 @@", " j", " k", " l", "-m", "+m2", " n");
    }

    @Test
    void equalTextsGiveNoLinesAndAnEmptyStartIsLineZero() {
        assertThat(UnifiedDiff.of(lines("x y"), lines("x y"))).isEmpty();
        assertThat(UnifiedDiff.of(List.of(), List.of("a"))).containsExactly("--- ", "+++ ", "@@ -0,0 +1 @@", "+a");
    }

    @Test
    void repeatedLinesArePairedAsDifflibPairsThem() {
        // An LCS would keep "a" and show the b's moving; difflib keeps the longest run, "b b".
        assertThat(UnifiedDiff.of(lines("a b b b c"), lines("b b a c")))
                .containsExactly("--- ", "+++ ", "@@ -1,5 +1,4 @@", "-a", " b", " b", "-b", "+a", " c");
    }

    private static List<String> lines(String words) {
        return List.of(words.split(" "));
    }
}
