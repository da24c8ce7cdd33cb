package io.hapg.examples.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The samples of a run and what is printed from them: a markdown table, one row per scenario and
 * metric, one column per system with min / median / max over the repetitions (failed samples
 * counted apart), and with two systems the ratio of the medians (hapg / Patroni: below 1 is
 * hapg faster or smaller); and the raw samples as CSV. Thread-safe.
 */
final class BenchReport {
    static final String HAPG = "hapg";
    static final String PATRONI = "patroni";
    static final String CSV_HEADER = "scenario,system,repetition,metric,value,failure";

    private final List<Sample> samples = new ArrayList<>();

    synchronized void add(Sample s) {
        samples.add(s);
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Min, median and max of the successful values, and how many attempts failed (with the first reason). */
    record Stats(double min, double median, double max, int count, int failed, Optional<String> firstFailure) {
        static Stats of(List<Sample> samples) {
            double[] v = samples.stream().filter(Sample::ok).mapToDouble(Sample::value).sorted().toArray();
            List<String> failures = samples.stream().filter(s -> !s.ok()).map(s -> s.failure().orElseThrow())
                    .collect(Collectors.toList());
            Optional<String> first = failures.stream().findFirst();
            if (v.length == 0) {
                return new Stats(Double.NaN, Double.NaN, Double.NaN, 0, failures.size(), first);
            }
            return new Stats(v[0], median(v), v[v.length - 1], v.length, failures.size(), first);
        }

        /** The median of sorted values: the middle one, or the mean of the two middle ones. */
        static double median(double[] sorted) {
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }

        /**
         * {@code min / median / max}, one number when there is one sample, plus {@code (k failed)};
         * counts (all three whole) without decimals.
         */
        String cell() {
            boolean whole = min == Math.rint(min) && median == Math.rint(median) && max == Math.rint(max);
            java.util.function.DoubleFunction<String> f = whole ? v -> String.format(Locale.ROOT, "%.0f", v)
                    : BenchReport::format;
            String numbers = count == 0 ? "-" : count == 1 ? f.apply(median)
                    : f.apply(min) + " / " + f.apply(median) + " / " + f.apply(max);
            return failed == 0 ? numbers : numbers + " (" + failed + " failed)";
        }
    }

    /** The markdown table: the scenarios and metrics in the order they were first measured. */
    synchronized String table() {
        List<String> systems = samples.stream().map(Sample::system).distinct().collect(Collectors.toList());
        Map<List<String>, List<Sample>> rows = new LinkedHashMap<>();
        samples.forEach(s -> rows.computeIfAbsent(List.of(s.scenario(), s.metric()), k -> new ArrayList<>()).add(s));
        boolean ratio = systems.contains(HAPG) && systems.contains(PATRONI);
        StringBuilder t = new StringBuilder("| scenario | metric |");
        systems.forEach(s -> t.append(' ').append(s).append(" (min / median / max) |"));
        if (ratio) {
            t.append(" hapg / patroni |");
        }
        t.append("\n|---|---|").append("---|".repeat(systems.size() + (ratio ? 1 : 0))).append('\n');
        List<String> failures = new ArrayList<>();
        rows.forEach((key, list) -> {
            t.append("| ").append(key.get(0)).append(" | ").append(key.get(1)).append(" |");
            Map<String, Stats> bySystem = new LinkedHashMap<>();
            for (String system : systems) {
                Stats st = Stats.of(list.stream().filter(s -> s.system().equals(system)).collect(Collectors.toList()));
                bySystem.put(system, st);
                t.append(' ').append(st.cell()).append(" |");
                st.firstFailure().ifPresent(f -> failures.add(system + ", " + key.get(0) + ", " + key.get(1) + ": "
                        + f));
            }
            if (ratio) {
                t.append(' ').append(ratio(bySystem.get(HAPG).median(), bySystem.get(PATRONI).median())).append(" |");
            }
            t.append('\n');
        });
        if (!failures.isEmpty()) {
            t.append("\nfailed samples (first reason each):\n");
            failures.forEach(f -> t.append("- ").append(f).append('\n'));
        }
        return t.toString();
    }

    /** {@code 0.52x}; {@code -} when either side has no number or the denominator is 0. */
    static String ratio(double hapg, double patroni) {
        if (Double.isNaN(hapg) || Double.isNaN(patroni) || patroni == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2fx", hapg / patroni);
    }

    /** The raw samples, one line each, header first; a failed sample has an empty value and its reason. */
    synchronized String csv() {
        StringBuilder c = new StringBuilder(CSV_HEADER).append('\n');
        for (Sample s : samples) {
            c.append(String.join(",", Arrays.asList(csvField(s.scenario()), csvField(s.system()),
                    Integer.toString(s.repetition()), csvField(s.metric()), s.ok() ? Double.toString(s.value()) : "",
                    csvField(s.failure().orElse(""))))).append('\n');
        }
        return c.toString();
    }

    private static String csvField(String text) {
        String flat = text.replace('\n', ' ');
        return flat.contains(",") || flat.contains("\"") ? '"' + flat.replace("\"", "\"\"") + '"' : flat;
    }

    /** Up to 3 significant decimals: 12.345, 0.042, 9160. */
    static String format(double v) {
        if (Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
