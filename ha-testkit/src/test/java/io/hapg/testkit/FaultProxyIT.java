package io.hapg.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FaultProxyIT {
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final Duration LATENCY = Duration.ofMillis(200);

    @RegisterExtension
    final ProcessLogs logs = new ProcessLogs();

    @Test
    void blackholeHoldsTrafficOnOldAndNewConnectionsUntilHeal() throws Exception {
        try (EchoServer echo = new EchoServer();
             FaultProxy proxy = FaultProxy.start("127.0.0.1", echo.port());
             Socket early = connect(proxy)) {
            assertThat(roundTrip(early, "hello")).isEqualTo("hello");

            proxy.blackhole();
            assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.BLACKHOLE);
            send(early, "held");
            assertNothingArrives(early);
            try (Socket late = connect(proxy)) {
                send(late, "late");
                assertNothingArrives(late);
                assertThat(echo.accepted()).as("a blackholed connection never reaches the target").isEqualTo(1);

                proxy.heal();
                assertThat(read(early, 4, Duration.ofSeconds(5))).isEqualTo("held");
                assertThat(read(late, 4, Duration.ofSeconds(5))).isEqualTo("late");
            }
            assertThat(roundTrip(early, "again")).isEqualTo("again");
        }
    }

    @Test
    void cutClosesConnectionsAndRefusesNewOnesUntilHeal() throws Exception {
        try (EchoServer echo = new EchoServer(); FaultProxy proxy = FaultProxy.start("127.0.0.1", echo.port())) {
            Socket before = connect(proxy);
            assertThat(roundTrip(before, "one")).isEqualTo("one");

            proxy.cut();
            assertThat(proxy.mode()).isEqualTo(FaultProxy.Mode.CUT);
            assertClosedByPeer(before);
            // Refused while cut. (Checked as "no echo comes back" rather than only "connect fails":
            // the freed port is in the ephemeral range, so on a busy machine another socket can
            // briefly land on it.)
            boolean reachedTarget;
            try (Socket during = connect(proxy)) {
                reachedTarget = "x".equals(roundTrip(during, "x"));
            } catch (IOException refused) {
                reachedTarget = false;
            }
            assertThat(reachedTarget).as("a new connection through a cut proxy reached the target").isFalse();

            proxy.heal();
            try (Socket after = connect(proxy)) {
                assertThat(after.getPort()).isEqualTo(proxy.port());
                assertThat(roundTrip(after, "two")).isEqualTo("two");
            }
            before.close();
        }
    }

    @Test
    void slowDelaysEachDirectionOnceAndKeepsOrder() throws Exception {
        try (EchoServer echo = new EchoServer();
             FaultProxy proxy = FaultProxy.start("127.0.0.1", echo.port());
             Socket socket = connect(proxy)) {
            roundTrip(socket, "warm");

            proxy.slow(LATENCY);
            long start = System.nanoTime();
            assertThat(roundTrip(socket, "x")).isEqualTo("x");
            assertThat(millisSince(start)).as("request and reply each delayed").isBetween(400L, 3_000L);

            String burst = IntStream.range(0, 50).mapToObj(i -> String.format("m%02d", i))
                    .collect(Collectors.joining());
            start = System.nanoTime();
            for (int i = 0; i < burst.length(); i += 3) {
                send(socket, burst.substring(i, i + 3));
            }
            assertThat(read(socket, burst.length(), Duration.ofSeconds(10))).isEqualTo(burst);
            assertThat(millisSince(start)).as("latency is not multiplied by the chunk count").isBetween(400L, 3_000L);

            proxy.heal();
            start = System.nanoTime();
            assertThat(roundTrip(socket, "fast")).isEqualTo("fast");
            assertThat(millisSince(start)).isLessThan(400L);
        }
    }

    @Test
    void closeStopsListeningAndEveryThread() throws Exception {
        FaultProxy proxy;
        try (EchoServer echo = new EchoServer()) {
            proxy = FaultProxy.start("127.0.0.1", echo.port());
            Socket open = connect(proxy);
            roundTrip(open, "x");
            proxy.blackhole();
            proxy.close();
            proxy.close();
            assertClosedByPeer(open);
            open.close();
        }
        assertThatThrownBy(() -> connect(proxy)).isInstanceOf(ConnectException.class);
        assertThatThrownBy(proxy::heal).isInstanceOf(IllegalStateException.class);
        String prefix = "fault-proxy-" + proxy.port() + "-";
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith(prefix) && t.isAlive());
    }

    @Test
    void etcdClientThroughProxyFailsWhileCutOrBlackholedAndRecoversOnHeal() throws Exception {
        try (LocalEtcd etcd = LocalEtcd.start(1);
             FaultProxy proxy = FaultProxy.start("127.0.0.1", etcd.clientPort(0));
             Client client = LocalEtcdIT.client(List.of("http://" + proxy.endpoint()))) {
            logs.watch(etcd);
            LocalEtcdIT.put(client, "k", "v");
            assertThat(LocalEtcdIT.get(client, "k")).isEqualTo("v");

            proxy.cut();
            assertGetFailsWithin(client, Duration.ofSeconds(2));
            proxy.heal();
            assertThat(LocalEtcdIT.eventually(() -> LocalEtcdIT.get(client, "k"))).isEqualTo("v");

            proxy.blackhole();
            assertGetFailsWithin(client, Duration.ofSeconds(2));
            proxy.heal();
            assertThat(LocalEtcdIT.eventually(() -> LocalEtcdIT.get(client, "k"))).isEqualTo("v");

            long start = System.nanoTime();
            LocalEtcdIT.get(client, "k");
            long baseline = millisSince(start);
            proxy.slow(LATENCY);
            start = System.nanoTime();
            assertThat(LocalEtcdIT.get(client, "k")).isEqualTo("v");
            long slow = millisSince(start);
            assertThat(slow).as("baseline %d ms", baseline).isBetween(2 * LATENCY.toMillis() - 20, 5_000L);
            proxy.heal();
        }
    }

    private static void assertGetFailsWithin(Client client, Duration timeout) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.getKVClient().get(LocalEtcdIT.bytes("k"))
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOfAny(TimeoutException.class, ExecutionException.class);
        assertThat(millisSince(start)).isLessThan(timeout.toMillis() + 1_000);
    }

    private static void assertNothingArrives(Socket socket) {
        assertThatThrownBy(() -> read(socket, 1, QUIET)).isInstanceOf(SocketTimeoutException.class);
    }

    /** The proxy closed the connection: the next read sees end of stream or a reset. */
    private static void assertClosedByPeer(Socket socket) throws IOException {
        socket.setSoTimeout(5_000);
        try {
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open after the proxy closed it", e);
        } catch (IOException reset) {
            // A reset is a close too.
        }
    }

    private static Socket connect(FaultProxy proxy) throws IOException {
        Socket socket = new Socket();
        socket.connect(proxy.address(), 2_000);
        socket.setTcpNoDelay(true);
        return socket;
    }

    private static String roundTrip(Socket socket, String text) throws IOException {
        send(socket, text);
        return read(socket, text.length(), Duration.ofSeconds(5));
    }

    private static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(UTF_8));
        socket.getOutputStream().flush();
    }

    private static String read(Socket socket, int length, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        byte[] bytes = socket.getInputStream().readNBytes(length);
        return new String(bytes, UTF_8);
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Echoes every byte back, one named thread per connection. */
    private static final class EchoServer implements AutoCloseable {
        private final ServerSocket server;
        private volatile int accepted;

        EchoServer() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::acceptLoop, "echo-" + server.getLocalPort() + "-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return accepted;
        }

        private void acceptLoop() {
            try {
                while (true) {
                    Socket socket = server.accept();
                    accepted++;
                    Thread echo = new Thread(() -> echo(socket), "echo-" + port() + "-conn" + accepted);
                    echo.setDaemon(true);
                    echo.start();
                }
            } catch (IOException closed) {
                // close() ends the loop.
            }
        }

        private static void echo(Socket socket) {
            try (socket; InputStream in = socket.getInputStream()) {
                in.transferTo(socket.getOutputStream());
            } catch (IOException e) {
                // The peer went away.
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
