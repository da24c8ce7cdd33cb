package io.hapg.postgres;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The testkit's {@code ProcessLogs} for {@link TestNodes}: when a test fails it prints the logs of
 * the servers and tools (found in the nodes' run directories, since a {@code PostgresNode}'s
 * processes are not testkit processes); then it deletes the nodes' directory. Register it with
 * {@code @RegisterExtension} and close the nodes in {@code @AfterEach}/{@code @AfterAll}.
 */
final class NodeLogs implements TestWatcher {
    private final List<TestNodes> watched = new CopyOnWriteArrayList<>();

    TestNodes watch(TestNodes nodes) {
        watched.add(nodes);
        return nodes;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        for (TestNodes nodes : watched) {
            System.out.println("Test " + context.getDisplayName() + " failed; logs of " + nodes.base() + ":\n"
                    + nodes.logs());
        }
        deleteAll();
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        testFailed(context, cause);
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        deleteAll();
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
    }

    private void deleteAll() {
        for (TestNodes nodes : watched) {
            try {
                nodes.delete();
            } catch (RuntimeException e) {
                System.out.println("cannot delete " + nodes.base() + ": " + e);
            }
        }
        watched.clear();
    }
}
