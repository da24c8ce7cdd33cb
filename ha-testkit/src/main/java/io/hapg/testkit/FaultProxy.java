package io.hapg.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on 127.0.0.1 in front of one target endpoint, which a test switches between
 * faults: {@link #cut()}, {@link #blackhole()}, {@link #slow(Duration)} and back with
 * {@link #heal()}. Point the client at {@link #endpoint()} instead of the target.
 *
 * <p>Each accepted connection gets its own upstream connection and four named threads
 * ({@code fault-proxy-<port>-c<n>-up-read}, {@code ...-up-write}, {@code ...-down-read},
 * {@code ...-down-write}): a reader queues each chunk with the time it was read, a writer
 * delivers it when the current mode allows. Bytes are never dropped or reordered, so a stream
 * paused by a blackhole resumes intact after {@link #heal()}, the way TCP retransmission
 * recovers from a healed partition. All threads stop on {@link #close()}.
 *
 * <p>Thread-safety: every method may be called from any thread.
 */
public final class FaultProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);
    private static final Duration REBIND_TIMEOUT = Duration.ofSeconds(5);

    /** What the proxy does with traffic. */
    public enum Mode {
        /** Forwards bytes as soon as they arrive. */
        FORWARD,
        /** Forwards every chunk, in order, a fixed latency after it arrived, in both directions. */
        SLOW,
        /** Accepts connections but forwards nothing and keeps every connection open. */
        BLACKHOLE,
        /** Closes every connection and stops listening: new connections are refused. */
        CUT
    }

    private final InetSocketAddress target;
    private final int port;
    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Set<ProxyConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionIds = new AtomicInteger();
    private Mode mode = Mode.FORWARD;
    private Duration latency = Duration.ZERO;
    private boolean closed;
    private ServerSocket server;
    private Thread acceptor;

    private FaultProxy(InetSocketAddress target, ServerSocket server) {
        this.target = target;
        this.server = server;
        this.port = server.getLocalPort();
        this.name = "fault-proxy-" + port;
    }

    /**
     * Starts a forwarding proxy on a free 127.0.0.1 port in front of {@code targetHost:targetPort}.
     *
     * @throws UncheckedIOException when no port can be bound
     */
    public static FaultProxy start(String targetHost, int targetPort) {
        return start(new InetSocketAddress(targetHost, targetPort));
    }

    /**
     * Starts a forwarding proxy on a free 127.0.0.1 port in front of {@code target}.
     *
     * @throws UncheckedIOException when no port can be bound
     */
    public static FaultProxy start(InetSocketAddress target) {
        Objects.requireNonNull(target, "target");
        FaultProxy proxy = new FaultProxy(target, ProxySockets.bind(0));
        proxy.lock.lock();
        try {
            proxy.startAcceptor();
        } finally {
            proxy.lock.unlock();
        }
        return proxy;
    }

    /** The proxy's port on 127.0.0.1; it stays the same across {@link #cut()} and {@link #heal()}. */
    public int port() {
        return port;
    }

    /** The proxy's address, 127.0.0.1 and {@link #port()}. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** The proxy's {@code host:port}, for example {@code 127.0.0.1:41234}; prefix a scheme as needed. */
    public String endpoint() {
        return "127.0.0.1:" + port;
    }

    /** The endpoint the proxy forwards to. */
    public InetSocketAddress target() {
        return target;
    }

    /** The current mode. */
    public Mode mode() {
        lock.lock();
        try {
            return mode;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes every current connection and stops listening, so new connections are refused,
     * until another mode is set.
     */
    public void cut() {
        switchTo(Mode.CUT, Duration.ZERO);
    }

    /**
     * Accepts connections but forwards nothing, in either direction, on new and existing
     * connections, and keeps them all open: a partition that drops packets. Bytes already
     * received are held and delivered after {@link #heal()}.
     */
    public void blackhole() {
        switchTo(Mode.BLACKHOLE, Duration.ZERO);
    }

    /**
     * Delays every chunk by {@code latency} in both directions, on new and existing connections,
     * preserving order. Latency is added once per chunk, not per queued chunk: a burst arrives
     * {@code latency} late, not {@code n × latency}. Connecting upstream is delayed too.
     *
     * @throws IllegalArgumentException when {@code latency} is negative
     */
    public void slow(Duration latency) {
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must be >= 0: " + latency);
        }
        switchTo(Mode.SLOW, latency);
    }

    /**
     * Forwards normally again: listens again after {@link #cut()}, and resumes existing
     * connections after {@link #blackhole()} or {@link #slow(Duration)}.
     *
     * @throws UncheckedIOException when the port cannot be bound again within 5 s after a cut
     */
    public void heal() {
        switchTo(Mode.FORWARD, Duration.ZERO);
    }

    /** Closes every connection, stops listening and waits briefly for all threads. Idempotent. */
    @Override
    public void close() {
        Thread accepting;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeServer();
            accepting = acceptor;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        List<ProxyConnection> open = List.copyOf(connections);
        open.forEach(ProxyConnection::close);
        open.forEach(c -> c.join(Duration.ofSeconds(2)));
        ProxySockets.join(accepting, Duration.ofSeconds(2));
        LOG.debug("{} - closed", name);
    }

    @Override
    public String toString() {
        return name + " -> " + target + " (" + mode() + ")";
    }

    /**
     * Blocks until a chunk read at {@code readAtNanos} may be delivered: the mode forwards and,
     * when slow, the latency has passed since it was read.
     *
     * @return false when the connection must close instead (cut or proxy closed)
     * @throws InterruptedException when the connection is closed while waiting
     */
    boolean awaitDelivery(long readAtNanos) throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (closed || mode == Mode.CUT) {
                    return false;
                }
                if (mode == Mode.BLACKHOLE) {
                    changed.await();
                    continue;
                }
                long wait = readAtNanos + (mode == Mode.SLOW ? latency.toNanos() : 0) - System.nanoTime();
                if (wait <= 0) {
                    return true;
                }
                changed.awaitNanos(wait);
            }
        } finally {
            lock.unlock();
        }
    }

    private void switchTo(Mode next, Duration nextLatency) {
        List<ProxyConnection> doomed = List.of();
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException(name + " is closed");
            }
            if (mode == Mode.CUT && next != Mode.CUT) {
                server = ProxySockets.rebind(port, REBIND_TIMEOUT);
                startAcceptor();
            } else if (mode != Mode.CUT && next == Mode.CUT) {
                closeServer();
                doomed = List.copyOf(connections);
            }
            mode = next;
            latency = nextLatency;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        doomed.forEach(ProxyConnection::close);
        LOG.info("{} - {}{} (target {})", name, next, next == Mode.SLOW ? " " + nextLatency : "", target);
    }

    /** Guarded by {@link #lock}. */
    private void startAcceptor() {
        ServerSocket listening = server;
        acceptor = new Thread(() -> acceptLoop(listening), name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop(ServerSocket listening) {
        while (true) {
            Socket client;
            try {
                client = listening.accept();
            } catch (IOException e) {
                return; // closed by cut() or close()
            }
            ProxyConnection connection = new ProxyConnection(this, client, target,
                    name + "-c" + connectionIds.incrementAndGet(), connections::remove);
            lock.lock();
            try {
                // Registered under the lock, so cut() and close() see every connection they must close.
                if (closed || mode == Mode.CUT) {
                    connection.close();
                    continue;
                }
                connections.add(connection);
            } finally {
                lock.unlock();
            }
            connection.start();
        }
    }

    /** Guarded by {@link #lock}. */
    private void closeServer() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                LOG.debug("{} - closing the listening socket failed", name, e);
            }
            server = null;
        }
    }
}
