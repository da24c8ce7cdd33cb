package io.hapg.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/** Free TCP ports on the loopback interface, for processes a test starts. */
public final class FreePorts {
    /**
     * Ports already handed out in this JVM. The kernel may return the same port to two binds in a
     * row once the first probe socket is closed, and a caller often picks several ports before
     * any process binds them (an etcd cluster's peer URLs): CI once gave two members one peer
     * port. The port space is process-wide state, so this memory is too.
     */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final int ATTEMPTS = 64;
    private static final int[] EPHEMERAL_RANGE = ephemeralRange();

    private FreePorts() {
    }

    /**
     * A port that was free on 127.0.0.1 a moment ago and that no earlier call in this JVM
     * returned. Another process may take it before the caller binds it; the launchers retry a
     * failed start on fresh ports for that reason.
     *
     * @throws UncheckedIOException when no port can be bound on loopback
     */
    public static int next() {
        int port = probe();
        for (int attempt = 1; attempt < ATTEMPTS && !HANDED_OUT.add(port); attempt++) {
            port = probe();
        }
        return port;
    }

    /**
     * A random port below the kernel's ephemeral range, else (none bindable after a few tries) one
     * the kernel picks. Below the range because the kernel hands ephemeral ports to every outgoing
     * connection and to every bind(0): a PostgreSQL restarted on its port minutes later found it taken
     * by a client socket, and two test JVMs probing at once were given the same port (CI, with a
     * second build running).
     */
    private static int probe() {
        int[] range = EPHEMERAL_RANGE;
        int low = 10_000;
        int high = range[0] - 1;
        if (high - low < 1_000) {
            low = range[1] + 1;
            high = 65_535;
        }
        for (int attempt = 0; attempt < 16 && high - low >= 1_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(low, high + 1);
            if (bindable(port)) {
                return port;
            }
        }
        return bind(0);
    }

    /** The kernel's ephemeral port range, low and high; Linux's default when it cannot be read. */
    static int[] ephemeralRange() {
        try {
            String[] parts = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim()
                    .split("\\s+");
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (IOException | RuntimeException e) {
            return new int[] {32_768, 60_999};
        }
    }

    private static boolean bindable(int port) {
        try {
            bind(port);
            return true;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    private static int bind(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(port == 0 ? "no free port on loopback" : "port " + port + " in use", e);
        }
    }
}
