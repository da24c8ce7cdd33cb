package io.hapg.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.testkit.Pids;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo as a user runs it, as a process: {@code Main demo --exit-when-ready} brings up three
 * etcd members and three agents, prints the converged table, and on exit leaves no process behind.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DemoIT {
    private static final Pattern PROCESS = Pattern.compile("(etcd\\S*|agent n\\d|postmaster n\\d)(?: \\(pid \\d+\\))? (\\d+)");

    /**
     * Launched as the README's {@code java -jar ha-examples/target/hapg-demo.jar demo} is: with a class
     * path relative to the demo's working directory, while each agent runs in a directory of its
     * own (before the fix every agent died with "Could not find or load main class").
     */
    @Test
    void demoConvergesPrintsTheTableAndStopsEverythingItStarted(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("demo.out");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", relativeClasspath(dir), "io.hapg.examples.Main", "demo", "--exit-when-ready");
        Process demo = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        String out;
        try {
            boolean exited = demo.waitFor(270, TimeUnit.SECONDS);
            out = Files.readString(log);
            assertThat(exited).as("the demo did not exit; its output:%n%s", out).isTrue();
        } finally {
            if (demo.isAlive()) {
                demo.descendants().forEach(ProcessHandle::destroyForcibly);
                demo.destroyForcibly();
            }
        }
        assertThat(demo.exitValue()).as(out).isZero();

        String lastTable = lastTable(out);
        assertThat(count(lastTable, "\\| Leader +\\| running +\\|")).as(out).isEqualTo(1);
        // Synchronous mode: the last table may already name one replica the sync standby.
        assertThat(count(lastTable, "\\| (Replica|Sync Standby) +\\| streaming +\\|")).as(out).isEqualTo(2);
        assertThat(out).contains("is the primary (agent pid ").contains(" switchover --candidate ")
                .contains("curl -s -u hapg:demo -X POST http://127.0.0.1:");

        List<Long> pids = startedPids(out);
        assertThat(pids).as(out).hasSize(9); // 3 etcd members, 3 agents, 3 postmasters
        assertThat(out).contains("stopped all 9 processes");
        for (long pid : pids) {
            assertThat(Pids.isAlive(pid)).as("pid %d still runs after the demo exited", pid).isFalse();
        }
    }

    /** This JVM's class path with every entry relative to {@code from}. */
    private static String relativeClasspath(Path from) {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.isEmpty())
                .map(e -> from.toAbsolutePath().relativize(Path.of(e).toAbsolutePath()).toString())
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** The text from the last table's top rule to its bottom rule. */
    private static String lastTable(String out) {
        int start = out.lastIndexOf("+ Cluster: hapg-demo (");
        assertThat(start).as(out).isGreaterThanOrEqualTo(0);
        int end = out.indexOf("processes started by this demo", start);
        return out.substring(start, end < 0 ? out.length() : end);
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static List<Long> startedPids(String out) throws IOException {
        int start = out.indexOf("processes started by this demo");
        assertThat(start).as(out).isGreaterThanOrEqualTo(0);
        List<Long> pids = new ArrayList<>();
        for (String line : out.substring(start).lines().skip(1).toList()) {
            if (!line.startsWith("  ")) {
                break;
            }
            Matcher m = PROCESS.matcher(line);
            while (m.find()) {
                pids.add(Long.parseLong(m.group(2)));
            }
        }
        return pids;
    }
}
