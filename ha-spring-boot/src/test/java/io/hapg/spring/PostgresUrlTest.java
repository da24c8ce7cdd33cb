package io.hapg.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PostgresUrlTest {

    @Test
    void keepsTheDatabaseAndPropertiesOfAUrlWrittenForALoadBalancer() {
        PostgresUrl url = PostgresUrl.parse(
                "jdbc:postgresql://haproxy:5000,backup:5001/shop?sslmode=require&targetServerType=primary"
                        + "&user=app&password=s%26cret&ApplicationName=store%20front");
        assertThat(url.hosts()).containsExactly("haproxy:5000", "backup:5001");
        assertThat(url.database()).contains("shop");
        assertThat(url.user()).contains("app");
        assertThat(url.password()).contains("s&cret");
        assertThat(url.properties()).isEqualTo(Map.of("sslmode", "require", "ApplicationName", "store front"));
        assertThat(url.toString()).doesNotContain("s&cret");
    }

    @Test
    void readsEveryFormPgjdbcAccepts() {
        assertThat(PostgresUrl.parse("jdbc:postgresql:shop").database()).contains("shop");
        assertThat(PostgresUrl.parse("jdbc:postgresql:/shop").database()).contains("shop");
        assertThat(PostgresUrl.parse("jdbc:postgresql://db/shop").hosts()).isEqualTo(List.of("db"));
        assertThat(PostgresUrl.parse("jdbc:postgresql://db/").database()).isEmpty();
        assertThat(PostgresUrl.parse("jdbc:postgresql://db").database()).isEmpty();
        assertThat(PostgresUrl.parse(null).database()).isEqualTo(Optional.empty());
    }

    @Test
    void anotherDatabasesUrlIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> PostgresUrl.parse("jdbc:mysql://db/shop?password=x"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("spring.datasource.url")
                .hasMessageNotContaining("password=x");
    }
}
