package io.hapg.agent.e2e;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * The article's failure scenarios with {@code synchronous_mode: true}: on top of the async
 * invariants, no acknowledged commit may be lost.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class SyncFailoverIT extends FailoverScenarios {
    @Override
    boolean synchronous() {
        return true;
    }

    @Override
    int killRuns() {
        return 1;
    }
}
