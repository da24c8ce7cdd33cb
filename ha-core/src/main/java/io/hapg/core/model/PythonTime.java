package io.hapg.core.model;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Times as Patroni writes them: Python's {@code datetime.isoformat()} of an aware time, so that a
 * key or document hapg writes reads the same as Patroni's (Patroni itself parses either form).
 */
public final class PythonTime {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx");
    private static final DateTimeFormatter MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxxx");

    private PythonTime() {
    }

    /**
     * {@code at} in UTC as {@code isoformat()} writes it: {@code 2026-05-01T10:00:00+00:00}, with
     * six fraction digits ({@code .250000}) only when the time has a fraction (Python keeps
     * microseconds; finer digits are dropped).
     */
    public static String isoformat(Instant at) {
        OffsetDateTime t = at.atOffset(ZoneOffset.UTC);
        return t.getNano() / 1000 == 0 ? t.format(SECONDS) : t.format(MICROS);
    }
}
