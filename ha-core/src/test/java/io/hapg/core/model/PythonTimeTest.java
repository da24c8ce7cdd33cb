package io.hapg.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class PythonTimeTest {
    @Test
    void writesWhatPythonsIsoformatWrites() {
        // datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc).isoformat()
        assertThat(PythonTime.isoformat(Instant.parse("2030-01-02T03:04:05Z"))).isEqualTo("2030-01-02T03:04:05+00:00");
        // ... microsecond=250000: six digits, never Java's shortest form
        assertThat(PythonTime.isoformat(Instant.parse("2030-01-02T03:04:05.25Z")))
                .isEqualTo("2030-01-02T03:04:05.250000+00:00");
        // Python has no nanoseconds: a time below a microsecond's fraction is written as whole seconds.
        assertThat(PythonTime.isoformat(Instant.parse("2030-01-02T03:04:05.000000500Z")))
                .isEqualTo("2030-01-02T03:04:05+00:00");
    }
}
