package io.hapg.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One member of a {@link LocalEtcd} cluster: its name, ports, data directory, log file and the
 * process currently running it. Ports change only while the cluster bootstraps (a port clash
 * makes it retry on fresh ports); after that they are fixed, because the peers know them.
 */
final class EtcdMember {
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final String name;
    private final Path dataDir;
    private final Path logFile;
    private volatile int clientPort;
    private volatile int peerPort;
    private volatile int metricsPort;
    private volatile LocalEtcd.Tls tls;
    private volatile List<String> command = List.of();
    private volatile ManagedProcess process;

    EtcdMember(String name, Path baseDir) {
        this.name = name;
        this.dataDir = baseDir.resolve(name + ".data");
        this.logFile = baseDir.resolve(name + ".log");
    }

    String name() {
        return name;
    }

    int clientPort() {
        return clientPort;
    }

    String clientUrl() {
        return (tls == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
    }

    /** Where {@code GET /health} answers: the client URL, or a plain-HTTP metrics URL under TLS. */
    String healthUrl() {
        return tls == null ? clientUrl() : "http://127.0.0.1:" + metricsPort;
    }

    String peerUrl() {
        return "http://127.0.0.1:" + peerPort;
    }

    /** Picks fresh loopback ports; only before the cluster has bootstrapped. */
    void assignFreshPorts() {
        clientPort = FreePorts.next();
        peerPort = FreePorts.next();
        while (peerPort == clientPort) {
            peerPort = FreePorts.next();
        }
        metricsPort = FreePorts.next();
        while (metricsPort == clientPort || metricsPort == peerPort) {
            metricsPort = FreePorts.next();
        }
    }

    /**
     * Fixes the command line that every later {@link #start()} reuses.
     *
     * @param tls        client TLS settings, or null for plain HTTP
     * @param extraArgs  appended after the testkit's own flags
     */
    void configure(Path binary, String initialCluster, String token, LocalEtcd.Tls tls, List<String> extraArgs) {
        this.tls = tls;
        List<String> line = new ArrayList<>(List.of(binary.toString(),
                "--name", name,
                "--data-dir", dataDir.toString(),
                "--listen-client-urls", clientUrl(),
                "--advertise-client-urls", clientUrl(),
                "--listen-peer-urls", peerUrl(),
                "--initial-advertise-peer-urls", peerUrl(),
                // Ignored by etcd once the data dir exists, so a restart can reuse this line.
                "--initial-cluster", initialCluster,
                "--initial-cluster-token", token,
                "--initial-cluster-state", "new",
                "--heartbeat-interval", "100",
                "--election-timeout", "1000",
                "--logger", "zap",
                "--log-level", "warn",
                "--log-outputs", "stderr"));
        if (tls != null) {
            line.addAll(List.of("--cert-file", tls.certFile().toString(), "--key-file", tls.keyFile().toString(),
                    "--trusted-ca-file", tls.trustedCaFile().toString(), "--client-cert-auth",
                    "--listen-metrics-urls", healthUrl()));
        }
        line.addAll(extraArgs);
        command = List.copyOf(line);
    }

    /** Starts the configured command; the previous process, if any, must have exited. */
    void start() {
        ManagedProcess previous = process;
        if (previous != null) {
            if (previous.isAlive()) {
                throw new IllegalStateException("etcd member " + name + " is still running: " + previous);
            }
            previous.close();
        }
        process = ManagedProcess.start("etcd-" + name, command, logFile, Map.of(), null);
    }

    Optional<ManagedProcess> process() {
        return Optional.ofNullable(process);
    }

    boolean isRunning() {
        ManagedProcess current = process;
        return current != null && current.isAlive();
    }

    void stop() {
        process().ifPresent(p -> p.stop(STOP_GRACE));
    }

    void kill() {
        process().ifPresent(ManagedProcess::kill);
    }

    void freeze() {
        process().ifPresent(ManagedProcess::freeze);
    }

    void thaw() {
        process().ifPresent(ManagedProcess::thaw);
    }

    /** Stops the process and drops its JVM shutdown hook. Idempotent. */
    void close() {
        process().ifPresent(ManagedProcess::close);
    }

    /**
     * True when the process exited because one of its ports was taken, or because two members
     * were given the same peer port ("has duplicate url").
     */
    boolean exitedOnPortClash() {
        ManagedProcess current = process;
        if (current == null || current.isAlive()) {
            return false;
        }
        String tail = current.logTail(20);
        return tail.contains("address already in use") || tail.contains("has duplicate url");
    }

    /** Deletes the data dir, so the next start bootstraps afresh. */
    void wipeData() {
        deleteTree(dataDir);
    }

    String describe() {
        ManagedProcess current = process;
        return name + " client " + clientUrl() + " peer " + peerUrl() + " "
                + (current == null ? "(never started)" : current.toString());
    }

    String logTail(int lines) {
        return ManagedProcess.tail(logFile, lines);
    }

    /**
     * Deletes {@code root} and everything below it; a missing root is fine.
     *
     * @throws UncheckedIOException when something cannot be deleted
     */
    static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
