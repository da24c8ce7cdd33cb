package io.hapg.core.http;

import io.hapg.core.http.Request.BadRequest;
import io.hapg.core.model.PythonTime;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Patroni's {@code parse_schedule}: an ISO 8601 timestamp with a time zone, not in the past;
 * and Python's {@code isoformat()} for writing one back.
 */
final class Schedules {

    private Schedules() {
    }

    /**
     * @param action {@code switchover} or {@code restart}, for the messages
     * @throws BadRequest 400 without a time zone; 422 when unparseable or in the past (Patroni's codes)
     */
    static Instant parse(Object value, String action, Instant now) {
        String text = value == null ? "" : value.toString().strip();
        if (text.length() > 10 && text.charAt(10) == ' ') {
            text = text.substring(0, 10) + "T" + text.substring(11);
        }
        Instant at;
        try {
            at = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            if (isLocal(text)) {
                throw new BadRequest(400, "Timezone information is mandatory for the scheduled " + action);
            }
            throw new BadRequest(422,
                    "Unable to parse scheduled timestamp. It should be in an unambiguous format, e.g. ISO 8601");
        }
        if (at.isBefore(now)) {
            throw new BadRequest(422, "Cannot schedule " + action + " in the past");
        }
        return at;
    }

    private static boolean isLocal(String text) {
        try {
            LocalDateTime.parse(text, DateTimeFormatter.ISO_LOCAL_DATE_TIME);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** {@code 2026-05-01T10:00:00+00:00}, as Python's {@code datetime.isoformat()} writes it. */
    static String format(Instant at) {
        return PythonTime.isoformat(at);
    }
}
