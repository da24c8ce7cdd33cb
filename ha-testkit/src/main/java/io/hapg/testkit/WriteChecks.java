package io.hapg.testkit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The checks {@link WriteHistory} runs on a recorded history: pure functions of the list of
 * acknowledged commits, so they are unit-tested with synthetic histories.
 */
final class WriteChecks {
    private WriteChecks() {
    }

    /**
     * The windows in which one node, on one timeline, acknowledged commits: from the server time
     * of its first commit to the client's acknowledgement of its last.
     */
    record Term(String node, long timeline, Instant from, Instant to, int commits) {
        boolean overlaps(Term other, Duration tolerance) {
            Instant start = from.isAfter(other.from) ? from : other.from;
            Instant end = to.isBefore(other.to) ? to : other.to;
            return Duration.between(start, end).compareTo(tolerance) > 0;
        }

        @Override
        public String toString() {
            return node + " on timeline " + timeline + " [" + from + " .. " + to + "] (" + commits + " commits)";
        }
    }

    /** Groups acknowledged commits by (node, timeline), ordered by their first commit. */
    static List<Term> terms(Collection<WriteHistory.Commit> commits) {
        Map<String, List<WriteHistory.Commit>> byTerm = new LinkedHashMap<>();
        commits.stream().sorted(Comparator.comparing(WriteHistory.Commit::serverTime))
                .forEach(c -> byTerm.computeIfAbsent(c.node() + "\u0000" + c.timeline(), k -> new ArrayList<>()).add(c));
        List<Term> terms = new ArrayList<>();
        for (List<WriteHistory.Commit> group : byTerm.values()) {
            WriteHistory.Commit first = group.get(0);
            Instant to = group.stream().map(WriteHistory.Commit::ackedAt).max(Comparator.naturalOrder()).orElseThrow();
            terms.add(new Term(first.node(), first.timeline(), first.serverTime(), to, group.size()));
        }
        return terms;
    }

    /**
     * Every pair of terms of different nodes whose windows overlap by more than
     * {@code tolerance}: two nodes acknowledging commits at the same time. Empty when at most
     * one node was a writable primary at any moment.
     */
    static List<String> overlappingPrimaries(Collection<WriteHistory.Commit> commits, Duration tolerance) {
        List<Term> terms = terms(commits);
        List<String> violations = new ArrayList<>();
        for (int i = 0; i < terms.size(); i++) {
            for (int j = i + 1; j < terms.size(); j++) {
                Term a = terms.get(i);
                Term b = terms.get(j);
                if (!a.node().equals(b.node()) && a.overlaps(b, tolerance)) {
                    violations.add("two writable primaries: " + a + " and " + b);
                }
            }
        }
        return violations;
    }

    /** The ids of acknowledged commits missing from {@code present}, in order. */
    static Set<Long> lost(Collection<WriteHistory.Commit> acknowledged, Set<Long> present) {
        return acknowledged.stream().map(WriteHistory.Commit::id).filter(id -> !present.contains(id))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
