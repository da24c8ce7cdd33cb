package io.hapg.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One client connection through a {@link FaultProxy} and its upstream connection. Each
 * direction has a reader thread, which queues chunks stamped with their arrival time, and a
 * writer thread, which delivers them when the proxy's mode allows. The queue is bounded, so a
 * paused direction pushes back on the sender as a stalled TCP window would.
 */
final class ProxyConnection {
    private static final int CHUNK_BYTES = 16 * 1024;
    private static final int QUEUED_CHUNKS = 64;
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final FaultProxy proxy;
    private final Socket client;
    private final InetSocketAddress target;
    private final String name;
    private final Consumer<ProxyConnection> onClose;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger openDirections = new AtomicInteger(2);
    private volatile Socket upstream;

    ProxyConnection(FaultProxy proxy, Socket client, InetSocketAddress target, String name,
                    Consumer<ProxyConnection> onClose) {
        this.proxy = proxy;
        this.client = client;
        this.target = target;
        this.name = name;
        this.onClose = onClose;
    }

    /** Connects upstream once the mode allows it, then starts the four pumps. */
    void start() {
        spawn("up-read", this::connectAndPump);
    }

    /** Closes both sockets and interrupts every pump. Idempotent; safe before {@link #start()}. */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(client);
        closeQuietly(upstream);
        for (Thread thread : threads) {
            if (thread != Thread.currentThread()) {
                thread.interrupt();
            }
        }
        onClose.accept(this);
    }

    /** Waits up to {@code timeout} for each pump thread to end. */
    void join(Duration timeout) {
        threads.forEach(t -> ProxySockets.join(t, timeout));
    }

    private void connectAndPump() {
        Socket socket = new Socket();
        try {
            // A blackholed connection does not reach the target at all until heal().
            if (!proxy.awaitDelivery(System.nanoTime())) {
                close();
                return;
            }
            upstream = socket;
            socket.connect(target, CONNECT_TIMEOUT_MILLIS);
            if (closed.get()) {
                closeQuietly(socket);
                return;
            }
            BlockingQueue<Chunk> toTarget = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
            BlockingQueue<Chunk> toClient = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
            spawn("up-write", () -> write(toTarget, socket));
            spawn("down-read", () -> read(socket.getInputStream(), toClient));
            spawn("down-write", () -> write(toClient, client));
            read(client.getInputStream(), toTarget);
        } catch (IOException | InterruptedException e) {
            close();
        }
    }

    private void read(InputStream in, BlockingQueue<Chunk> queue) throws IOException, InterruptedException {
        while (true) {
            byte[] buffer = new byte[CHUNK_BYTES];
            int n = in.read(buffer);
            if (n < 0) {
                queue.put(new Chunk(null, System.nanoTime()));
                return;
            }
            queue.put(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime()));
        }
    }

    private void write(BlockingQueue<Chunk> queue, Socket destination) {
        try {
            OutputStream out = destination.getOutputStream();
            while (true) {
                Chunk chunk = queue.take();
                if (!proxy.awaitDelivery(chunk.readAtNanos())) {
                    close();
                    return;
                }
                if (chunk.isEnd()) {
                    destination.shutdownOutput();
                    if (openDirections.decrementAndGet() == 0) {
                        close();
                    }
                    return;
                }
                out.write(chunk.bytes());
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            close();
        }
    }

    private void spawn(String role, ThrowingRunnable body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (IOException | InterruptedException e) {
                close();
            }
        }, name + "-" + role);
        thread.setDaemon(true);
        threads.add(thread);
        if (closed.get()) {
            return;
        }
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // Already broken; nothing more to release.
            }
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws IOException, InterruptedException;
    }

    /** Bytes read at {@code readAtNanos}; null bytes mark the end of the stream. */
    private record Chunk(byte[] bytes, long readAtNanos) {
        boolean isEnd() {
            return bytes == null;
        }
    }
}
