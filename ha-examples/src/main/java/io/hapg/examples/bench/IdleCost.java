package io.hapg.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;

/**
 * An idle process's cost from {@code /proc}: CPU as utime + stime ({@code /proc/PID/stat}) over a
 * window, in % of one core, and the resident set ({@code VmRSS} of {@code /proc/PID/status}) in MB,
 * as {@code scripts/bench/one-node.sh} measures with awk.
 */
final class IdleCost {
    /** USER_HZ: the kernel reports utime/stime in these ticks, 100 on every Linux the JDK runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private IdleCost() {
    }

    /** utime + stime of {@code pid} in seconds; empty when the process is gone. */
    static OptionalDouble cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return OptionalDouble.of(cpuTicks(stat) / TICKS_PER_SECOND);
        } catch (IOException e) {
            return OptionalDouble.empty();
        }
    }

    /** utime + stime from a {@code /proc/PID/stat} line; the command name may hold spaces, so count after its ')'. */
    static long cpuTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
        // After the name: state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12 here.
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** VmRSS of {@code pid} in MB; empty when the process is gone. */
    static OptionalDouble rssMegabytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return OptionalDouble.of(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0);
                }
            }
            return OptionalDouble.empty();
        } catch (IOException e) {
            return OptionalDouble.empty();
        }
    }
}
