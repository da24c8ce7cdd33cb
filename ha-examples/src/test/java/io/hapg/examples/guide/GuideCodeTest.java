package io.hapg.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The guides' Java is the tests' Java: every fenced {@code java} block of EMBEDDING.md must appear,
 * whitespace aside, in a test that runs in CI. A line that is just {@code ...} in a block stands for
 * code left out; the pieces around it must each appear.
 */
class GuideCodeTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    /** The tests the guide quotes. */
    private static final List<Path> SOURCES = List.of(
            ROOT.resolve("ha-examples/src/test/java/io/hapg/examples/guide/ShopOnAClusterIT.java"),
            ROOT.resolve("ha-agent/src/test/java/io/hapg/agent/HapgAgentIT.java"));

    @Test
    void everyJavaBlockOfTheEmbeddingGuideIsInATest() throws IOException {
        String guide = Files.readString(ROOT.resolve("EMBEDDING.md"));
        StringBuilder tests = new StringBuilder();
        for (Path source : SOURCES) {
            tests.append(normalized(Files.readString(source))).append(' ');
        }
        List<String> pieces = pieces(guide);
        assertThat(pieces).as("java blocks in EMBEDDING.md").hasSizeGreaterThanOrEqualTo(4);
        for (String piece : pieces) {
            assertThat(tests.toString()).as("EMBEDDING.md quotes code no test has").contains(normalized(piece));
        }
    }

    private static List<String> pieces(String markdown) {
        List<String> pieces = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(markdown);
        while (m.find()) {
            StringBuilder piece = new StringBuilder();
            for (String line : m.group(1).split("\n")) {
                if (line.strip().equals("...")) {
                    pieces.add(piece.toString());
                    piece.setLength(0);
                } else {
                    piece.append(line).append('\n');
                }
            }
            pieces.add(piece.toString());
        }
        pieces.removeIf(p -> p.isBlank());
        return pieces;
    }

    private static String normalized(String code) {
        return code.replaceAll("\\s+", " ").strip();
    }
}
