package io.hapg.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hapg.agent.config.ConfigLoader;
import io.hapg.agent.config.LogBinderTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone agent's logging on the real Logback: the jar's default lines, Patroni's
 * {@code log:} section (file, rotation, format, levels, tracebacks, heartbeats) and the JUL bridge.
 * Each test leaves the test configuration (logback-test.xml) as it found it.
 */
@ExtendWith(RestoreLogback.class)
class AgentLoggingTest {
    /** hapg's default line: ISO-8601 timestamp with milliseconds and offset, level, thread, logger. */
    static final Pattern DEFAULT_LINE = Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) [A-Z]{4,5} +\\[[^]]+] \\S+ - .*");

    @TempDir
    Path dir;


    @Test
    void theJarsDefaultWritesTimestampedLinesToStderrJulLinesToo() {
        String err = stderrOf(() -> {
            AgentLogging.installDefaults();
            LoggerFactory.getLogger("io.hapg.test.defaults").info("hello");
            java.util.logging.Logger.getLogger("io.grpc.netty.TcpMetrics").info("Epoll available");
            LoggerFactory.getLogger("io.hapg.test.defaults").debug("not at INFO");
        });
        List<String> lines = err.lines().collect(Collectors.toList());
        assertThat(lines).hasSize(2).allMatch(l -> DEFAULT_LINE.matcher(l).matches(), "hapg's default line");
        String thread = "[" + Thread.currentThread().getName() + "]";
        assertThat(lines.get(0)).contains(" INFO  " + thread + " io.hapg.test.defaults - hello");
        assertThat(lines.get(1)).contains(" INFO  " + thread + " io.grpc.netty.TcpMetrics - Epoll available");
        assertThat(LogSection.defaultPattern(LogSection.ISO_DATE)).as("the XML's pattern, as built in code")
                .isEqualTo(defaultXmlPattern().replace("%n", ""));
    }

    @Test
    void aDirGetsPatroniLogWithTimestampedLinesRotatedBySize() throws Exception {
        apply("{dir: " + dir + ", level: DEBUG, file_size: 2000, file_num: 2}");
        Logger log = LoggerFactory.getLogger("io.hapg.test.rotation");
        for (int i = 0; i < 300; i++) {
            log.debug("line {} {}", i, "x".repeat(50));
            if (i % 15 == 0) {
                Thread.sleep(LogbackSetup.SIZE_CHECK_MILLIS + 20); // the file's size is checked at most this often
            }
        }
        assertThat(files()).containsExactlyInAnyOrder("patroni.log", "patroni.log.1", "patroni.log.2");
        for (String name : files()) {
            List<String> lines = Files.readAllLines(dir.resolve(name));
            assertThat(lines).isNotEmpty().allMatch(l -> DEFAULT_LINE.matcher(l).matches(), "hapg's default line");
            // At most one batch of 15 lines (about 130 bytes each) past file_size before a check sees it.
            assertThat(Files.size(dir.resolve(name))).isLessThan(2000 + 15 * 160);
        }
        assertThat(Files.readAllLines(dir.resolve("patroni.log"))).last().asString()
                .contains(" DEBUG [" + Thread.currentThread().getName() + "] io.hapg.test.rotation - line 299 xxx");
    }

    @Test
    void patronisFormatLevelsAndLoggersApply() throws Exception {
        apply("{dir: " + dir + ", level: WARNING, format: '%(asctime)s %(levelname)s: %(name)s: %(message)s',"
                + " dateformat: '%H:%M:%S', loggers: {io.hapg.test.chatty: DEBUG}}");
        LoggerFactory.getLogger("io.hapg.test.quiet").info("dropped at WARNING");
        LoggerFactory.getLogger("io.hapg.test.quiet").warn("kept");
        LoggerFactory.getLogger("io.hapg.test.chatty").debug("kept at DEBUG");
        java.util.logging.Logger.getLogger("io.grpc.test").warning("through the bridge");
        java.util.logging.Logger.getLogger("io.grpc.test").info("dropped at WARNING too");
        List<String> lines = Files.readAllLines(dir.resolve("patroni.log"));
        assertThat(lines).filteredOn(l -> !l.contains("logging at")).hasSize(3)
                .allMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d [A-Z]+: .*"), "Patroni's format");
        assertThat(String.join("\n", lines)).contains("WARN: io.hapg.test.quiet: kept")
                .contains("DEBUG: io.hapg.test.chatty: kept at DEBUG")
                .contains("WARN: io.grpc.test: through the bridge").doesNotContain("dropped");
    }

    @Test
    void belowTheTracebackLevelAnExceptionIsOneLine() throws Exception {
        apply("{dir: " + dir + ", traceback_level: DEBUG, loggers: {io.hapg.test.debugging: DEBUG}}");
        LoggerFactory.getLogger("io.hapg.test.plain").error("cannot reach etcd", new IOException("refused\nbadly"));
        LoggerFactory.getLogger("io.hapg.test.debugging").error("cannot reach etcd", new IOException("refused"));
        List<String> lines = Files.readAllLines(dir.resolve("patroni.log"));
        assertThat(lines).anyMatch(l -> l.endsWith("io.hapg.test.plain - cannot reach etcd,"
                + " DETAIL: 'java.io.IOException: refused badly'"));
        int traced = indexOf(lines, "io.hapg.test.debugging - cannot reach etcd");
        assertThat(lines.get(traced)).endsWith("cannot reach etcd");
        assertThat(lines.get(traced + 1)).isEqualTo("java.io.IOException: refused");
        assertThat(lines.get(traced + 2)).startsWith("\tat io.hapg.agent.logging.AgentLoggingTest.");
        assertThat(lines.subList(0, traced)).noneMatch(l -> l.startsWith("\tat "));
    }

    @Test
    void atTheDefaultTracebackLevelEveryExceptionHasItsTrace() throws Exception {
        apply("{dir: " + dir + "}");
        LoggerFactory.getLogger("io.hapg.test.plain").warn("retrying", new IOException("refused"));
        assertThat(Files.readAllLines(dir.resolve("patroni.log"))).contains("java.io.IOException: refused")
                .anyMatch(l -> l.startsWith("\tat io.hapg.agent.logging.AgentLoggingTest."));
    }

    @Test
    void repeatedHeartbeatsAreWrittenOnceWhenAsked() throws Exception {
        apply("{dir: " + dir + ", deduplicate_heartbeat_logs: true}");
        Logger loop = LoggerFactory.getLogger(HeartbeatFilter.LOOP_LOGGER);
        String steady = "shop/n0: no action: I am the leader with the lock";
        loop.info(steady);
        loop.info(steady);
        loop.info(steady);
        loop.info("shop/n0: demoting");
        loop.info(steady);
        List<String> lines = Files.readAllLines(dir.resolve("patroni.log"));
        assertThat(lines.stream().filter(l -> l.endsWith(steady))).hasSize(2);
        assertThat(lines).anyMatch(l -> l.endsWith("shop/n0: demoting"));
    }

    @Test
    void aUserConfigurationFileWinsAndTheSectionIsOnlyWarnedAbout() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.setContext(context);
        seen.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(seen);
        System.setProperty("logback.configurationFile", dir.resolve("mine.xml").toString());
        try {
            AgentLogging.installDefaults();
            apply("{dir: " + dir + ", level: DEBUG}");
            AgentLogging.quiet();
        } finally {
            System.clearProperty("logback.configurationFile");
        }
        assertThat(Files.exists(dir.resolve("patroni.log"))).isFalse();
        assertThat(seen.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "the log: section is not applied: -Dlogback.configurationFile=" + dir.resolve("mine.xml")
                        + " configures logging");
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel().toString()).isEqualTo("INFO");
    }

    private void apply(String section) {
        AgentLogging.installDefaults();
        AgentLogging.apply(ConfigLoader.parse(LogBinderTest.NODE + "log: " + section + "\n").config().log());
    }

    private List<String> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toList());
        }
    }

    private static int indexOf(List<String> lines, String fragment) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(fragment)) {
                return i;
            }
        }
        throw new AssertionError("no line contains '" + fragment + "': " + lines);
    }

    private static String defaultXmlPattern() {
        try (var in = AgentLogging.class.getClassLoader().getResourceAsStream(LogbackSetup.DEFAULT_CONFIG)) {
            String xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return xml.substring(xml.indexOf("<pattern>") + "<pattern>".length(), xml.indexOf("</pattern>"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String stderrOf(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
