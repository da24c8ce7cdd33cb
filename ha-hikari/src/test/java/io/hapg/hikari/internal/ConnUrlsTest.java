package io.hapg.hikari.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConnUrlsTest {
    @Test
    void parsesWhatPatroniPublishes() {
        assertThat(ConnUrls.parse("postgres://10.0.0.5:5433/postgres")).isEqualTo(new ConnUrls.HostPort("10.0.0.5", 5433));
        assertThat(ConnUrls.parse("postgresql://db.example:6000/app")).isEqualTo(new ConnUrls.HostPort("db.example", 6000));
        assertThat(ConnUrls.parse("jdbc:postgresql://h:1/x")).isEqualTo(new ConnUrls.HostPort("h", 1));
        assertThat(ConnUrls.parse("postgres://u:p@h/x")).isEqualTo(new ConnUrls.HostPort("h", 5432));
        assertThat(ConnUrls.parse("postgres://[::1]:5432/postgres")).isEqualTo(new ConnUrls.HostPort("::1", 5432));
        assertThat(ConnUrls.parseAddress("127.0.0.1:7000")).isEqualTo(new ConnUrls.HostPort("127.0.0.1", 7000));
    }

    @Test
    void rejectsWhatDoesNotParseAndSaysWhy() {
        assertThatThrownBy(() -> ConnUrls.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> ConnUrls.parse("not a url")).hasMessageContaining("'not a url' does not parse");
        assertThatThrownBy(() -> ConnUrls.parse("http://h:1/x")).hasMessageContaining("expected postgres://");
        assertThatThrownBy(() -> ConnUrls.parse("postgres:///x")).hasMessageContaining("no host");
    }
}
