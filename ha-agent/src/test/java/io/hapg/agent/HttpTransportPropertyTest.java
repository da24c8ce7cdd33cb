package io.hapg.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.http.HttpApi;
import org.junit.jupiter.api.Test;

class HttpTransportPropertyTest {
    @Test
    void unsetMeansNettyWhenPresentAndTheValuesAreCaseInsensitive() {
        assertThat(HapgAgent.httpTransport(null)).isEqualTo(HttpApi.Transport.AUTO);
        assertThat(HapgAgent.httpTransport(" ")).isEqualTo(HttpApi.Transport.AUTO);
        assertThat(HapgAgent.httpTransport("jdk")).isEqualTo(HttpApi.Transport.JDK);
        assertThat(HapgAgent.httpTransport("Netty ")).isEqualTo(HttpApi.Transport.NETTY);
    }

    @Test
    void anyOtherValueNamesThePropertyAndTheChoices() {
        assertThatThrownBy(() -> HapgAgent.httpTransport("jetty"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("-Dhapg.http.transport=jetty: expected auto, netty or jdk");
    }
}
