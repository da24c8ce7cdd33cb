package io.hapg.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.HaAgent;
import io.hapg.core.config.ConfigException;
import io.hapg.core.model.Role;
import io.hapg.core.spi.RoleChange;
import io.hapg.core.spi.RoleChangeListener;
import io.hapg.process.OsUser;
import io.hapg.testkit.Await;
import io.hapg.testkit.FreePorts;
import io.hapg.testkit.LocalEtcd;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** An application embedding a node in its own JVM through {@link HapgAgent}, on real etcd and PostgreSQL. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HapgAgentIT {

    @Test
    void aNodeFromAPatroniYamlBecomesTheWritablePrimary(@TempDir Path dir) throws Exception {
        int rest = FreePorts.next();
        try (LocalEtcd etcd = LocalEtcd.start(1)) {
            String hosts = String.join(", ", etcd.clientEndpoints()).replace("http://", "");
            Path yaml = dir.resolve("node1.yml");
            Files.writeString(yaml, "scope: embedded\nname: node1\n"
                    + "restapi: {listen: 127.0.0.1:" + rest + ", connect_address: 127.0.0.1:" + rest + "}\n"
                    + "etcd3: {hosts: [" + hosts + "]}\n" + postgresql(dir));
            awaitPrimary(yaml, Map.of(), rest);
        }
    }

    /**
     * The seed article's way of running Patroni: the file has no {@code name}, and the node's own
     * settings come from Patroni's {@code PATRONI_*} variables, which win over the file.
     */
    @Test
    void aNodeTakesItsNameAndAddressesFromPatroniVariables(@TempDir Path dir) throws Exception {
        int rest = FreePorts.next();
        try (LocalEtcd etcd = LocalEtcd.start(1)) {
            Path yaml = dir.resolve("patroni.yml");
            Files.writeString(yaml, "scope: embedded\nrestapi: {listen: 127.0.0.1:1}\n"
                    + "etcd3: {hosts: [127.0.0.1:1]}\n" + postgresql(dir));
            String body = awaitPrimary(yaml, Map.of("PATRONI_NAME", "from-env",
                    "PATRONI_RESTAPI_LISTEN", "127.0.0.1:" + rest,
                    "PATRONI_RESTAPI_CONNECT_ADDRESS", "127.0.0.1:" + rest,
                    "PATRONI_ETCD3_HOSTS", String.join(",", etcd.clientEndpoints()).replace("http://", "")), rest);
            assertThat(body).contains("\"name\":\"from-env\"");
        }
    }

    private static String postgresql(Path dir) throws IOException {
        Path data = dir.resolve("data");
        if (OsUser.current().isRoot()) {
            OsUser.unprivileged().chownRecursively(dir);
        }
        return "bootstrap: {dcs: {ttl: 10, loop_wait: 1, retry_timeout: 3}}\n"
                + "postgresql:\n"
                + "  listen: 127.0.0.1:" + FreePorts.next() + "\n"
                + "  data_dir: " + data + "\n"
                + (OsUser.current().isRoot() ? "  os_user: " + OsUser.unprivileged().name() + "\n" : "")
                + "  authentication: {superuser: {username: postgres, password: su}, "
                + "replication: {username: replicator, password: rep}}\n"
                + "  parameters: {fsync: 'off', shared_buffers: 16MB}\n";
    }

    /** Starts the node, waits for its {@code GET /primary} to answer 200, returns its {@code GET /patroni}. */
    private static String awaitPrimary(Path yaml, Map<String, String> env, int rest) throws Exception {
        List<RoleChange> changes = new CopyOnWriteArrayList<>();
        RoleChangeListener listener = new RoleChangeListener() {
            @Override
            public void roleChanged(RoleChange change) {
                changes.add(change);
            }
        };
        try (HaAgent node = HapgAgent.fromYaml(yaml, env, listener)) {
            node.start();
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest primary = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rest + "/primary"))
                    .timeout(Duration.ofSeconds(2)).build();
            Await.until("GET /primary of the embedded node answers 200", Duration.ofSeconds(120),
                    () -> status(http, primary) == 200);
            HttpRequest patroni = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rest + "/patroni"))
                    .timeout(Duration.ofSeconds(2)).build();
            Await.until("the application's listener heard of the promotion", Duration.ofSeconds(10),
                    () -> changes.stream().anyMatch(c -> c.newRole() == Role.PRIMARY));
            return http.send(patroni, HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    @Test
    void aMissingFileOrABadKeyIsNamed(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> HapgAgent.fromYaml(dir.resolve("absent.yml"))).isInstanceOf(NoSuchFileException.class);
        Path yaml = dir.resolve("bad.yml");
        Files.writeString(yaml, "scope: s\nname: n\npostgresql: {data_dir: /tmp/x}\n");
        assertThatThrownBy(() -> HapgAgent.fromYaml(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("etcd3");
    }

    /** The status code, or -1 while the API does not answer yet. */
    private static int status(HttpClient http, HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notYet) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
