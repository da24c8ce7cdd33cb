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
    void theHostMonitorIsOnByDefaultCanBeTurnedOffAndItsBoundsAreChecked() {
        PrimaryDataSourceConfig d = PrimaryDataSourceConfig.builder(locator).user("app").build();
        assertThat(d.hostMonitorEnabled()).isTrue();
        assertThat(d.hostMonitorTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(PrimaryDataSourceConfig.builder(locator).user("app").hostMonitorTimeout(Duration.ZERO)
                .build().hostMonitorEnabled()).isFalse();
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).user("app")
                .hostMonitorInterval(Duration.ofSeconds(2)).hostMonitorTimeout(Duration.ofSeconds(1)).build())
                .hasMessageContaining("hostMonitorTimeout must be 0 (off) or at least hostMonitorInterval");
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).user("app")
                .hostMonitorInterval(Duration.ZERO).build()).hasMessageContaining("hostMonitorInterval must be positive");
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

    @Test
    void hikariDataSourcePropertiesAndCredentialsBecomeThePoolsOwn() {
        HikariConfig h = new HikariConfig();
        h.addDataSourceProperty("sslmode", "require"); // spring.datasource.hikari.data-source-properties.sslmode
        h.setUsername("shop");
        h.setPassword("s3cret");
        PrimaryDataSourceConfig c = PrimaryDataSourceConfig.builder(locator).hikari(h).build();
        assertThat(c.pgProperties()).containsEntry("sslmode", "require");
        assertThat(c.user()).isEqualTo("shop");
        assertThat(c.password()).isEqualTo("s3cret");
        assertThat(h.getDataSourceProperties()).as("the caller's config is left alone").containsEntry("sslmode",
                "require");
        ReplicaDataSource.builder(locator).hikari(h).build().close();
    }

    @Test
    void hikariSettingsThePoolCannotHonourAreRefusedNamingTheSetting() {
        HikariConfig typo = new HikariConfig();
        typo.addDataSourceProperty("sslMode", "require");
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).hikari(typo).user("app").build())
                .hasMessageContaining("hikari.dataSourceProperties: 'sslMode' is not a pgjdbc property");
        assertThatThrownBy(() -> ReplicaDataSource.builder(locator).hikari(typo).user("app").build())
                .hasMessageContaining("hikari.dataSourceProperties: 'sslMode' is not a pgjdbc property");
        HikariConfig conflict = new HikariConfig();
        conflict.addDataSourceProperty("sslmode", "disable");
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).hikari(conflict).user("app")
                .pgProperty("sslmode", "require").build()).hasMessageContaining("hikari.dataSourceProperties: "
                + "'sslmode' is disable but pgProperty 'sslmode' is require");
        HikariConfig user = new HikariConfig();
        user.setUsername("other");
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).hikari(user).user("app").build())
                .hasMessageContaining("hikari.username 'other' differs from user 'app'");
        HikariConfig password = new HikariConfig();
        password.setPassword("pw-1");
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).hikari(password).user("app")
                .password("pw-2").build()).hasMessageContaining("hikari.password differs from password")
                .hasMessageNotContaining("pw-1").hasMessageNotContaining("pw-2");
        HikariConfig readOnly = new HikariConfig();
        readOnly.setReadOnly(true);
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).hikari(readOnly).user("app").build())
                .hasMessageContaining("hikari.readOnly=true");
        HikariConfig failFast = new HikariConfig();
        failFast.setInitializationFailTimeout(5000);
        assertThatThrownBy(() -> PrimaryDataSourceConfig.builder(locator).hikari(failFast).user("app").build())
                .hasMessageContaining("hikari.initializationFailTimeout 5000");
        HikariConfig direct = new HikariConfig();
        direct.addDataSourceProperty("sslmode", "require");
        assertThatThrownBy(() -> new PrimaryDataSourceConfig(direct, locator, "app", "", "postgres",
                java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(10),
                java.time.Duration.ofSeconds(30), true, java.util.Map.of()))
                .hasMessageContaining("hikari.dataSourceProperties: 'sslmode' is not among the pgjdbc properties");
    }
}
