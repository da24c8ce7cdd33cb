package io.hapg.testkit;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A JUnit extension that prints the logs of the processes a test used when the test fails, so
 * the surefire report of a red build shows what etcd or PostgreSQL said.
 *
 * <pre>{@code
 * @RegisterExtension static final ProcessLogs logs = new ProcessLogs();
 * ... logs.watch(etcd); logs.watch(postgres);
 * }</pre>
 */
public final class ProcessLogs implements TestWatcher {
    private static final int TAIL_LINES = 80;
    private final List<Supplier<List<ManagedProcess>>> sources = new CopyOnWriteArrayList<>();

    /** Adds the processes of an owner ({@code LocalEtcd}, {@code LocalPostgres}, ...). */
    public ProcessLogs watch(ProcessOwner owner) {
        sources.add(owner::processes);
        return this;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        StringBuilder out = new StringBuilder();
        for (Supplier<List<ManagedProcess>> source : sources) {
            for (ManagedProcess process : source.get()) {
                out.append("----- ").append(process).append(" log ").append(process.logFile())
                        .append(" (last ").append(TAIL_LINES).append(" lines) -----\n")
                        .append(process.logTail(TAIL_LINES)).append('\n');
            }
        }
        System.out.println("Test " + context.getDisplayName() + " failed; process logs:\n" + out);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        testFailed(context, cause);
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
    }
}
