package io.hapg.agent.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CtlMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return CtlMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void usageErrorsExitTwoWithAMessage() {
        assertThat(run("-c", "x.yml", "promote")).isEqualTo(2);
        assertThat(err()).startsWith("hactl: unknown command 'promote'; the commands are list, switchover,");
    }

    @Test
    void missingConfigFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yml");
        assertThat(run("-c", missing.toString(), "list")).isEqualTo(2);
        assertThat(err()).isEqualTo("hactl: config " + missing + ": no such file\n");
    }

    /** patronictl's variable names the file when neither -c nor HACTL_CONFIG does (a JVM of its own: env). */
    @Test
    void patronictlsConfigVariableIsRead(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("from-patronictl.yml");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.hapg.agent.Main", "ctl", "list")
                .redirectErrorStream(true);
        pb.environment().remove(CtlMain.CONFIG_ENV);
        pb.environment().put(CtlMain.PATRONICTL_CONFIG_ENV, missing.toString());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isEqualTo(2);
        assertThat(output).contains("hactl: config " + missing + ": no such file");
    }

    @Test
    void configWithoutEtcdOrInvalid(@TempDir Path dir) throws Exception {
        Path noEtcd = Files.writeString(dir.resolve("a.yml"), "scope: demo\nname: n0\n");
        assertThat(run("-c", noEtcd.toString(), "list")).isEqualTo(2);
        assertThat(err()).isEqualTo("hactl: config " + noEtcd + ": etcd3: required: hactl reads the cluster from etcd\n");
        err.reset();
        Path bad = Files.writeString(dir.resolve("b.yml"), "scope: demo\netcd3:\n  hosts: 127.0.0.1:2379\n"
                + "bootstrap:\n  dcs:\n    ttl: 5\n");
        assertThat(run("-c", bad.toString(), "list")).isEqualTo(2);
        assertThat(err()).startsWith("hactl: config " + bad + ": bootstrap.dcs: loop_wait + 2 * retry_timeout must"
                + " not exceed ttl");
    }

    @Test
    void ctlSectionCredentialsWinAndNameIsOptional(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("ctl.yml"), "scope: demo\netcd3:\n  hosts: 127.0.0.1:2379\n"
                + "restapi:\n  authentication:\n    username: agent\n    password: a\n"
                + "ctl:\n  authentication:\n    username: admin\n    password: s3cret\n  insecure: true\n");
        CtlConfig config = CtlConfig.load(file);
        assertThat(config.cluster().scope()).isEqualTo("demo");
        assertThat(config.cluster().name()).isEqualTo("hactl");
        assertThat(config.credentials().get().username()).isEqualTo("admin");
        assertThat(config.credentials().get().password().reveal()).isEqualTo("s3cret");
        assertThat(config.cluster().ctl().insecure()).isTrue();

        Path agent = Files.writeString(dir.resolve("agent.yml"), "scope: demo\nname: n0\netcd3:\n  hosts: h:2379\n"
                + "restapi:\n  authentication:\n    username: agent\n    password: a\n");
        assertThat(CtlConfig.load(agent).credentials().get().username()).isEqualTo("agent");
    }

    @Test
    void keysANodeRefusesDoNotStopHactl(@TempDir Path dir) throws Exception {
        // patronictl reads a Patroni file whatever it holds; hactl runs no node, so it does too.
        Path file = Files.writeString(dir.resolve("patroni.yml"), "scope: demo\netcd3:\n  hosts: 127.0.0.1:2379\n"
                + "postgresql:\n  pg_hosts: [x]\n  custom_conf: /nonexistent/custom.conf\nbootstrap:\n  dcs:\n"
                + "    standby_cluster:\n      host: 10.0.0.9\n");
        assertThat(CtlConfig.load(file).cluster().scope()).isEqualTo("demo");
    }

    @Test
    void helpGoesToStandardOutput() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: java -jar hapg.jar ctl -c CONFIG.yml"
                + " COMMAND [options]");
        assertThat(run("failover", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--candidate VALUE");
    }

    @Test
    void apiUrlsResolveLikePythonUrljoin() {
        assertThat(RestClient.url("http://127.0.0.1:8008/patroni", "switchover").toString())
                .isEqualTo("http://127.0.0.1:8008/switchover");
        assertThat(RestClient.url("https://h:8009/", "config").toString()).isEqualTo("https://h:8009/config");
    }
}
