package io.hapg.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.process.OsUser;
import io.hapg.testkit.UnprivilegedJvm;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * CI runs as root, where every PostgreSQL process goes through setpriv to {@code osUser}. This runs
 * {@link NormalUserScenario} in a JVM that is itself the unprivileged account, where PostgresNode
 * runs the tools directly.
 */
@Timeout(120)
class RunsAsANormalUserIT {
    @Test
    void bootstrapClonePromoteRewindWorkWithoutRoot() throws Exception {
        if (!OsUser.current().isRoot()) {
            NormalUserScenario.main(new String[0]);
            return;
        }
        UnprivilegedJvm.Result child = UnprivilegedJvm.run(NormalUserScenario.class, Duration.ofSeconds(100));
        assertThat(child.exited()).as("child JVM finished").isTrue();
        assertThat(child.exitCode()).as("child JVM exit code").isZero();
        assertThat(child.output()).contains(NormalUserScenario.PASSED + " as " + child.user().name() + "(uid "
                + child.user().uid());
    }
}
