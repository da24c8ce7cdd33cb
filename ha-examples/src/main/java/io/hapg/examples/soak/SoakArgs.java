package io.hapg.examples.soak;

import static io.hapg.examples.cluster.Flags.count;
import static io.hapg.examples.cluster.Flags.once;
import static io.hapg.examples.cluster.Flags.onOff;

import java.util.OptionalInt;

/**
 * The soak's command line: {@code --minutes N}, {@code --faults K} (at least one; the soak stops
 * at whichever comes first), {@code --sync on|off} (default off) and {@code --seed S} (default
 * random, printed so the run can be replayed).
 *
 * @param minutes     stop starting faults after this many minutes
 * @param faults      stop after this many faults
 * @param synchronous whether the cluster runs with {@code synchronous_mode: true}
 * @param seed        the seed of every random choice (fault kind, target, pause)
 */
record SoakArgs(OptionalInt minutes, OptionalInt faults, boolean synchronous, long seed) {
    /** The longest --minutes: a year. */
    static final int MAX_MINUTES = 365 * 24 * 60;
    static final String USAGE = "usage: java -jar hapg-demo.jar soak --minutes N [--faults K] [--sync on|off]"
            + " [--seed S]   (--faults K alone is fine too; the soak stops at whichever comes first)";

    /**
     * Parses {@code args} (without the {@code soak} word).
     *
     * @param defaultSeed the seed when {@code --seed} is not given
     * @throws IllegalArgumentException naming the bad flag and what it needs
     */
    static SoakArgs parse(String[] args, long defaultSeed) {
        Integer minutes = null;
        Integer faults = null;
        Boolean sync = null;
        Long seed = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (!flag.equals("--minutes") && !flag.equals("--faults") && !flag.equals("--sync")
                    && !flag.equals("--seed")) {
                throw new IllegalArgumentException("unknown argument '" + flag + "'");
            }
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--minutes" -> minutes = once(flag, minutes, count(flag, value, "minutes", MAX_MINUTES));
                case "--faults" -> faults = once(flag, faults, count(flag, value, "faults", Integer.MAX_VALUE));
                case "--sync" -> sync = once(flag, sync, onOff(flag, value));
                default -> seed = once(flag, seed, seed(value));
            }
        }
        if (minutes == null && faults == null) {
            throw new IllegalArgumentException("give --minutes N or --faults K (or both)");
        }
        return new SoakArgs(minutes == null ? OptionalInt.empty() : OptionalInt.of(minutes),
                faults == null ? OptionalInt.empty() : OptionalInt.of(faults), sync != null && sync,
                seed == null ? defaultSeed : seed);
    }

    /** The command that replays this run. */
    String replay() {
        return "java -jar ha-examples/target/hapg-demo.jar soak"
                + (minutes.isPresent() ? " --minutes " + minutes.getAsInt() : "")
                + (faults.isPresent() ? " --faults " + faults.getAsInt() : "")
                + " --sync " + (synchronous ? "on" : "off") + " --seed " + seed;
    }

    private static long seed(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed needs a whole number, got '" + value + "'");
        }
    }
}
