package io.hapg.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.hapg.core.model.ClusterStatus;
import io.hapg.core.model.ClusterView;
import io.hapg.core.model.DynamicConfig;
import io.hapg.core.model.Lsn;
import io.hapg.core.spi.ClusterKey;
import io.hapg.testkit.LocalEtcd;
import io.hapg.testkit.ProcessLogs;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Garbage in any key is logged once per (key, revision) and read as absent; it never fails a read
 * or hides the other members. A member written by Patroni itself, with fields hapg does not model,
 * reads fine.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GarbageIT {
    private static final Pattern IGNORED = Pattern.compile("ignoring key (\\S+) at revision");

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void garbageIsLoggedOnceAndIgnoredWithoutHidingOtherMembers() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1); Client admin = EtcdTestSupport.admin(etcd.clientEndpoints())) {
            logs.watch(etcd);
            String scope = EtcdTestSupport.freshScope("garbage");
            String prefix = "/service/" + scope + "/";
            Map<String, String> garbage = Map.of(
                    "members/x", "not json {",
                    "members/z", "{\"conn_url\":\"postgres://z\",\"xlog_location\":\"not an lsn\"}",
                    "members/q", "[\"a list\"]",
                    "config", "[1,2]",
                    "sync", "{",
                    "history", "{\"not\":\"a list\"}",
                    "failover", "{\"member\":\"n1\",\"scheduled_at\":\"next tuesday\"}",
                    "status", "{\"optime\":\"soon\"}",
                    "failsafe", "[]",
                    "leader", "");
            for (Map.Entry<String, String> e : garbage.entrySet()) {
                EtcdTestSupport.put(admin, prefix + e.getKey(), e.getValue());
            }
            EtcdTestSupport.put(admin, prefix + "members/y", patroniMember());

            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            PrintStream originalErr = System.err;
            System.setErr(new PrintStream(new Tee(originalErr, captured), true, StandardCharsets.UTF_8));
            ClusterView view;
            try (EtcdConsensus reader = new EtcdConsensus(EtcdTestSupport.config(etcd, scope, "r").build());
                 AutoCloseable watch = reader.watch(() -> { })) {
                assertThat(watch).isNotNull();
                view = reader.read();
                reader.read();
                EtcdTestSupport.await("the watch decoded the same keys", Duration.ofSeconds(10),
                        () -> reader.cachedView().isPresent());
                assertThat(reader.cachedView().get().members()).containsOnlyKeys("y");

                assertThat(view.members()).containsOnlyKeys("y");
                assertThat(view.members().get("y").xlogLocation()).contains(Lsn.of(83886080));
                assertThat(view.members().get("y").timeline()).isEqualTo(4);
                assertThat(view.members().get("y").tags().nofailover()).isTrue();
                assertThat(view.leader()).isEmpty();
                assertThat(view.config()).isEmpty();
                assertThat(view.configRevision()).as("kept, so a CAS can repair the key").isPositive();
                assertThat(view.sync().isEmpty()).isTrue();
                assertThat(view.sync().revision()).isPositive();
                assertThat(view.history()).isEmpty();
                assertThat(view.failover()).isEmpty();
                assertThat(view.status()).isEqualTo(ClusterStatus.EMPTY);
                assertThat(view.failsafe()).isEmpty();

                assertThat(reader.compareAndSet(ClusterKey.CONFIG, view.configRevision(),
                        Optional.of(DynamicConfig.DEFAULTS))).isTrue();
                assertThat(reader.read().config()).contains(DynamicConfig.DEFAULTS);

                EtcdTestSupport.put(admin, prefix + "members/x", "still garbage, new revision");
                assertThat(reader.read().members()).containsOnlyKeys("y");
            } finally {
                System.setErr(originalErr);
            }
            Map<String, Integer> counts = new java.util.TreeMap<>();
            Matcher m = IGNORED.matcher(captured.toString(StandardCharsets.UTF_8));
            while (m.find()) {
                counts.merge(m.group(1), 1, Integer::sum);
            }
            System.out.println("garbage log lines per key: " + counts);
            Map<String, Integer> expected = new java.util.TreeMap<>();
            garbage.keySet().forEach(k -> expected.put(k, 1));
            expected.put("members/x", 2); // a second, different garbage value at a new revision
            assertThat(counts).isEqualTo(expected);
        }
    }

    /** A member key as Patroni 3.0.2 writes it, with fields hapg does not model. */
    private static String patroniMember() {
        return "{\"conn_url\":\"postgres://10.0.0.2:5432/postgres\",\"api_url\":\"http://10.0.0.2:8008/patroni\","
                + "\"state\":\"running\",\"role\":\"replica\",\"version\":\"3.0.2\",\"proxy_url\":null,"
                + "\"tags\":{\"nofailover\":true,\"clonefrom\":false},\"pending_restart\":true,"
                + "\"xlog_location\":83886080,\"timeline\":4,\"scheduled_restart\":{\"schedule\":\"2030-01-01T00:00:00\"},"
                + "\"pause\":true,\"checkpoint_after_promote\":false}";
    }

    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }
}
