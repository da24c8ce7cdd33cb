package io.hapg.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MissingBinaryTest {
    @Test
    void explicitBinaryThatDoesNotExistNamesEtcdAndHowToInstallIt() {
        assertThatThrownBy(() -> LocalEtcd.builder().members(3).binary(Path.of("/nonexistent/etcd")).start())
                .isInstanceOf(MissingBinaryException.class)
                .hasMessageContaining("etcd not found at /nonexistent/etcd")
                .hasMessageContaining("apt-get install -y etcd-server");
    }

    @Test
    void propertyPointingNowhereNamesThePropertyAndHowToInstallEtcd() {
        String previous = System.getProperty(LocalEtcd.BINARY_PROPERTY);
        System.setProperty(LocalEtcd.BINARY_PROPERTY, "/nonexistent/bin");
        try {
            assertThatThrownBy(() -> LocalEtcd.start(1))
                    .isInstanceOf(MissingBinaryException.class)
                    .hasMessageContaining("etcd not found at /nonexistent/bin")
                    .hasMessageContaining("-Dhapg.etcd.bin")
                    .hasMessageContaining("apt-get install -y etcd-server")
                    .satisfies(e -> {
                        MissingBinaryException missing = (MissingBinaryException) e;
                        assertThat(missing.binary()).isEqualTo("etcd");
                    });
        } finally {
            if (previous == null) {
                System.clearProperty(LocalEtcd.BINARY_PROPERTY);
            } else {
                System.setProperty(LocalEtcd.BINARY_PROPERTY, previous);
            }
        }
    }

    @Test
    void missingFromPathSaysWhereItLooked() {
        MissingBinaryException e = new MissingBinaryException("etcd", "sudo apt-get install -y etcd-server");
        assertThat(e).hasMessage(
                "etcd not found on PATH. Install it: sudo apt-get install -y etcd-server");
    }
}
