package io.hapg.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.hapg.process.OsUser;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class UnprivilegedJvmIT {
    private static final String FORWARDED = "hapg.test.unprivileged-jvm";

    @Test
    void theChildRunsAsTheUnprivilegedUserWithForwardedProperties() {
        System.setProperty(FORWARDED, "passed on");
        UnprivilegedJvm.Result result;
        try {
            result = UnprivilegedJvm.run(ReportsItself.class, Duration.ofSeconds(30), FORWARDED, "hapg.test.unset");
        } finally {
            System.clearProperty(FORWARDED);
        }

        OsUser user = OsUser.unprivileged();
        assertThat(result.user().uid()).isEqualTo(user.uid());
        assertThat(result.exited()).isTrue();
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.output()).contains("as " + user.name() + "(uid " + user.uid())
                .contains("property: passed on").contains("unset: null");
    }

    @Test
    void aChildStillRunningAtTheTimeoutIsStoppedWithWhatItStarted() {
        UnprivilegedJvm.Result result = UnprivilegedJvm.run(Hangs.class, Duration.ofSeconds(5));

        assertThat(result.exited()).isFalse();
        Matcher sleeper = Pattern.compile("sleeper pid (\\d+)").matcher(result.output());
        assertThat(sleeper.find()).as("output: %s", result.output()).isTrue();
        Optional<ProcessHandle> handle = ProcessHandle.of(Long.parseLong(sleeper.group(1)));
        // SIGKILL is asynchronous: the kernel may take a moment to remove the process.
        handle.ifPresent(h -> h.onExit().orTimeout(5, TimeUnit.SECONDS).join());
    }

    /** Prints who it is and the properties it got, then exits with 3. */
    public static final class ReportsItself {
        public static void main(String[] args) {
            System.out.println("as " + OsUser.current());
            System.out.println("property: " + System.getProperty(FORWARDED));
            System.out.println("unset: " + System.getProperty("hapg.test.unset"));
            System.exit(3);
        }
    }

    /** Starts a long sleep, prints its PID, and waits forever. */
    public static final class Hangs {
        public static void main(String[] args) throws IOException, InterruptedException {
            Process sleeper = new ProcessBuilder("sleep", "300").start();
            System.out.println("sleeper pid " + sleeper.pid());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
