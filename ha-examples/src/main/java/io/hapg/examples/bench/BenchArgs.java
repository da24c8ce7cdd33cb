package io.hapg.examples.bench;

import static io.hapg.examples.cluster.Flags.count;
import static io.hapg.examples.cluster.Flags.once;
import static io.hapg.examples.cluster.Flags.onOff;

import java.nio.file.Path;

/**
 * The bench's command line: {@code [--repetitions N] [--ttl S] [--loop-wait S] [--retry-timeout S]
 * [--sync on|off] [--fast-failover on|off] [--against patroni] [--output DIR]}. The defaults are the timings of issue 14's
 * table (ttl 10, loop_wait 2, retry_timeout 4), 3 repetitions, asynchronous mode, {@code ./bench-out}.
 *
 * @param repetitions    how often each fault scenario runs (min / median / max over them)
 * @param ttl            {@code bootstrap.dcs.ttl} in seconds, for both systems
 * @param loopWait       {@code bootstrap.dcs.loop_wait} in seconds
 * @param retryTimeout   {@code bootstrap.dcs.retry_timeout} in seconds
 * @param synchronous    {@code synchronous_mode} of every scenario; the PostgreSQL-only crash runs
 *                       in the other mode too, so its row comes in both
 * @param fastFailover   hapg's {@code fast_failover} (FAST-FAILOVER.md) on the hapg cluster; needs
 *                       {@code --sync on}. Patroni has no such key: its cluster runs without it
 * @param againstPatroni also run every scenario on a Patroni cluster and print the ratio
 * @param output         where bench.md, samples.csv and the plots go
 */
record BenchArgs(int repetitions, int ttl, int loopWait, int retryTimeout, boolean synchronous,
                 boolean fastFailover, boolean againstPatroni, Path output) {
    static final String USAGE = "usage: java -jar hapg-demo.jar bench [--repetitions N] [--ttl S] [--loop-wait S]"
            + " [--retry-timeout S] [--sync on|off] [--fast-failover on|off] [--against patroni] [--output DIR]";
    private static final int MAX_REPETITIONS = 100;
    private static final int MAX_SECONDS = 3600;

    /**
     * Parses {@code args} (without the {@code bench} word).
     *
     * @throws IllegalArgumentException naming the bad flag and what it needs
     */
    static BenchArgs parse(String[] args) {
        Integer repetitions = null;
        Integer ttl = null;
        Integer loopWait = null;
        Integer retryTimeout = null;
        Boolean sync = null;
        Boolean fast = null;
        Boolean patroni = null;
        Path output = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (!flag.equals("--repetitions") && !flag.equals("--ttl") && !flag.equals("--loop-wait")
                    && !flag.equals("--retry-timeout") && !flag.equals("--sync") && !flag.equals("--fast-failover") && !flag.equals("--against")
                    && !flag.equals("--output")) {
                throw new IllegalArgumentException("unknown argument '" + flag + "'");
            }
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--repetitions" -> repetitions = once(flag, repetitions, count(flag, value, "", MAX_REPETITIONS));
                case "--ttl" -> ttl = once(flag, ttl, count(flag, value, "", MAX_SECONDS));
                case "--loop-wait" -> loopWait = once(flag, loopWait, count(flag, value, "", MAX_SECONDS));
                case "--retry-timeout" -> retryTimeout = once(flag, retryTimeout, count(flag, value, "", MAX_SECONDS));
                case "--sync" -> sync = once(flag, sync, onOff(flag, value));
                case "--fast-failover" -> fast = once(flag, fast, onOff(flag, value));
                case "--against" -> patroni = once(flag, patroni, against(value));
                default -> output = once(flag, output, Path.of(value));
            }
        }
        BenchArgs parsed = new BenchArgs(repetitions == null ? 3 : repetitions, ttl == null ? 10 : ttl,
                loopWait == null ? 2 : loopWait, retryTimeout == null ? 4 : retryTimeout, sync != null && sync,
                fast != null && fast, patroni != null && patroni, output == null ? Path.of("bench-out") : output);
        if (parsed.loopWait + 2 * parsed.retryTimeout > parsed.ttl) {
            // Patroni refuses the same: the leader could lose its key between two loops.
            throw new IllegalArgumentException("--ttl must be at least --loop-wait + 2 x --retry-timeout, got ttl "
                    + parsed.ttl + ", loop_wait " + parsed.loopWait + ", retry_timeout " + parsed.retryTimeout);
        }
        if (parsed.fastFailover && !parsed.synchronous) {
            throw new IllegalArgumentException("--fast-failover on needs --sync on: fast failover works only in"
                    + " synchronous mode");
        }
        return parsed;
    }

    /** How the run is described on its first line and in bench.md. */
    String describe() {
        return "ttl " + ttl + " s, loop_wait " + loopWait + " s, retry_timeout " + retryTimeout + " s, "
                + (synchronous ? "synchronous" : "asynchronous") + " mode, "
                + (fastFailover ? "fast_failover on (hapg), " : "") + repetitions + " repetition"
                + (repetitions == 1 ? "" : "s") + (againstPatroni ? ", side by side with Patroni" : "");
    }

    private static boolean against(String value) {
        if (!value.equals("patroni")) {
            throw new IllegalArgumentException("--against needs patroni (the only other system), got '" + value
                    + "'");
        }
        return true;
    }
}
