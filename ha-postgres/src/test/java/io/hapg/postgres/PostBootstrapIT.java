package io.hapg.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hapg.core.spi.DatabaseUnavailableException;
import io.hapg.process.PgInstallation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Patroni's {@code bootstrap.post_bootstrap}: after initdb, the script runs as the OS user with the
 * local connection string, can log in with it (the password from {@code PGPASSFILE}) and write;
 * a failing script fails the bootstrap and leaves no half-made cluster behind.
 */
@Timeout(120)
class PostBootstrapIT {
    @RegisterExtension
    final NodeLogs logs = new NodeLogs();

    private final TestNodes nodes = logs.watch(new TestNodes());

    @AfterEach
    void stop() {
        nodes.close();
    }

    @Test
    void theScriptLogsInWithTheConnectionStringItIsGivenAndWrites() throws IOException {
        Path psql = PgInstallation.findBinDir(Optional.empty()).orElseThrow().resolve("psql");
        Path script = nodes.shellScript("post.sh", "\"" + psql + "\" \"$2\" -v ON_ERROR_STOP=1 -c \"CREATE TABLE"
                + " made_by_post_bootstrap AS SELECT '$1'::text AS flag, current_setting('synchronous_commit') AS"
                + " sync\"\n");
        PostgresNode n1 = nodes.node(nodes.config("n1").postBootstrap(List.of(script.toString(), "a flag")).build());

        n1.bootstrap();

        assertThat(TestNodes.query(n1, "SELECT flag, sync FROM made_by_post_bootstrap"))
                .containsExactly(List.of("a flag", "local"));
    }

    @Test
    void aFailingScriptFailsTheBootstrapAndEmptiesTheDataDirectory() throws IOException {
        Path script = nodes.shellScript("fail.sh", "echo 'cannot load the schema' >&2\nexit 3\n");
        PostgresConfig config = nodes.config("n2").postBootstrap(List.of(script.toString())).build();
        PostgresNode n2 = nodes.node(config);

        assertThatThrownBy(n2::bootstrap).isInstanceOf(DatabaseUnavailableException.class)
                .hasMessageContaining("post_bootstrap failed with exit code 3")
                .hasMessageContaining("cannot load the schema");

        assertThat(n2.probe().hasData()).isFalse();
        try (var content = Files.list(config.dataDir())) {
            assertThat(content).isEmpty();
        }
    }
}
