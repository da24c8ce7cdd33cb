package io.hapg.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.agent.config.NodeConfig;
import io.hapg.agent.logging.AgentLogging;
import io.hapg.agent.logging.RestoreLogback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * No line the agent logs while it loads its configuration shows a password, at DEBUG and with the
 * configuration itself logged: passwords in the file, in a misspelt key and in a PATRONI_*
 * variable.
 */
@ExtendWith(RestoreLogback.class)
class StartupLogSecretsTest {
    private static final List<String> SECRETS = List.of("su-Secret1", "repl-Secret2", "rewind-Secret3",
            "rest-Secret4", "etcd-Secret5", "ctl-Secret6", "typo-Secret7", "env-Secret8");

    @TempDir
    Path dir;


    @Test
    void noLoggedLineShowsAPassword() throws Exception {
        Path yaml = dir.resolve("n0.yml");
        Files.writeString(yaml, "scope: shop\nname: n0\n"
                + "restapi:\n  listen: 127.0.0.1:8008\n  connect_address: 127.0.0.1:8008\n"
                + "  authentication: {username: admin, password: rest-Secret4}\n"
                + "ctl:\n  authentication: {username: admin, password: ctl-Secret6}\n"
                + "etcd3:\n  hosts: [127.0.0.1:2379]\n  username: root\n  password: etcd-Secret5\n"
                + "postgresql:\n  data_dir: " + dir.resolve("data") + "\n  listen: 127.0.0.1:5432\n"
                + "  connect_address: 127.0.0.1:5432\n  authentication:\n"
                + "    superuser: {username: postgres, password: su-Secret1, pasword: typo-Secret7}\n"
                + "    replication: {username: replicator, password: repl-Secret2}\n"
                + "    rewind: {username: rewind_user, password: rewind-Secret3}\n"
                + "log: {dir: " + dir + ", level: DEBUG}\n");
        AgentLogging.installDefaults();

        NodeConfig node = AgentMain.load(yaml, Map.of("PATRONI_REPLICATION_PASSWORD", "env-Secret8"));

        assertThat(node.postgresql().authentication().replication().password().orElseThrow().reveal())
                .isEqualTo("env-Secret8");
        String log = Files.readString(dir.resolve("patroni.log"));
        assertThat(log).contains("unknown key 'postgresql.authentication.superuser.pasword'")
                .contains("DEBUG [" + Thread.currentThread().getName() + "] io.hapg.agent.AgentMain - " + yaml + ": ")
                .contains("password=******");
        for (String secret : SECRETS) {
            assertThat(log).doesNotContain(secret);
        }
    }
}
