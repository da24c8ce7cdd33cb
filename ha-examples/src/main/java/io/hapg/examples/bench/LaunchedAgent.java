package io.hapg.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.hapg.process.OsUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The main class the bench gives the test kit's cluster instead of the agent's own: called as
 * {@code LaunchedAgent agent nK.yml}, it runs the real agent as a child with inherited output,
 * either hapg through the shipped launcher ({@code ha-agent/bin/hapg agent nK.yml}, the JVM flags
 * users get) or Patroni ({@code patroni patroni.yml}, the same YAML adapted, as the OS user
 * PostgreSQL runs as when we are root). SIGTERM is passed on and awaited, so the test kit's
 * clean stop is the agent's own clean stop; kill -9 of the node kills this JVM and every
 * descendant, the agent included. Exits with the agent's exit code.
 *
 * <p>System properties: {@value #SYSTEM} ({@code hapg} or {@code patroni}), {@value #COMMAND}
 * (the launcher or the patroni executable).
 */
public final class LaunchedAgent {
    static final String SYSTEM = "hapg.bench.system";
    static final String COMMAND = "hapg.bench.command";
    private static final long STOP_GRACE_SECONDS = 60;
    /**
     * The parameters Patroni takes only from the cluster-wide (DCS) configuration, ignoring a local
     * value: without a copy in {@code bootstrap.dcs}, its PostgreSQL would run with Patroni's
     * defaults (max_connections 100) where hapg's runs with the YAML's.
     */
    private static final List<String> CLUSTER_WIDE = List.of("max_connections", "max_wal_senders",
            "max_replication_slots", "max_worker_processes", "max_prepared_transactions", "max_locks_per_transaction",
            "wal_level", "wal_keep_size", "track_commit_timestamp");

    private LaunchedAgent() {
    }

    /** {@code agent CONFIG.yml}, as the test kit starts an agent. */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 2 || !args[0].equals("agent")) {
            System.err.println("usage: LaunchedAgent agent CONFIG.yml");
            System.exit(2);
        }
        Path yaml = Path.of(args[1]).toAbsolutePath();
        String command = System.getProperty(COMMAND);
        List<String> line = BenchReport.PATRONI.equals(System.getProperty(SYSTEM))
                ? patroni(command, yaml) : List.of(command, "agent", yaml.toString());
        Process child = new ProcessBuilder(line).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(child), "launched-agent-stop"));
        System.exit(child.waitFor());
    }

    /** SIGTERM to the agent and wait for its clean stop (it stops PostgreSQL and hands the key over). */
    private static void stop(Process child) {
        if (!child.isAlive()) {
            return;
        }
        child.destroy();
        try {
            child.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code bootstrap.dcs.postgresql} for Patroni: the YAML's own ({@code dcs}, may be null), with
     * pg_rewind on and those of the node's {@code parameters} that Patroni only takes from there
     * ({@link #CLUSTER_WIDE}) where the YAML has none.
     */
    static ObjectNode dcsPostgresql(ObjectNode dcs, ObjectNode parameters) {
        ObjectNode dcsPg = dcs == null ? JsonNodeFactory.instance.objectNode() : dcs.deepCopy();
        dcsPg.put("use_pg_rewind", true);
        ObjectNode shared = dcsPg.has("parameters") ? (ObjectNode) dcsPg.get("parameters")
                : dcsPg.putObject("parameters");
        CLUSTER_WIDE.stream().filter(parameters::has).filter(name -> !shared.has(name))
                .forEach(name -> shared.set(name, parameters.get(name)));
        return dcsPg;
    }

    /**
     * The test kit's YAML made Patroni's: PostgreSQL's bin_dir, a pgpass file and the socket in the
     * node's directory (Patroni has neither defaults nor hapg's {@code os_user}: it runs as that user
     * itself), pg_rewind so a killed primary can rejoin, the {@link #CLUSTER_WIDE} parameters also in
     * {@code bootstrap.dcs}, and the node's directory given to that user
     * so Patroni can create and re-create the data directory.
     */
    private static List<String> patroni(String patroni, Path yaml) throws IOException {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        ObjectNode root = (ObjectNode) mapper.readTree(yaml.toFile());
        ObjectNode pg = (ObjectNode) root.get("postgresql");
        String osUser = pg.has("os_user") ? pg.remove("os_user").asText() : null;
        Path dataDir = Path.of(pg.get("data_dir").asText());
        Path nodeDir = dataDir.getParent();
        pg.put("bin_dir", System.getProperty("hapg.bench.pgbindir"));
        pg.put("pgpass", nodeDir.resolve("pgpass").toString());
        pg.put("use_pg_rewind", true);
        pg.put("remove_data_directory_on_rewind_failure", true);
        pg.put("remove_data_directory_on_diverged_timelines", true);
        ((ObjectNode) pg.get("parameters")).put("unix_socket_directories", nodeDir.toString());
        ObjectNode dcs = (ObjectNode) root.get("bootstrap").get("dcs");
        dcs.set("postgresql", dcsPostgresql((ObjectNode) dcs.get("postgresql"), pg.has("parameters")
                ? (ObjectNode) pg.get("parameters") : JsonNodeFactory.instance.objectNode()));
        Path out = yaml.resolveSibling(yaml.getFileName().toString().replace(".yml", "") + "-patroni.yml");
        mapper.writeValue(out.toFile(), root);
        List<String> command = new ArrayList<>(List.of(patroni, out.toString()));
        if (osUser == null) {
            return command;
        }
        OsUser user = OsUser.lookup(osUser).orElseThrow(() -> new IllegalStateException("no OS user " + osUser));
        Files.setPosixFilePermissions(nodeDir, PosixFilePermissions.fromString("rwx------"));
        user.chown(nodeDir);
        user.chown(out);
        if (Files.isDirectory(dataDir)) {
            user.chownRecursively(dataDir);
        }
        return user.wrap(command);
    }
}
