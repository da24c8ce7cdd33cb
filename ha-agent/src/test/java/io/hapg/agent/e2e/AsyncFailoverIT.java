package io.hapg.agent.e2e;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** The article's failure scenarios with asynchronous replication; times kill -9 to the first commit. */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class AsyncFailoverIT extends FailoverScenarios {
    @Override
    boolean synchronous() {
        return false;
    }

    @Override
    int killRuns() {
        return 3;
    }
}
