package io.hapg.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;

/** Socket and thread chores of {@link FaultProxy}. */
final class ProxySockets {
    private ProxySockets() {
    }

    /**
     * Listens on {@code 127.0.0.1:port} ({@code 0} for a free port).
     *
     * @throws UncheckedIOException when the port cannot be bound
     */
    static ServerSocket bind(int port) {
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
    }

    /**
     * Binds {@code port} again after a cut, retrying every 50 ms for up to {@code timeout}:
     * meanwhile another socket may briefly hold it (for example as a connection's source port).
     *
     * @throws UncheckedIOException when the port is still taken after {@code timeout}
     */
    static ServerSocket rebind(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return bind(port);
            } catch (UncheckedIOException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Waits up to {@code timeout} for {@code thread} to end; never for the calling thread itself. */
    static void join(Thread thread, Duration timeout) {
        if (thread == null || thread == Thread.currentThread()) {
            return;
        }
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
