package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The replica pool refuses what the primary pool refuses, with the same messages. */
class ReplicaDataSourceBuilderTest {
    private final FixedLocator locator = new FixedLocator("shop", Optional.empty(), List.of());

    @Test
    void namesTheFieldThatIsWrong() {
        assertThatThrownBy(() -> ReplicaDataSource.builder(locator).build()).hasMessage("user: required");
        assertThatThrownBy(() -> ReplicaDataSource.builder(locator).user("app").database(" ").build())
                .hasMessage("database: required");
        assertThatThrownBy(() -> ReplicaDataSource.builder(locator).user("app").socketTimeout(java.time.Duration.ZERO)
                .build()).hasMessageContaining("socketTimeout must be positive");
        assertThatThrownBy(() -> ReplicaDataSource.builder(locator).user("app").pgProperty("user", "root").build())
                .hasMessageContaining("pgProperties: 'user' is decided by the pool");
        assertThatThrownBy(() -> ReplicaDataSource.builder(locator).pgProperty(null, "x"))
                .isInstanceOf(NullPointerException.class).hasMessage("pgProperty key");
        assertThatThrownBy(() -> ReplicaDataSource.builder(locator).pgProperty("sslmode", null))
                .isInstanceOf(NullPointerException.class).hasMessage("pgProperty value for sslmode");
    }

    @Test
    void refusesHikariSettingsThatWouldChooseTheServer() {
        HikariConfig jndi = new HikariConfig();
        jndi.setDataSourceJNDI("java:comp/env/jdbc/shop");
        assertThatThrownBy(() -> ReplicaDataSource.builder(locator).hikari(jndi).user("app").build())
                .hasMessageContaining("dataSourceJNDI");
        HikariConfig override = new HikariConfig();
        override.setExceptionOverrideClassName(NeverEvict.class.getName());
        assertThatThrownBy(() -> ReplicaDataSource.builder(locator).hikari(override).user("app").build())
                .hasMessageContaining("hikari.exceptionOverrideClassName");
    }

    /** An application's override, named by class (HikariCP instantiates it when the name is set). */
    public static final class NeverEvict implements com.zaxxer.hikari.SQLExceptionOverride {
    }
}
