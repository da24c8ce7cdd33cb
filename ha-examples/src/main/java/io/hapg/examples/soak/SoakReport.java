package io.hapg.examples.soak;

import io.hapg.examples.cluster.Fault;
import io.hapg.testkit.WriteHistory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The soak's results: one line per fault as it ends, and the summary table per fault kind. */
final class SoakReport {
    /**
     * One fault's outcome.
     *
     * @param number      1, 2, ...
     * @param fault       the kind
     * @param target      whom it hit
     * @param primaries   the primary before and after, e.g. {@code n0 -> n2}
     * @param gapMillis   {@link #writeGapMillis}; -1 when no commit followed the fault
     * @param failed      commits that failed (outcome unknown) during the fault
     * @param localOnly   commits whose synchronous wait was cancelled (local only, not acknowledged)
     * @param splitBrain  pairs of nodes that acknowledged commits at the same moment
     * @param lost        acknowledged commits missing on the primary afterwards (sync mode), -1 when not checked
     * @param convergedMillis from the heal to one primary with every replica streaming; -1 when it did not
     * @param tookMillis  the whole fault, from before it was applied to the end of the checks
     * @param problem     what went wrong, empty when the fault passed
     */
    record Row(int number, Fault fault, String target, String primaries, long gapMillis, long failed, long localOnly,
               int splitBrain, long lost, long convergedMillis, long tookMillis, String problem) {
        boolean passed() {
            return problem.isEmpty() && splitBrain == 0 && lost <= 0;
        }

        String line() {
            return String.format("#%-3d %-30s target %-14s primary %-9s gap %6s ms  failed %4d  local-only %3d"
                            + "  split-brain %d  lost %s  converged %5s s  took %5.1f s  %s", number, fault.label(),
                    target, primaries, gapMillis < 0 ? "-" : Long.toString(gapMillis), failed, localOnly, splitBrain,
                    lost < 0 ? "-" : Long.toString(lost),
                    convergedMillis < 0 ? "-" : String.format("%.1f", convergedMillis / 1000.0), tookMillis / 1000.0,
                    passed() ? "PASS" : "FAIL" + (problem.isEmpty() ? "" : ": " + problem));
        }
    }

    private final List<Row> rows = new ArrayList<>();

    synchronized void add(Row row) {
        rows.add(row);
    }

    synchronized List<Row> rows() {
        return List.copyOf(rows);
    }

    synchronized boolean passed() {
        return rows.stream().allMatch(Row::passed);
    }

    /** The first failed fault, if any. */
    synchronized Optional<Row> firstFailure() {
        return rows.stream().filter(r -> !r.passed()).findFirst();
    }

    /** fault kind -> count, median write gap, lost commits, split-brain moments, failed writes, convergence. */
    synchronized String table() {
        Map<Fault, List<Row>> byKind = rows.stream()
                .collect(Collectors.groupingBy(Row::fault, () -> new EnumMap<>(Fault.class), Collectors.toList()));
        StringBuilder t = new StringBuilder();
        String format = "%-30s %5s %14s %6s %12s %14s %14s %11s %7s%n";
        t.append(String.format(format, "fault", "count", "median gap ms", "lost", "split-brain", "failed writes",
                "median conv s", "max conv s", "failed"));
        byKind.forEach((kind, list) -> t.append(row(format, kind.label(), list)));
        t.append(row(format, "all faults", rows));
        return t.toString();
    }

    private static String row(String format, String name, List<Row> list) {
        List<Long> gaps = list.stream().map(Row::gapMillis).filter(g -> g >= 0).collect(Collectors.toList());
        List<Long> conv = list.stream().map(Row::convergedMillis).filter(c -> c >= 0).collect(Collectors.toList());
        long lost = list.stream().mapToLong(r -> Math.max(0, r.lost())).sum();
        boolean lostChecked = list.stream().anyMatch(r -> r.lost() >= 0);
        return String.format(format, name, list.size(), gaps.isEmpty() ? "-" : Long.toString(median(gaps)),
                lostChecked ? Long.toString(lost) : "-", list.stream().mapToInt(Row::splitBrain).sum(),
                list.stream().mapToLong(Row::failed).sum(),
                conv.isEmpty() ? "-" : String.format("%.1f", median(conv) / 1000.0),
                conv.isEmpty() ? "-" : String.format("%.1f", Collections.max(conv) / 1000.0),
                list.stream().filter(r -> !r.passed()).count());
    }

    static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /**
     * How long writes stopped because of a fault at {@code t0}: when the primary changed (another
     * node, or the same node on a new timeline), the time from {@code t0} to the first commit
     * acknowledged on the new term; when the primary stayed, the longest pause between two
     * acknowledgements after {@code t0}. -1 when nothing was committed after {@code t0}.
     */
    static long writeGapMillis(List<WriteHistory.Commit> commits, Instant t0) {
        Optional<WriteHistory.Commit> before = commits.stream().filter(c -> !c.serverTime().isAfter(t0))
                .max(Comparator.comparing(WriteHistory.Commit::serverTime));
        List<WriteHistory.Commit> after = commits.stream().filter(c -> c.serverTime().isAfter(t0))
                .sorted(Comparator.comparing(WriteHistory.Commit::serverTime)).collect(Collectors.toList());
        if (after.isEmpty()) {
            return -1;
        }
        for (WriteHistory.Commit c : after) {
            if (before.isEmpty() || !c.node().equals(before.get().node()) || c.timeline() != before.get().timeline()) {
                return Duration.between(t0, c.ackedAt()).toMillis();
            }
        }
        List<Instant> acks = after.stream().map(WriteHistory.Commit::ackedAt).sorted().collect(Collectors.toList());
        long longest = Duration.between(t0, acks.get(0)).toMillis();
        for (int i = 1; i < acks.size(); i++) {
            longest = Math.max(longest, Duration.between(acks.get(i - 1), acks.get(i)).toMillis());
        }
        return longest;
    }
}
