package io.hapg.agent.logging;

import java.util.Locale;
import java.util.Optional;

/**
 * A log level as Patroni's {@code log.level}, {@code log.traceback_level} and {@code log.loggers}
 * name it (Python's logging names), in Logback's terms: Python has no TRACE, WARNING is WARN and
 * CRITICAL, which Logback lacks, is ERROR. NOTSET (Python: everything) is ALL.
 */
public enum LogLevel {
    ALL, DEBUG, INFO, WARN, ERROR;

    /**
     * The level a Patroni level name means, case-insensitively: DEBUG, INFO, WARNING (or WARN),
     * ERROR, CRITICAL (or FATAL), NOTSET.
     *
     * @return empty for any other text
     */
    public static Optional<LogLevel> ofPatroni(String name) {
        switch (name.strip().toUpperCase(Locale.ROOT)) {
            case "NOTSET":
                return Optional.of(ALL);
            case "DEBUG":
                return Optional.of(DEBUG);
            case "INFO":
                return Optional.of(INFO);
            case "WARNING":
            case "WARN":
                return Optional.of(WARN);
            case "ERROR":
            case "CRITICAL":
            case "FATAL":
                return Optional.of(ERROR);
            default:
                return Optional.empty();
        }
    }
}
