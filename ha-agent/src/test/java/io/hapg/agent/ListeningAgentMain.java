package io.hapg.agent;

import io.hapg.agent.config.AdapterConfigs;
import io.hapg.agent.config.ConfigLoader;
import io.hapg.agent.config.NodeConfig;
import io.hapg.core.HaAgent;
import io.hapg.core.callbacks.LoggingListener;
import io.hapg.core.config.HaConfig;
import io.hapg.core.http.HttpApi;
import io.hapg.core.spi.RoleChange;
import io.hapg.core.spi.RoleChangeListener;
import io.hapg.etcd.EtcdConsensus;
import io.hapg.postgres.PostgresNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

/**
 * An application that runs its hapg node in its own JVM with a typed {@link RoleChangeListener}
 * (the standalone agent loads none: listeners are wired in code). Called as the standalone agent
 * is ({@code ListeningAgentMain agent CONFIG.yml}, see {@code LocalCluster.Builder.mainClass}), it
 * wires the node as {@link HapgAgent#fromConfig} does, plus a listener that appends every call
 * to {@value #FILE} in its working directory, one line each:
 * {@code <kind> <oldRole> <newRole> <oldLeader|-> <newLeader|-> <leaderMember|->}, after a line
 * {@value #STARTED} each time the process starts.
 */
public final class ListeningAgentMain {
    /** The file every call is appended to, in the working directory. */
    public static final String FILE = "role-changes.log";
    /** The line written when the process starts. */
    public static final String STARTED = "started";

    private ListeningAgentMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !args[0].equals("agent")) {
            System.err.println("usage: ListeningAgentMain agent CONFIG.yml");
            System.exit(2);
        }
        NodeConfig node = ConfigLoader.load(Path.of(args[1])).config();
        HaConfig config = node.ha();
        EtcdConsensus consensus = new EtcdConsensus(AdapterConfigs.etcd(node.etcd().orElseThrow())
                .namespace(config.namespace()).scope(config.scope()).member(config.name())
                .ttl(config.bootstrapDcs().ttl()).retryTimeout(config.bootstrapDcs().retryTimeout()).build());
        Recorder recorder = new Recorder(Path.of(FILE));
        recorder.append(STARTED);
        HaAgent agent = HaAgent.builder(config, consensus, PostgresNode.create(AdapterConfigs.postgres(node).build()))
                .restApi(HttpApi.builder(config)).listener(new LoggingListener()).listener(recorder).build();
        CompletableFuture<Void> stopSignal = new CompletableFuture<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopSignal.complete(null);
        }, "hapg-shutdown"));
        agent.start();
        System.exit(AgentMain.serve(agent, stopSignal));
    }

    /** Appends each call as one line; the dispatcher calls it one event at a time. */
    private static final class Recorder implements RoleChangeListener {
        private final Path file;

        Recorder(Path file) {
            this.file = file;
        }

        @Override
        public void roleChanged(RoleChange change) {
            append("roleChanged", change);
        }

        @Override
        public void leaderChanged(RoleChange change) {
            append("leaderChanged", change);
        }

        @Override
        public void lifecycle(String action, RoleChange context) {
            append(action, context);
        }

        private void append(String kind, RoleChange c) {
            append(kind + " " + c.oldRole() + " " + c.newRole() + " " + c.oldLeader().orElse("-") + " "
                    + c.newLeader().orElse("-") + " " + c.leaderMember().map(m -> m.name()).orElse("-"));
        }

        private synchronized void append(String text) {
            String line = text + "\n";
            try {
                Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
