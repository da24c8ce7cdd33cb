package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FailoverExceptionOverrideTest {
    private final AtomicInteger refreshes = new AtomicInteger();
    private final FailoverExceptionOverride override = new FailoverExceptionOverride(refreshes::incrementAndGet);

    @Test
    void evictsConnectionsThatLostTheirPrimaryAndAsksTheLocator() {
        for (String state : new String[] {"08006", "08001", "08S02", "08007", "57P01", "57P02", "57P03", "25006"}) {
            assertThat(override.adjudicate(new SQLException("x", state))).as(state)
                    .isEqualTo(SQLExceptionOverride.Override.MUST_EVICT);
        }
        assertThat(refreshes).hasValue(8);
    }

    @Test
    void leavesOtherErrorsToHikarisRules() {
        for (String state : new String[] {"23505", "40001", "42P01", "57014"}) {
            assertThat(override.adjudicate(new SQLException("x", state))).as(state)
                    .isEqualTo(SQLExceptionOverride.Override.CONTINUE_EVICT);
        }
        assertThat(refreshes).hasValue(0);
    }

    @Test
    void theApplicationsOwnOverrideDecidesTheRest() {
        FailoverExceptionOverride chained = new FailoverExceptionOverride(() -> { }, new SQLExceptionOverride() {
            @java.lang.Override
            public SQLExceptionOverride.Override adjudicate(SQLException e) {
                return SQLExceptionOverride.Override.DO_NOT_EVICT;
            }
        });
        assertThat(chained.adjudicate(new SQLException("x", "23505"))).isEqualTo(SQLExceptionOverride.Override.DO_NOT_EVICT);
        assertThat(chained.adjudicate(new SQLException("x", "08006"))).isEqualTo(SQLExceptionOverride.Override.MUST_EVICT);
    }
}
