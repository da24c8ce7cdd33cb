package io.hapg.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PrimaryDataSourceConfigTest {
    private final FixedLocator locator = new FixedLocator("shop", Optional.empty(), List.of());

    @Test
    void refusesAUrlOrDataSourceBecauseTheLocatorDecides() {
        HikariConfig h = new HikariConfig();
        h.setJdbcUrl("jdbc:postgresql://10.0.0.1/x");
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).hikari(h).user("app").build())
                .hasMessageContaining("hikari.jdbcUrl must not be set");
        HikariConfig d = new HikariConfig();
        d.setDriverClassName("org.postgresql.Driver");
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).hikari(d).user("app").build())
                .hasMessageContaining("driverClassName must not be set");
    }

    @Test
    void namesTheFieldThatIsWrong() {
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).build()).hasMessage("user: required");
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).user("app").connectTimeout(Duration.ZERO)
                .build()).hasMessageContaining("connectTimeout must be positive");
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).user("app").pgProperty("targetServerType",
                "any").build()).hasMessageContaining("pgProperties: 'targetServerType' is decided by the pool");
    }

    @Test
    void neverPrintsThePassword() {
        assertThat(PrimaryDataSourceConfig.builder(locator).user("app").password("s3cret").build().toString())
                .doesNotContain("s3cret").contains("******");
    }

    @Test
    void withoutAPrimaryGetConnectionWaitsThenSaysSo() {
        HikariConfig h = new HikariConfig();
        h.setConnectionTimeout(300);
        try (PrimaryDataSource ds = PrimaryDataSource.start(PrimaryDataSourceConfig.builder(locator).hikari(h)
                .user("app").build())) {
            long start = System.nanoTime();
            assertThatThrownBy(ds::getConnection).isInstanceOf(java.sql.SQLTransientConnectionException.class)
                    .hasMessageContaining("no primary for cluster shop within 300 ms");
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(250L, 3000L);
            assertThat(ds.currentPrimary()).isEmpty();
        }
    }

    @Test
    void refusesAMisspeltOrUnknownPgjdbcPropertyAtBuildTimeNamingIt() {
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).user("app").pgProperty("sslMode", "require")
                .build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'sslMode' is not a pgjdbc property").hasMessageContaining("'sslmode'");
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).user("app").pgProperty("sslmod", "require")
                .build()).hasMessageContaining("'sslmod' is not a pgjdbc property");
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).user("app").pgProperty("sslmode", "requird")
                .build()).hasMessageContaining("'sslmode' must be one of").hasMessageContaining("got 'requird'");
        assertThatThrownBy(() -> ReplicaDataSource.builder(locator).user("app").pgProperty("tcpKeepAlives", "true")
                .build()).hasMessageContaining("'tcpKeepAlives' is not a pgjdbc property");
        assertThat(PrimaryDataSourceConfig.builder(locator).user("app").pgProperty("sslmode", "require")
                .pgProperty("reWriteBatchedInserts", "true").build().pgProperties()).containsEntry("sslmode", "require");
    }
}
