package io.hapg.agent.logging;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Patroni's {@code log:} section as the standalone agent applies it ({@link AgentLogging#apply}).
 * Values are validated when the YAML is bound; {@link #pattern(long)} then translates.
 *
 * @param given          whether the file (or a {@code PATRONI_LOG_*} variable) had a {@code log:}
 *                       section at all; without one the jar's default configuration stays
 * @param level          the root logger's level ({@code log.level}, default INFO)
 * @param tracebackLevel {@code log.traceback_level} (default ERROR): an exception's stack trace is
 *                       printed when its logger has this level enabled, else only the exception's
 *                       one-line summary, as Patroni does
 * @param format         {@code log.format}, a Python logging format; empty: hapg's default line
 * @param dateformat     {@code log.dateformat}, a {@code strftime} pattern for the timestamp
 * @param dir            {@code log.dir}: lines go to {@code DIR/patroni.log} instead of stderr
 * @param fileSize       {@code log.file_size}: bytes after which {@code patroni.log} is rotated
 * @param fileNum        {@code log.file_num}: rotated files kept ({@code patroni.log.1} ...)
 * @param loggers        {@code log.loggers}: levels of named loggers (Java logger names, e.g.
 *                       {@code io.grpc} or {@code io.hapg.etcd})
 * @param deduplicateHeartbeats {@code log.deduplicate_heartbeat_logs}: a loop's "no action" line
 *                       that repeats the previous one unchanged is not written
 */
public record LogSection(boolean given, LogLevel level, LogLevel tracebackLevel, Optional<String> format,
                         Optional<String> dateformat, Optional<Path> dir, long fileSize, int fileNum,
                         Map<String, LogLevel> loggers, boolean deduplicateHeartbeats) {
    /** Patroni's defaults; {@link #given()} false. */
    public static final LogSection DEFAULTS = new LogSection(false, LogLevel.INFO, LogLevel.ERROR, Optional.empty(),
            Optional.empty(), Optional.empty(), 25_000_000, 4, Map.of(), false);
    /** The file in {@link #dir()}, named as Patroni names it. */
    public static final String FILE_NAME = "patroni.log";
    /** hapg's timestamp when no {@code dateformat} is given: ISO-8601 with milliseconds and offset. */
    static final String ISO_DATE = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

    public LogSection {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(tracebackLevel, "tracebackLevel");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(dateformat, "dateformat");
        Objects.requireNonNull(dir, "dir");
        loggers = Map.copyOf(loggers);
        if (fileSize < 1 || fileNum < 1) {
            throw new IllegalArgumentException("file_size and file_num must be at least 1");
        }
    }

    /**
     * The Logback pattern of one line but its exception and line end: {@link #format()} translated,
     * or hapg's default ({@code 2026-12-03T13:46:09.123Z INFO  [thread] logger - message}) with
     * {@link #dateformat()}, if given, as its timestamp.
     *
     * @param pid what {@code %(process)d} prints
     * @throws io.hapg.core.config.ConfigException naming the key that does not translate
     */
    public String pattern(long pid) {
        if (format.isPresent()) {
            return PythonLogFormat.toPattern(format.get(), dateformat, pid);
        }
        return defaultPattern(dateformat.map(PythonLogFormat::datePattern).orElse(ISO_DATE));
    }

    /** hapg's line with {@code datePattern} (a {@link java.time.format.DateTimeFormatter} pattern). */
    static String defaultPattern(String datePattern) {
        return "%d{\"" + datePattern + "\"} %-5level [%thread] %logger{36} - %msg";
    }
}
