package io.hapg.agent.logging;

import ch.qos.logback.classic.pattern.DateConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Logback's {@code %d{pattern}}, with the text around the milliseconds formatted once per second.
 * Logback formats the whole date again for every millisecond, and the JDK formats {@code SSS}
 * through {@link java.math.BigDecimal}: that was a tenth of an idle agent's loop CPU, for the one
 * line it logs per iteration. The output is the same as Logback's.
 *
 * <p>Only a pattern option, with at most one {@code SSS} and no other sub-second field
 * ({@code S n N A}) or optional section, takes the fast path; anything else (a time zone or locale
 * option, {@code ISO8601}) is formatted by Logback's own converter.
 */
public final class SecondCachingDateConverter extends DateConverter {
    private DateTimeFormatter before; // the pattern up to its SSS (all of it when it has none); null: Logback's way
    private DateTimeFormatter after; // the pattern after its SSS; null when it has none
    private ZoneId zone;
    private volatile Second cached;

    /** The text around the milliseconds for one second since the epoch. */
    private record Second(long epochSecond, String before, String after) {
    }

    @Override
    public void start() {
        super.start();
        List<String> options = getOptionList();
        if (options == null || options.size() != 1) {
            return;
        }
        String pattern = options.get(0);
        int at = millisecondsAt(pattern);
        if (at == -2 || pattern.equals("ISO8601") || pattern.equals("STRICT")) {
            return;
        }
        zone = ZoneId.systemDefault();
        if (at == -1) {
            before = DateTimeFormatter.ofPattern(pattern);
        } else {
            before = DateTimeFormatter.ofPattern(pattern.substring(0, at));
            after = DateTimeFormatter.ofPattern(pattern.substring(at + 3));
        }
    }

    @Override
    public String convert(ILoggingEvent event) {
        if (before == null) {
            return super.convert(event);
        }
        long millis = event.getTimeStamp();
        long second = Math.floorDiv(millis, 1000L);
        Second s = cached;
        if (s == null || s.epochSecond() != second) {
            ZonedDateTime t = Instant.ofEpochSecond(second).atZone(zone);
            s = new Second(second, before.format(t), after == null ? null : after.format(t));
            cached = s;
        }
        if (s.after() == null) {
            return s.before();
        }
        int ms = (int) Math.floorMod(millis, 1000L);
        return new StringBuilder(s.before().length() + 3 + s.after().length()).append(s.before())
                .append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10)).append((char) ('0' + ms % 10))
                .append(s.after()).toString();
    }

    /** Whether this pattern takes the fast path (started). */
    boolean formatsOncePerSecond() {
        return before != null;
    }

    /**
     * Where the pattern's one {@code SSS} starts; -1 when it has no sub-second field; -2 when the
     * fast path cannot take it (another sub-second field, a different fraction width, an optional
     * section, an unclosed quote).
     */
    static int millisecondsAt(String pattern) {
        int found = -1;
        boolean quoted = false;
        for (int i = 0; i < pattern.length(); ) {
            char c = pattern.charAt(i);
            if (c == '\'') {
                quoted = !quoted; // '' inside or outside quotes toggles twice: a literal quote
                i++;
                continue;
            }
            if (quoted) {
                i++;
                continue;
            }
            if (c == '[' || c == ']' || c == '{' || c == '}' || c == '#') {
                return -2;
            }
            int end = i;
            while (end < pattern.length() && pattern.charAt(end) == c) {
                end++;
            }
            if (c == 'n' || c == 'N' || c == 'A') {
                return -2;
            }
            if (c == 'S') {
                if (end - i != 3 || found != -1) {
                    return -2;
                }
                found = i;
            }
            i = end;
        }
        return quoted ? -2 : found;
    }
}
