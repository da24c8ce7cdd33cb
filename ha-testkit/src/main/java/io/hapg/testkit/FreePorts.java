package io.hapg.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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

    private static int probe() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on loopback", e);
        }
    }
}
