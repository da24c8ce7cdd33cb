package io.hapg.examples.demo;

import io.hapg.core.model.ClusterView;
import io.hapg.core.spi.ConsensusUnavailableException;
import io.hapg.etcd.EtcdConsensus;
import io.hapg.agent.ctl.ClusterTable;
import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads the cluster from etcd twice a second on its own thread ({@code demo-table}) and prints
 * hactl's table whenever the leader, a role, a state or a timeline changed (lag alone does not
 * count, or a busy cluster would print forever).
 */
final class TableWatcher implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(500);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final EtcdConsensus etcd;
    private final String scope;
    private final PrintStream out;
    private final Thread thread;
    private final AtomicReference<Optional<ClusterView>> last = new AtomicReference<>(Optional.empty());
    private volatile boolean running = true;
    private String shape = "";

    TableWatcher(EtcdConsensus etcd, String scope, PrintStream out) {
        this.etcd = etcd;
        this.scope = scope;
        this.out = out;
        this.thread = new Thread(this::loop, "demo-table");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** The last view read, if any. */
    Optional<ClusterView> lastView() {
        return last.get();
    }

    /** Reads now and prints the table if it changed; returns the view read. */
    Optional<ClusterView> poll() {
        ClusterView view;
        try {
            view = etcd.read();
        } catch (ConsensusUnavailableException e) {
            return Optional.empty();
        }
        last.set(Optional.of(view));
        String now = ClusterTable.shape(scope, view);
        synchronized (this) {
            if (!now.equals(shape)) {
                shape = now;
                out.print("\n" + LocalTime.now().format(TIME) + "\n" + ClusterTable.pretty(scope, view));
                out.flush();
            }
        }
        return Optional.of(view);
    }

    private void loop() {
        while (running) {
            poll();
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
