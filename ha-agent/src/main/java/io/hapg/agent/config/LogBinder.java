package io.hapg.agent.config;

import io.hapg.agent.logging.LogLevel;
import io.hapg.agent.logging.LogSection;
import io.hapg.core.config.ConfigException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Binds Patroni's {@code log:} section. The format and date format are translated here already,
 * so that a value that does not translate fails {@code --validate-config} with its line instead of
 * the agent's start. {@code type}, {@code static_fields}, {@code max_queue_size} and {@code mode}
 * are {@link KeyRules}'s (warned).
 */
final class LogBinder {
    /** Logback's FixedWindowRollingPolicy keeps no more. */
    private static final int MAX_FILE_NUM = 20;
    private static final String LEVELS = "DEBUG, INFO, WARNING, ERROR or CRITICAL";

    private LogBinder() {
    }

    static LogSection bind(Section s) {
        LogSection d = LogSection.DEFAULTS;
        LogLevel level = s.take("level").map(LogBinder::level).orElse(d.level());
        LogLevel traceback = s.take("traceback_level").map(LogBinder::level).orElse(d.tracebackLevel());
        Optional<String> dateformat = s.string("dateformat").filter(f -> !f.isEmpty());
        Optional<String> format = s.take("format").flatMap(n -> {
            if (n.kind != YNode.Kind.SCALAR) {
                s.warn(n, "'" + n.path + "' " + Section.where(n) + " ignored: a list or mapping is for type json,"
                        + " which hapg does not write; hapg's default line is used");
                return Optional.empty();
            }
            return Optional.of(n.text);
        });
        Optional<Path> dir = s.file("dir");
        long fileSize = s.take("file_size").map(n -> atLeastOne(n, Section.integer(n))).orElse(d.fileSize());
        int fileNum = s.take("file_num").map(n -> {
            long v = atLeastOne(n, Section.integer(n));
            if (v > MAX_FILE_NUM) {
                s.warn(n, "'" + n.path + "' " + Section.where(n) + ": hapg keeps at most " + MAX_FILE_NUM
                        + " rotated files, not " + v);
            }
            return (int) Math.min(v, MAX_FILE_NUM);
        }).orElse(d.fileNum());
        Map<String, LogLevel> loggers = new LinkedHashMap<>();
        s.section("loggers").ifPresent(l -> l.entries().forEach((name, n) -> loggers.put(name, level(n))));
        boolean deduplicate = s.bool("deduplicate_heartbeat_logs").orElse(false);
        s.finish();
        LogSection section = new LogSection(true, level, traceback, format, dateformat, dir, fileSize, fileNum,
                loggers, deduplicate);
        try {
            section.pattern(0);
        } catch (ConfigException e) {
            throw e.atLine(s.peek(e.keyPath().substring(e.keyPath().lastIndexOf('.') + 1)).orElse(s.node()).line);
        }
        return section;
    }

    private static LogLevel level(YNode n) {
        String text = Section.text(n, LEVELS);
        return LogLevel.ofPatroni(text)
                .orElseThrow(() -> Section.error(n, "expected " + LEVELS + ", got '" + text + "'"));
    }

    private static long atLeastOne(YNode n, long v) {
        if (v < 1) {
            throw Section.error(n, "expected at least 1, got " + v);
        }
        return v;
    }
}
