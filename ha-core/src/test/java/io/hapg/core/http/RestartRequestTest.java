package io.hapg.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.core.http.NodeControl.RestartRequest;
import io.hapg.core.model.DatabaseState;
import io.hapg.core.testing.Databases;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Patroni's {@code restart_matches}: the conditions of {@code POST /restart}. */
class RestartRequestTest {
    private static RestartRequest request(String role, String version, boolean pending) {
        return new RestartRequest(Optional.ofNullable(role), Optional.ofNullable(version), Optional.empty(), pending,
                Optional.empty());
    }

    @Test
    void versionsReadLikeServerVersionNum() {
        assertThat(RestartRequest.versionNumber("15.4")).isEqualTo(150004);
        assertThat(RestartRequest.versionNumber("16")).isEqualTo(160000);
        assertThat(RestartRequest.versionNumber("9.6.1")).isEqualTo(90601);
        assertThat(RestartRequest.versionNumber(" 10.22 ")).isEqualTo(100022);
    }

    @Test
    void eachConditionMustHold() {
        DatabaseState db = Databases.primary().build().withServer(150004, false);
        assertThat(request(null, null, false).unmetCondition("primary", db)).isEmpty();
        assertThat(request("replica", null, false).unmetCondition("primary", db)).contains("host role mismatch");
        assertThat(request(null, "15.5", false).unmetCondition("primary", db)).isEmpty();
        assertThat(request(null, "15.4", false).unmetCondition("primary", db)).contains("postgres version mismatch");
        assertThat(request(null, null, true).unmetCondition("primary", db))
                .contains("pending restart flag is not set");
        assertThat(request("primary", "16.1", true).unmetCondition("primary", db.withServer(150004, true))).isEmpty();
        assertThat(request(null, "16.1", false).unmetCondition("primary", Databases.primary().build()))
                .as("version unknown (0): older than any").isEmpty();
    }
}
