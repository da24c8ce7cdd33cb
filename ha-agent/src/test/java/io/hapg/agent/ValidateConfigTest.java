package io.hapg.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hapg agent --validate-config FILE}, as Patroni's {@code --validate-config}: each problem on
 * its own line with key, line and reason; exit 0 when valid (warnings printed), non-zero otherwise;
 * nothing is started.
 */
class ValidateConfigTest {
    private static final String VALID = "scope: shop\nname: n0\netcd3:\n  hosts: 127.0.0.1:2379\n"
            + "postgresql:\n  data_dir: /var/lib/pg\n  pgpass: /tmp/pgpass\n";

    private record Result(int code, String out) {
    }

    /** {@code hapg agent ARGS} with {@code env} as the environment. */
    private static Result run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        int code = AgentMain.run(args, print, print, env);
        return new Result(code, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theJarsEntryPointDispatchesIt(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("node.yml"), VALID);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertThat(Main.run(new String[] {"agent", "--validate-config", file.toString()}, print, print)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(file + ": valid");
    }

    @Test
    void aValidFileExitsZeroAndPrintsItsWarnings(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("node.yml"), VALID);
        Result r = run(Map.of(), "--validate-config", file.toString());
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains("WARNING: 'postgresql.pgpass' (line 7) ignored: hapg writes its own password"
                + " file").contains(file + ": valid, 1 warning(s)");
    }

    @Test
    void everyProblemIsPrintedWithKeyLineAndReasonAndTheExitIsNonZero(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("node.yml"), VALID.replace("name: n0\n", "")
                + "  custom_conf: /nonexistent/custom.conf\n  pg_hosts: [x]\nbootstrap:\n  dcs:\n    postgresql:\n"
                + "      parameters_primary: {a: b}\n      pg_hba_primary: [x]\n");
        Result r = run(Map.of(), "--validate-config", file.toString());
        assertThat(r.code()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains("ERROR: postgresql.custom_conf: /nonexistent/custom.conf does not exist"
                + " (line 7)")
                .contains("ERROR: postgresql.pg_hosts: not supported by hapg:")
                .contains("ERROR: bootstrap.dcs.postgresql.pg_hba_primary: not supported by hapg: ")
                .contains("ERROR: name: required")
                .contains("5 error(s), 1 warning(s)");
    }

    @Test
    void theEnvironmentApplies(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("node.yml"), VALID.replace("name: n0\n", ""));
        assertThat(run(Map.of(), "--validate-config", file.toString()).code()).isEqualTo(1);
        Result r = run(Map.of("PATRONI_NAME", "n3"), "--validate-config", file.toString());
        assertThat(r.out()).contains(file + ": valid");
        assertThat(r.code()).as(r.out()).isZero();
    }

    @Test
    void aMissingFileIsAnError(@TempDir Path dir) {
        Result r = run(Map.of(), "--validate-config", dir.resolve("none.yml").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("no such file");
    }
}
