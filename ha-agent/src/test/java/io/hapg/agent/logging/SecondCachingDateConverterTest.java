package io.hapg.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.pattern.DateConverter;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

class SecondCachingDateConverterTest {
    /** The first FAST patterns take the fast path. */
    private static final int FAST = 6;
    private static final List<String> PATTERNS = List.of(
            "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", // hapg's default line
            "yyyy-MM-dd HH:mm:ss,SSS", // Python's asctime
            "SSS", // Python's msecs
            "HH:mm:ss", // a dateformat without milliseconds
            "'at' HH:mm:ss.SSS 'o''clock' z",
            "EEE MMM d HH:mm:ss.SSS yyyy",
            // the fast path does not take these: Logback formats them
            "HH:mm:ss.SS", "HH:mm:ss.SSSSSS", "ss.SSS SSS", "HH:mm[:ss]", "'unclosed SSS", "ISO8601");

    @Test
    void formatsAsLogbackDoesAcrossSecondsAndADaylightSavingChange() {
        TimeZone saved = TimeZone.getDefault();
        try {
            for (String zone : List.of("UTC", "Europe/Berlin", "Asia/Kolkata")) {
                TimeZone.setDefault(TimeZone.getTimeZone(zone));
                for (String pattern : PATTERNS) {
                    DateConverter logback = start(new DateConverter(), pattern);
                    SecondCachingDateConverter fast = start(new SecondCachingDateConverter(), pattern);
                    assertThat(fast.formatsOncePerSecond()).as(pattern).isEqualTo(PATTERNS.indexOf(pattern) < FAST);
                    for (long millis : instants()) {
                        LoggingEvent event = new LoggingEvent();
                        event.setTimeStamp(millis);
                        assertThat(fast.convert(event)).as("%s in %s at %s", pattern, zone, Instant.ofEpochMilli(millis))
                                .isEqualTo(logback.convert(event));
                    }
                }
            }
        } finally {
            TimeZone.setDefault(saved);
        }
    }

    @Test
    void findsTheOneMillisecondFieldOutsideQuotes() {
        assertThat(SecondCachingDateConverter.millisecondsAt("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")).isEqualTo(22);
        assertThat(SecondCachingDateConverter.millisecondsAt("'SSS' HH:mm:ss")).isEqualTo(-1);
        assertThat(SecondCachingDateConverter.millisecondsAt("'it''s' SSS")).isEqualTo(8);
        assertThat(SecondCachingDateConverter.millisecondsAt("HH:mm:ss.SS")).isEqualTo(-2);
        assertThat(SecondCachingDateConverter.millisecondsAt("HH:mm:ss n")).isEqualTo(-2);
        assertThat(SecondCachingDateConverter.millisecondsAt("HH:mm[:ss]")).isEqualTo(-2);
    }

    /** Random times, the milliseconds around second boundaries, and Berlin's 2026 spring and autumn changes. */
    private static List<Long> instants() {
        List<Long> out = new ArrayList<>();
        Random random = new Random(14);
        for (int i = 0; i < 200; i++) {
            out.add(1_700_000_000_000L + (long) (random.nextDouble() * 100_000_000_000L));
        }
        for (long base : new long[] {Instant.parse("2026-03-29T00:59:58Z").toEpochMilli(),
                Instant.parse("2026-10-25T00:59:58Z").toEpochMilli(), 1_764_900_000_000L}) {
            for (long d = 0; d < 4_000; d += 7) {
                out.add(base + d);
            }
            out.add(base + 999);
            out.add(base + 1000);
            out.add(base + 1001);
        }
        return out;
    }

    private static <T extends DateConverter> T start(T converter, String pattern) {
        converter.setContext(new LoggerContext());
        converter.setOptionList(List.of(pattern));
        converter.start();
        return converter;
    }
}
