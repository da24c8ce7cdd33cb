package io.hapg.examples.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small keep-alive HTTP/1.1 load generator for {@code GET /primary}, so the bench needs no wrk:
 * {@code clients} threads ({@code bench-load-N}), each with one connection, send the next request
 * as soon as the last answer is read. A warm-up first, then the measured window. A server that
 * closes the connection (HTTP/1.0 style) is reconnected and the reconnects counted: a load balancer
 * would pay the same.
 */
final class PrimaryLoad {
    private static final int TIMEOUT_MILLIS = 2000;

    /**
     * What one run measured.
     *
     * @param requestsPerSecond answers per second in the measured window
     * @param p50Millis         median latency
     * @param p99Millis         99th percentile latency
     * @param errors            failed requests (timeouts, resets, status other than 200)
     * @param reconnects        connections the server closed
     * @param errorKinds        the errors by kind ({@code HTTP 503}, {@code SocketTimeoutException}, ...)
     */
    record Result(double requestsPerSecond, double p50Millis, double p99Millis, long errors, long reconnects,
                  Map<String, Long> errorKinds) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors%s, %d reconnects",
                    requestsPerSecond, p50Millis, p99Millis, errors, errorKinds.isEmpty() ? "" : " " + errorKinds,
                    reconnects);
        }
    }

    private final String host;
    private final int port;
    private final String path;

    PrimaryLoad(String host, int port, String path) {
        this.host = host;
        this.port = port;
        this.path = path;
    }

    /** Runs {@code clients} connections for {@code warmupMillis}, then measures {@code measureMillis}. */
    Result run(int clients, long warmupMillis, long measureMillis) throws InterruptedException {
        long start = System.nanoTime();
        long from = start + warmupMillis * 1_000_000L;
        long to = from + measureMillis * 1_000_000L;
        List<long[]> latencies = new ArrayList<>();
        int[] counts = new int[clients];
        Map<String, Long> kinds = new ConcurrentHashMap<>();
        AtomicLong reconnects = new AtomicLong();
        CountDownLatch done = new CountDownLatch(clients);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            long[] mine = new long[1 << 16];
            latencies.add(mine);
            int index = i;
            Thread t = new Thread(() -> {
                try {
                    counts[index] = client(mine, from, to, kinds, reconnects);
                } finally {
                    done.countDown();
                }
            }, "bench-load-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        done.await();
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int i = 0; i < clients; i++) {
            int n = Math.min(counts[i], latencies.get(i).length);
            System.arraycopy(latencies.get(i), 0, all, at, n);
            at += n;
        }
        long[] sorted = Arrays.copyOf(all, at);
        Arrays.sort(sorted);
        return new Result(total / (measureMillis / 1000.0), percentile(sorted, 0.50) / 1e6,
                percentile(sorted, 0.99) / 1e6, kinds.values().stream().mapToLong(Long::longValue).sum(),
                reconnects.get(), new TreeMap<>(kinds));
    }

    /** Nearest-rank percentile of sorted nanoseconds; NaN when empty. */
    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** One client's loop; returns how many answers it counted in the window (latencies beyond the array are dropped). */
    private int client(long[] latencies, long from, long to, Map<String, Long> errors, AtomicLong reconnects) {
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUser-Agent: hapg-bench\r\n"
                + "Accept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        int counted = 0;
        Socket socket = null;
        InputStream in = null;
        while (System.nanoTime() < to) {
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.setTcpNoDelay(true);
                    socket.setSoTimeout(TIMEOUT_MILLIS);
                    socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
                    // Buffered: the answer is parsed byte by byte, one read(2) each would be the bottleneck.
                    in = new BufferedInputStream(socket.getInputStream(), 8192);
                }
                long t0 = System.nanoTime();
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
                Answer a = readAnswer(in);
                long t1 = System.nanoTime();
                boolean inWindow = t0 >= from && t1 <= to;
                if (a.status != 200) {
                    if (inWindow) {
                        errors.merge("HTTP " + a.status, 1L, Long::sum);
                    }
                } else if (inWindow) {
                    if (counted < latencies.length) {
                        latencies[counted] = t1 - t0;
                    }
                    counted++;
                }
                if (a.close) {
                    socket.close();
                    socket = null;
                    reconnects.incrementAndGet();
                }
            } catch (IOException e) {
                if (System.nanoTime() >= from) {
                    errors.merge(kind(e), 1L, Long::sum);
                }
                closeQuietly(socket);
                socket = null;
            }
        }
        closeQuietly(socket);
        return counted;
    }

    /** {@code SocketTimeoutException: Read timed out}, short enough to print. */
    private static String kind(IOException e) {
        String text = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return text.length() > 60 ? text.substring(0, 60) : text;
    }

    private record Answer(int status, boolean close) {
    }

    /** Reads one response: status line, headers, then a Content-Length, chunked or read-to-close body. */
    private static Answer readAnswer(InputStream in) throws IOException {
        String status = line(in);
        String[] parts = status.split(" ");
        if (parts.length < 2) {
            throw new IOException("bad status line '" + status + "'");
        }
        int code = Integer.parseInt(parts[1]);
        boolean close = parts[0].equals("HTTP/1.0");
        long length = -1;
        boolean chunked = false;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("connection:")) {
                close = lower.contains("close") || (close && !lower.contains("keep-alive"));
            }
        }
        if (chunked) {
            for (long size = Long.parseLong(line(in).split(";")[0].trim(), 16); size > 0;
                 size = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
                skip(in, size);
                line(in);
            }
            line(in);
        } else if (length >= 0) {
            skip(in, length);
        } else {
            in.transferTo(OutputStream.nullOutputStream());
            close = true;
        }
        return new Answer(code, close);
    }

    private static void skip(InputStream in, long n) throws IOException {
        long left = n;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("connection closed inside a body");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing a broken connection: nothing to do
            }
        }
    }
}
