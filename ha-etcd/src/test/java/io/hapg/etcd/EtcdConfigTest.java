package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EtcdConfigTest {
    @Test
    void defaultsFollowPatroni() {
        EtcdConfig c = EtcdConfig.builder().endpoints("127.0.0.1:2379,http://10.0.0.2:2379").scope("pg").member("n0")
                .build();
        assertThat(c.endpoints()).containsExactly(URI.create("http://127.0.0.1:2379"), URI.create("http://10.0.0.2:2379"));
        assertThat(c.namespace()).isEqualTo("/service/");
        assertThat(c.ttl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.retryTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.tls()).isFalse();
    }

    @Test
    void passwordIsNeverShown() {
        EtcdConfig c = EtcdConfig.builder().endpoints("https://e:2379").scope("pg").member("n0")
                .caCert(Path.of("/ca.pem")).credentials("root", "hunter2").build();
        assertThat(c.toString()).doesNotContain("hunter2").contains("root:******");
        assertThat(c.tls()).isTrue();
    }

    @Test
    void takesEndpointUrisAsTheyAre() {
        EtcdConfig c = EtcdConfig.builder().endpoint(URI.create("https://10.0.0.1:2379"))
                .endpoint(URI.create("https://10.0.0.2:2379")).scope("pg").member("n0").build();
        assertThat(c.endpoints()).containsExactly(URI.create("https://10.0.0.1:2379"),
                URI.create("https://10.0.0.2:2379"));
        assertThatThrownBy(() -> EtcdConfig.builder().endpoint(URI.create("ftp://e:1")).scope("pg").member("n0")
                .build()).hasMessageStartingWith("endpoints");
    }

    @Test
    void invalidValuesNameTheField() {
        assertThatThrownBy(() -> EtcdConfig.builder().scope("pg").member("n0").build())
                .hasMessageStartingWith("endpoints");
        assertThatThrownBy(() -> EtcdConfig.builder().endpoints("e:1").scope("pg").member("a/b").build())
                .hasMessageStartingWith("member");
        assertThatThrownBy(() -> EtcdConfig.builder().endpoints("e:1").scope("pg").member("n0")
                .ttl(Duration.ofMillis(1500)).build()).hasMessageStartingWith("ttl");
        assertThatThrownBy(() -> EtcdConfig.builder().endpoints("e:1").scope("pg").member("n0")
                .retryTimeout(Duration.ZERO).build()).hasMessageStartingWith("retryTimeout");
        assertThatThrownBy(() -> EtcdConfig.builder().endpoints("http://e:1", "https://f:1").scope("pg").member("n0")
                .build()).hasMessageContaining("mixes");
        assertThatThrownBy(() -> EtcdConfig.builder().endpoints("e:1").scope(".hapg").member("n0").build())
                .hasMessageStartingWith("scope").hasMessageContaining("reserved");
    }
}
